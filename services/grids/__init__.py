"""grids: the org tree (county → township → village → grid), people and their roles,
households and residents, departments, teams and the three kinds of links."""

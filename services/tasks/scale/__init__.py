"""A month of realistic activity in the tasks database, in bulk (`scripts/load_county.py`).

Input: a county snapshot as grids' look-ups return it (duck-typed: `units`, `path`, `name`,
`member_links`, `grid_workers`, `cadres_of_grid`, `secretaries`, `township_leaders`,
`departments`, `department_staff`, `households_of_grid`, `villages`, `townships`, `grids`,
`county_id`, `scale`). Nothing from another service's code or tables is used.

What it writes, with the tasks service's own models and code:

1. the replicas fieldwork and taskflow keep of grids' data (`tf_places`, `fw_member_links`,
   `fw_grid_contacts`), as the snapshot sync would;
2. the default matter catalogue (`commands.seed_default`) and the month's visit lists with
   the service's own set-based `generate_lists` (which also writes their outbox rows);
3. the month's activity, generated deterministically and written with COPY: visits and their
   ratings (the visit-list items updated to match), matters from visits and the villager
   mailbox climbing the ladder (quick handling at the grid, assisted handling by the village,
   department dispatch), tasks screened (some rejected), approved and dispatched to villages
   with their assignments claimed, submitted and accepted — each with its ledger rows and the
   outbox row of every event it would have emitted, shaped exactly like the use cases' events
   (one of each type is checked against the event catalogue).

The outbox rows are written as already published history: the scoring loader turns the same
rows into indicator facts with scoring's own `facts_for`, so replaying half a million events
through the bus at load time is not needed (see docs/capacity.md).
"""

from services.tasks.scale.loader import check, load

__all__ = ["check", "load"]

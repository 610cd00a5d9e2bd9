"""The demo households of one grid, each with its residents: a head, a spouse, children who take
the father's surname, sometimes a parent; addresses by building (社区) or group (村)."""

from __future__ import annotations

import random

from services.grids.demo.people import Generator
from services.grids.models import Household, OrgUnit


def households(
    rng: random.Random, gen: Generator, village: OrgUnit, grid_index: int, grid: OrgUnit
) -> list[tuple[Household, list]]:
    """The grid's households, each with its residents as `Someone` and relation."""
    community = village.name.endswith("社区")
    result = []
    count = rng.randint(25, 40)
    for n in range(1, count + 1):
        head_male = rng.random() < 0.8
        head_age = rng.randint(26, 82)
        head = gen.someone(male=head_male, age=head_age)
        members = [("户主", head)]
        size = rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 3])[0]
        relations = ["配偶"] if size >= 2 else []
        parent_odds = 0.5 if head_age < 40 else 0.2 if head_age < 60 else 0.0
        relations += ["父母" if rng.random() < parent_odds else "子女" for _ in range(size - 2)]
        father_surname = head.surname if head_male else None
        for relation in relations:
            if relation == "配偶":
                age = max(20, head_age + rng.randint(-5, 4))
                who = gen.someone(male=not head_male, age=age, phone=rng.random() < 0.85)
                if not head_male:
                    father_surname = who.surname
            elif relation == "子女":
                # children take the father's surname
                age = max(0, head_age - rng.randint(22, 36))
                surname = father_surname
                who = gen.someone(surname=surname, age=age, phone=age >= 18 and rng.random() < 0.8)
            else:
                # the head's father shares the head's surname
                male = rng.random() < 0.5
                age = min(98, head_age + rng.randint(22, 34))
                surname = head.surname if male else None
                who = gen.someone(male=male, surname=surname, age=age, phone=rng.random() < 0.5)
            members.append((relation, who))
        if community:
            address = f"{village.name}{grid_index * 6 + (n - 1) // 8 + 1}幢{(n - 1) % 8 + 1:02d}号"
        else:
            group = grid_index * 2 + (1 if n <= count // 2 else 2)
            address = f"{village.name}{group}组{n}号"
        household = Household(
            code=f"H{grid.code}{n:03d}",
            grid_id=grid.id,
            address=address,
            head_name=head.name,
            phone=head.phone,
        )
        result.append((household, members))
    return result

"""The county in memory, deterministically from the seed: the org tree, departments and teams,
the people in every role (the demo accounts among them), households with their residents and
the three kinds of link, as rows per table and the snapshot other services replicate."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from services.grids.demo.naming import COUNTY_DEPARTMENTS, TOWNSHIP_PLATFORM
from services.grids.domain import LinkKind, Role
from services.grids.scale.county import County
from services.grids.scale.people import People
from services.grids.scale.presets import Scale
from services.grids.scale.spread import spread
from services.grids.scale.tree import org_tree


def build(scale: Scale, seed: int = 2026) -> tuple[County, dict[str, list[tuple]]]:
    """The county in memory: (snapshot, rows per table). Same seed, same county."""
    rng = random.Random(f"{scale.name}:{seed}")
    c = County(scale=scale)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    units, villages_of, grids_of = org_tree(scale, rng, c, now)
    county = c.county_id

    # departments, teams and the people above the villages
    people = People(rng, scale.county_code)
    departments: list[tuple] = []
    for i, name in enumerate(COUNTY_DEPARTMENTS):
        departments.append((len(departments) + 1, f"D{scale.county_code}{i + 1:02d}", name, county))
    for t in c.townships:
        code = units[t - 1][3]
        departments.append((len(departments) + 1, f"D{code}01", c.name[t] + TOWNSHIP_PLATFORM, t))
    c.departments = [{"id": d[0], "code": d[1], "name": d[2], "org_unit_id": d[3]} for d in departments]
    c.accounts["admin"] = people.add(Role.county_admin, county, username="admin")
    for d in departments:
        c.department_staff[d[0]] = [
            people.add(
                Role.department_staff,
                d[3],
                department_id=d[0],
                username="dept" if d[0] == 1 and i == 0 else None,
            )
            for i in range(2)
        ]
    c.accounts["dept"] = c.department_staff[1][0]
    for i, t in enumerate(c.townships):
        username = {0: "township", 1: "township2"}.get(i)
        c.township_leaders[t] = people.add(Role.township_leader, t, username=username)
        if username:
            c.accounts[username] = c.township_leaders[t]

    team_count = max(scale.townships, scale.team_cadres // scale.team_size)
    teams: list[tuple] = []
    team_links: list[tuple] = []  # (team_id, village_id)
    for i, n in enumerate(spread(team_count, scale.townships, rng, 0.2)):
        township = c.townships[i]
        villages = villages_of[township]
        own = []
        for k in range(n):
            tid = len(teams) + 1
            teams.append(
                (tid, f"T{units[township - 1][3]}{k + 1:02d}", f"{c.name[township]}联村组团{k + 1}", township)
            )
            own.append(tid)
        # every village gets a team; with more teams than villages some villages get two
        for k in range(max(len(own), len(villages))):
            team_links.append((own[k % len(own)], villages[k % len(villages)]))
    team_of_cadres = [teams[i % len(teams)] for i in range(scale.team_cadres)]
    for i, team in enumerate(team_of_cadres):
        pid = people.add(Role.team_cadre, team[3], team_id=team[0], username="team" if i == 0 else None)
        if i == 0:
            c.accounts["team"] = pid

    # villages: secretary, cadres on grids, grid workers, members and their households
    households: list[tuple] = []
    residents: list[tuple] = []
    links: list[tuple] = []  # (id, kind, source, target)
    cadre_counts = dict(zip(c.villages, spread(scale.village_cadres, scale.villages, rng, 0.3), strict=True))
    member_counts = dict(zip(c.grids, spread(scale.members, scale.grids, rng, 0.3), strict=True))
    relations = ("配偶", "子女", "子女", "父母")
    next_household = next_resident = 1
    for village in c.villages:
        first = village == c.villages[0]
        c.secretaries[village] = [
            people.add(Role.village_secretary, village, username="secretary" if first else None)
        ]
        grids = grids_of[village]
        cadres = [
            people.add(Role.village_cadre, village, username="cadre" if first and i == 0 else None)
            for i in range(cadre_counts[village])
        ]
        for g in grids:
            c.cadres_of_grid[g] = []
        # every grid gets a cadre and every cadre a grid (包网入格); the first cadre takes two
        for k in range(max(len(cadres), len(grids))):
            c.cadres_of_grid[grids[k % len(grids)]].append(cadres[k % len(cadres)])
        if first and len(grids) > 1 and cadres[0] not in c.cadres_of_grid[grids[1]]:
            c.cadres_of_grid[grids[1]].append(cadres[0])  # the demo cadre takes two grids
        for g_index, grid in enumerate(grids):
            first_grid = first and g_index == 0
            c.grid_workers[grid] = [
                people.add(Role.grid_worker, grid, username="gridworker" if first_grid else None)
            ]
            c.households_of_grid[grid] = []
            for m in range(member_counts[grid]):
                homes = rng.randint(scale.households_per_member - 2, scale.households_per_member + 2)
                member_name, member_phone = people.name(), people.phone()
                member = people.add(
                    Role.member,
                    grid,
                    name=member_name,
                    phone=member_phone,
                    username="member" if first_grid and m == 0 else None,
                )
                for h in range(homes):
                    hid = next_household
                    next_household += 1
                    n_home = len(c.households_of_grid[grid]) + 1
                    head = member_name if h == 0 else people.name()
                    phone = member_phone if h == 0 else people.phone()
                    households.append(
                        (
                            hid,
                            f"H{hid:07d}",
                            grid,
                            f"{c.name[village]}{g_index * 2 + 1 + n_home // 40}组{n_home}号",
                            head,
                            phone,
                        )
                    )
                    c.households_of_grid[grid].append(hid)
                    residents.append((next_resident, hid, head, "户主", phone, people.id_number()))
                    next_resident += 1
                    for r in range(rng.choice((0, 1, 1, 2, 2, 3))):
                        residents.append(
                            (
                                next_resident,
                                hid,
                                people.name(),
                                relations[r],
                                people.phone() if rng.random() < 0.6 else None,
                                people.id_number(),
                            )
                        )
                        next_resident += 1
                    links.append((len(links) + 1, LinkKind.member_household.value, member, hid))
                    c.member_links.append((len(links), member, hid, grid))
            if first_grid:
                last = households[-1]
                c.accounts["resident"] = people.add(
                    Role.resident, grid, name=last[4], phone=last[5], username="resident"
                )
    for username in ("secretary", "cadre", "gridworker", "member"):
        c.accounts[username] = next(r[0] for r in people.rows if r[9] == username)
    for grid in c.grids:
        for cadre in c.cadres_of_grid[grid]:
            links.append((len(links) + 1, LinkKind.cadre_grid.value, cadre, grid))
            c.cadre_links.append((len(links), cadre, grid))
    for team, village in team_links:
        links.append((len(links) + 1, LinkKind.team_village.value, team, village))
        c.team_links.append((len(links), team, village))

    rows = {
        "org_units": units,
        "departments": departments,
        "teams": teams,
        "people": people.rows,
        "households": households,
        "residents": residents,
        "links": links,
    }
    c.counts = {table: len(r) for table, r in rows.items()}
    return c, rows

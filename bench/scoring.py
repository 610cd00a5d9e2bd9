"""Scoring at Quzhou scale: set-based recompute of a month against a naive per-entity loop,
and event-to-score latency through the real bus.

Data (loaded straight into a bench PostgreSQL database with COPY): 1,483 villages, 4,112
grids, 48,000 members, 2,522 teams (7,566 team cadres in threes) linked to villages, 9,232
village cadres linked to grids; about 600,000 events: per member a visit list, 9 visits
and 2 ratings, per grid 10 matters, per village 10 tasks — each event's facts as the
consumer writes them (member, grid and village rows).

  first build recompute.recompute(month) on the facts alone: the totals written by the server
              (INSERT … SELECT … GROUP BY … RETURNING), every score computed in one pass
              and inserted from unnest(arrays) (target ≤ 10 s)
  recompute   recompute.recompute(month) again, on the month as built — what an operator's
              recompute meets (after a lost delivery, or with new weights): one parallel
              GROUP BY beside the stored totals (FULL JOIN), every score computed, and only
              the rows that differ written (target ≤ 10 s)
  naive       the same rebuild entity by entity: its own GROUP BY, its stored totals and
              scores read and corrected where they differ, its score(s) from the same value
              functions, a commit — timed on a sample of every kind in proportion and
              scaled to every entity of that kind (target ratio ≥ 20× the recompute)
  latency     the scoring service as a `nameko run` process on its own vhost; visit.recorded
              events published at a steady rate; latency = the score row's update time minus
              the publish time (target p99 ≤ 1 s)
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import psycopg2
import requests
from kombu import Connection, Exchange, Queue
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.events import EXCHANGE, event_type, to_cloudevent
from common.migrations import upgrade
from common.outbox import ConfirmingPublisher
from common.storage import make_engine
from scripts.local_platform import ROOT, process_env
from services.scoring import compute, domain, recompute
from services.scoring.config import load_config
from services.scoring.models import OutboxMessage, ProcessedEvent, Score, Total

PG = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT_API = os.environ.get("BENCH_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api")
AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "127.0.0.1:5672")

MONTH = "2026-11"
TOWNSHIPS, VILLAGES, GRIDS, MEMBERS, TEAMS, CADRES = 100, 1483, 4112, 48000, 2522, 9232
SAMPLE = int(os.environ.get("BENCH_SCORING_SAMPLE", "400"))
RATE = float(os.environ.get("BENCH_SCORING_RATE", "40"))  # events per second for the latency run
SECONDS = float(os.environ.get("BENCH_SCORING_SECONDS", "15"))


def _admin():
    conn = psycopg2.connect(PG)
    conn.autocommit = True
    return conn


def _tree():
    """ids: county 1, townships, villages, grids, with their paths."""
    townships = list(range(2, 2 + TOWNSHIPS))
    villages = {}
    next_id = 2 + TOWNSHIPS
    for i in range(VILLAGES):
        villages[next_id] = townships[i % TOWNSHIPS]
        next_id += 1
    village_ids = list(villages)
    grids = {}
    for i in range(GRIDS):
        grids[next_id] = village_ids[i % VILLAGES]
        next_id += 1
    return villages, grids


def _load(url: str) -> dict:
    rng = random.Random(7)
    villages, grids = _tree()
    grid_ids = list(grids)
    vpath = {v: f"/1/{t}/{v}/" for v, t in villages.items()}
    gpath = {g: f"{vpath[v]}{g}/" for g, v in grids.items()}
    facts, entities, links = io.StringIO(), io.StringIO(), io.StringIO()
    events = 0
    when = "2026-11-15 02:00:00+00"

    def fact(eid, etype, kind, entity_id, measure, value, path):
        facts.write(
            f"{eid}\t{etype}\t{kind}\t{entity_id}\t{measure}\t{MONTH}\t{int(value * 1000)}\t{path}\t{when}\n"
        )

    def placed(eid, etype, member, grid, measure, value):
        village = grids[grid]
        if member is not None:
            fact(eid, etype, "member", member, measure, value, gpath[grid])
        fact(eid, etype, "grid", grid, measure, value, gpath[grid])
        fact(eid, etype, "village", village, measure, value, vpath[village])

    for v, t in villages.items():
        entities.write(f"village\t{v}\t{vpath[v]}\t{t}\t{v}\t0\n")
    for g, v in grids.items():
        entities.write(f"grid\t{g}\t{gpath[g]}\t{villages[v]}\t{v}\t0\n")
    member_grid = {}
    for m in range(1, MEMBERS + 1):
        g = grid_ids[m % GRIDS]
        member_grid[100000 + m] = g
        entities.write(f"member\t{100000 + m}\t{gpath[g]}\t{villages[grids[g]]}\t{grids[g]}\t0\n")
    for member, g in member_grid.items():
        households = 11
        eid = str(uuid.uuid4())
        placed(eid, "visit_list.issued", member, g, "households_due", households)
        events += 1
        for _ in range(9):
            eid = str(uuid.uuid4())
            placed(eid, "visit.recorded", member, g, "visits", 1)
            if rng.random() < 0.85:
                placed(eid, "visit.recorded", member, g, "visits_on_time", 1)
            if rng.random() < 0.2:
                placed(eid, "visit.recorded", member, g, "needs_raised", 1)
            events += 1
        for _ in range(2):
            placed(str(uuid.uuid4()), "visit.rated", member, g, "visit_rating", rng.randint(3, 5))
            events += 1
    for g in grid_ids:
        for _ in range(10):
            for measure, value in (
                ("matters_reported", 1),
                ("matters_resolved", 1),
                ("quick_resolved", 1),
                ("days_to_close", rng.choice([0.5, 1, 2, 3, 5])),
                ("matter_rating", rng.randint(2, 5)),
            ):
                if measure == "quick_resolved" and rng.random() < 0.3:
                    continue
                placed(str(uuid.uuid4()), "matter", None, g, measure, value)
                events += 1
    for v in villages:
        for _ in range(10):
            for measure in (
                "tasks_due",
                "tasks_done",
                "tasks_on_time",
                "dispatch_opened",
                "dispatch_resolved",
            ):
                if measure != "tasks_due" and rng.random() < 0.1:
                    continue
                fact(str(uuid.uuid4()), "task", "village", v, measure, 1, vpath[v])
                events += 1
    village_ids = list(villages)
    link_id = 0
    for team in range(1, TEAMS + 1):
        for v in {village_ids[team % VILLAGES], village_ids[(team * 7) % VILLAGES]}:
            link_id += 1
            links.write(f"team_village\t{team}\t{v}\t{link_id}\t{vpath[v]}\t{v}\n")
    for cadre in range(1, CADRES + 1):
        g = grid_ids[cadre % GRIDS]
        link_id += 1
        links.write(f"cadre_grid\t{500000 + cadre}\t{g}\t{link_id}\t{gpath[g]}\t{grids[g]}\n")

    conn = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    with conn, conn.cursor() as cur:
        for buf, table, cols in (
            (
                entities,
                "scored_entities",
                "entity_kind, entity_id, org_path, township_id, village_id, version",
            ),
            (links, "link_replica", "kind, source_id, target_id, link_id, org_path, village_id"),
            (
                facts,
                "indicator_facts",
                "event_id, event_type, entity_kind, entity_id, measure, period, value_milli, org_path, occurred_at",
            ),
        ):
            buf.seek(0)
            cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM indicator_facts")
        n_facts = cur.fetchone()[0]
    conn.close()
    return {"events": events, "facts": n_facts, "member_grid": member_grid, "grids": grids, "gpath": gpath}


def _analyze(url: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.close()


def _uow(url):
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    return lambda: UnitOfWork(factory, OutboxMessage, ProcessedEvent)


def _naive(url, config, sample: int, correct_only: bool) -> dict:
    """The same rebuild of the month, one entity at a time: its own GROUP BY over its facts,
    its score(s) from the same value functions (a village's from its members' stored
    先锋指数), its totals and scores written, a commit. As a per-entity loop is naively
    written, every row is upserted; with `correct_only`, its stored totals and scores are
    read first (one query each) and only what differs is written, as the recompute does.
    Timed on a sample of every kind in proportion to its size (at least 30 each) and scaled
    to every entity of that kind. Returns {kind: (seconds per entity, entities)}."""
    thresholds = config.raw["grid_colours"]
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    out = {}
    with factory() as session:
        entities = session.execute(
            text("SELECT entity_kind, entity_id, org_path, village_id FROM scored_entities ORDER BY 1, 2")
        ).all()
        by_kind: dict[str, list] = {}
        for kind, entity_id, path, village_id in entities:
            by_kind.setdefault(kind, []).append((entity_id, path, village_id))
        rng = random.Random(11)
        for kind, keys in sorted(by_kind.items()):
            picked = rng.sample(keys, min(len(keys), max(30, round(sample * len(keys) / len(entities)))))
            indices = {"member": ["pioneer"], "grid": ["fortress"]}.get(kind, list(compute.VILLAGE_INDICES))
            started = time.perf_counter()
            for entity_id, path, village_id in picked:
                rows = session.execute(
                    text(
                        "SELECT measure, sum(value_milli), count(*) FROM indicator_facts "
                        "WHERE period = :p AND entity_kind = :k AND entity_id = :e GROUP BY measure"
                    ),
                    {"p": MONTH, "k": kind, "e": entity_id},
                ).all()
                totals = {m: (int(t) / 1000.0, int(n)) for m, t, n in rows}
                if kind == "member":
                    values = {"pioneer": (compute.entity_value(config, "pioneer", totals), None)}
                elif kind == "grid":
                    value = compute.entity_value(config, "fortress", totals)
                    values = {"fortress": (value, domain.colour(thresholds, value))}
                else:
                    pioneers = session.scalars(
                        select(Score.value)
                        .where(
                            Score.period == MONTH,
                            Score.index == "pioneer",
                            Score.entity_kind == "member",
                            Score.org_path.startswith(path),
                        )
                        .order_by(Score.entity_id)
                    ).all()
                    village = compute.village_values(config, totals, domain.mean(pioneers))
                    values = {index: (value, None) for index, value in village.items()}
                total_rows = [
                    {"period": MONTH, "entity_kind": kind, "entity_id": entity_id, "measure": m}
                    | {"total_milli": int(t), "count": int(n)}
                    for m, t, n in rows
                ]
                score_rows = [
                    {"period": MONTH, "index": index, "entity_kind": kind, "entity_id": entity_id}
                    | {"value": value, "colour": colour, "org_path": path, "village_id": village_id}
                    for index, (value, colour) in values.items()
                    if value is not None
                ]
                if correct_only:
                    stored = session.execute(
                        select(Total.measure, Total.total_milli, Total.count).where(
                            Total.period == MONTH, Total.entity_kind == kind, Total.entity_id == entity_id
                        )
                    ).all()
                    have = {(m, t, n) for m, t, n in stored}
                    total_rows = [
                        r for r in total_rows if (r["measure"], r["total_milli"], r["count"]) not in have
                    ]
                    scored = session.execute(
                        select(
                            Score.index, Score.value, Score.colour, Score.org_path, Score.village_id
                        ).where(
                            Score.period == MONTH,
                            Score.index.in_(indices),
                            Score.entity_kind == kind,
                            Score.entity_id == entity_id,
                        )
                    ).all()
                    have = {tuple(r) for r in scored}
                    score_rows = [
                        r
                        for r in score_rows
                        if (r["index"], r["value"], r["colour"], r["org_path"], r["village_id"]) not in have
                    ]
                if total_rows:
                    stmt = pg_insert(Total).values(total_rows)
                    session.execute(
                        stmt.on_conflict_do_update(
                            index_elements=["period", "entity_kind", "entity_id", "measure"],
                            set_={"total_milli": stmt.excluded.total_milli, "count": stmt.excluded.count},
                        )
                    )
                if score_rows:
                    stmt = pg_insert(Score).values(
                        [r | {"updated_at": datetime.now(UTC)} for r in score_rows]
                    )
                    session.execute(
                        stmt.on_conflict_do_update(
                            index_elements=["period", "index", "entity_kind", "entity_id"],
                            set_={c: stmt.excluded[c] for c in ("value", "colour", "org_path", "updated_at")},
                        )
                    )
                session.commit()
            out[kind] = ((time.perf_counter() - started) / len(picked), len(keys))
    return out


def _vhost() -> str:
    name = f"gov-bench-{uuid.uuid4().hex[:8]}"
    requests.put(f"{RABBIT_API}/vhosts/{name}", timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{name}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    return name


def _latency(url: str, data: dict) -> dict:
    vhost = _vhost()
    uri = f"amqp://guest:guest@{AMQP_HOST}/{vhost}"
    with tempfile.TemporaryDirectory() as tmp:
        log = open(os.path.join(tmp, "scoring.log"), "wb")  # noqa: SIM115 - closed below
        env = process_env(uri, tmp, SCORING_DATABASE_URL=url)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nameko",
                "run",
                "--config",
                "deploy/nameko.yaml",
                "services.scoring.service:ScoringService",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            queue = Queue(
                "evt-grassroots.tasks.visit.recorded.v1--scoring.on_visit_recorded",
                Exchange(EXCHANGE, type="topic", durable=True),
                durable=True,
            )
            deadline = time.monotonic() + 60
            with Connection(uri) as conn:
                while True:
                    try:
                        queue(conn.default_channel).queue_declare(passive=True)
                        break
                    except Exception:  # noqa: BLE001 - not declared yet
                        if time.monotonic() > deadline:
                            raise
                        conn.release()
                        time.sleep(0.5)
            publisher = ConfirmingPublisher(uri)
            members = list(data["member_grid"].items())
            random.Random(3).shuffle(members)
            sent: dict[int, datetime] = {}
            n = int(RATE * SECONDS)
            started = time.perf_counter()
            for i, (member, grid) in enumerate(members[:n]):
                village = data["grids"][grid]
                body = to_cloudevent(
                    id=str(uuid.uuid4()),
                    type=event_type("tasks", "visit.recorded"),
                    source="/grassroots/tasks",
                    time=datetime(2026, 12, 3, 2, tzinfo=UTC),
                    subject="bench",
                    org_path=data["gpath"][grid],
                    data={
                        "township_id": int(data["gpath"][grid].split("/")[2]),
                        "village_id": village,
                        "grid_id": grid,
                        "visit_id": i,
                        "member_id": member,
                        "household_id": i,
                        "month": "2026-12",
                        "visited_at": "2026-12-03",
                        "on_time": True,
                        "needs_raised": 0,
                    },
                )
                sent[member] = datetime.now(UTC)
                assert all(publisher.publish_batch([(body["type"], body)]))
                pause = started + (i + 1) / RATE - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            publisher.close()
            factory = sessionmaker(make_engine(url))
            deadline = time.monotonic() + 60
            while True:
                with factory() as session:
                    done = dict(
                        session.execute(
                            select(Score.entity_id, Score.updated_at).where(
                                Score.period == "2026-12",
                                Score.index == "pioneer",
                                Score.entity_kind == "member",
                            )
                        ).all()
                    )
                if len(done) >= len(sent) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(30)
            log.close()
            requests.delete(f"{RABBIT_API}/vhosts/{vhost}", timeout=10)
    latencies = sorted(max((done[m] - t).total_seconds(), 0.0) for m, t in sent.items() if m in done)
    assert len(latencies) == len(sent), f"{len(sent) - len(latencies)} events never scored"

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {
        "events": len(sent),
        "rate_per_s": RATE,
        "p50_s": round(pct(0.5), 4),
        "p99_s": round(pct(0.99), 4),
        "max_s": round(latencies[-1], 4),
    }


def run() -> dict:
    config = load_config()
    name = f"gov_bench_scoring_{uuid.uuid4().hex[:8]}"
    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = PG.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade("scoring", url)
        started = time.perf_counter()
        data = _load(url)
        load_s = time.perf_counter() - started
        timings = []
        for _ in range(2):  # the first builds the month from its facts; the second rebuilds it
            with _uow(url)() as uow:
                started = time.perf_counter()
                result = recompute.recompute(uow, config, MONTH)
                uow.commit()
                timings.append(time.perf_counter() - started)
            _analyze(url)  # as autovacuum would after a month's rows: plans from fresh statistics
        first_build_s, recompute_s = timings
        assert result["totals_corrected"] == 0 and result["scores_corrected"] == 0, result
        naive = _naive(url, config, SAMPLE, correct_only=False)
        naive_s = sum(per_entity * n for per_entity, n in naive.values())
        checking = _naive(url, config, SAMPLE, correct_only=True)
        checking_s = sum(per_entity * n for per_entity, n in checking.values())
        latency = _latency(url, data)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    out = {
        "events": data["events"],
        "facts": data["facts"],
        "load_s": round(load_s, 1),
        "scores": result["scores"],
        "first_build_s": round(first_build_s, 2),
        "recompute_s": round(recompute_s, 2),
        "naive_sample": SAMPLE,
        "naive_per_entity_ms": {kind: round(t * 1000, 3) for kind, (t, _) in naive.items()},
        "naive_full_estimate_s": round(naive_s, 1),
        "checking_loop_estimate_s": round(checking_s, 1),
        "ratio_to_checking_loop": round(checking_s / recompute_s, 1),
        "ratio": round(naive_s / recompute_s, 1),
        "latency": latency,
        "targets": {"recompute_s": 10, "ratio": 20, "p99_s": 1.0},
    }
    print(
        f"events {out['events']:,}  facts {out['facts']:,}  scores {out['scores']:,}  (load {out['load_s']} s)"
    )
    print(f"first build (facts only)   {out['first_build_s']:>8} s   target <= 10 s")
    print(f"recompute of the month     {out['recompute_s']:>8} s   target <= 10 s")
    per_kind = ", ".join(f"{kind} {t * 1000:.2f} ms x {n:,}" for kind, (t, n) in naive.items())
    print(f"naive per-entity loop      {out['naive_full_estimate_s']:>8} s   ({per_kind}; sampled ~{SAMPLE})")
    per_kind = ", ".join(f"{kind} {t * 1000:.2f} ms" for kind, (t, _) in checking.items())
    print(
        f"  the same loop writing only what differs  {out['checking_loop_estimate_s']} s ({per_kind}): "
        f"{out['ratio_to_checking_loop']}x the recompute"
    )
    print(f"ratio                      {out['ratio']:>8} x   target >= 20x")
    print(
        f"event-to-score latency     p50 {latency['p50_s']} s  p99 {latency['p99_s']} s  max {latency['max_s']} s"
        f"  ({latency['events']} events at {RATE:g}/s)   target p99 <= 1 s"
    )
    return out


if __name__ == "__main__":
    run()

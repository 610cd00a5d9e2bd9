"""A big org import does not stall grids: while its workbook parses (in eventlet.tpool),
the same service process keeps answering other RPCs. A real grids container on the broker
and PostgreSQL; the import and the pings travel over RabbitMQ like the gateway's calls."""

import base64
import io
import time

import eventlet
import openpyxl
from nameko.standalone.rpc import ClusterRpcProxy

from services.grids import commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.service import GridsService
from tests.conftest import make_uow_factory


def wide_people_file(rows: int, extra_columns: int) -> str:
    """A people sheet whose extra columns (ignored by the import) make it slow to parse and
    whose header lacks the required columns, so the import ends right after parsing."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名"] + [f"备注{c}" for c in range(extra_columns)])
    for r in range(rows):
        sheet.append([f"张{r}"] + [f"r{r}c{c}" for c in range(extra_columns)])
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode("ascii")


def test_grids_answers_other_calls_while_a_big_import_parses(container_factory, service_config, pg_databases):
    url = pg_databases("grids")
    with make_uow_factory(url, models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    container_factory(GridsService, service_config(url)).start()
    content = wide_people_file(10000, 40)
    finished: dict = {}

    def run_import():
        with ClusterRpcProxy(service_config(), timeout=120) as rpc:
            admin = rpc.grids.authenticate("admin", DEMO_PASSWORD)
            finished["started"] = time.monotonic()
            try:
                rpc.grids.import_file(admin, "people", "人员.xlsx", content)
            except Exception as exc:  # noqa: BLE001 - the outcome is asserted below
                finished["error"] = exc
            finished["at"] = time.monotonic()

    with ClusterRpcProxy(service_config(), timeout=30) as rpc:
        assert rpc.grids.ping() == "pong"
        importing = eventlet.spawn(run_import)
        while "started" not in finished:
            eventlet.sleep(0.05)
        answered = []  # (when the ping came back, how long it took)
        while "at" not in finished:
            asked = time.monotonic()
            assert rpc.grids.ping() == "pong"
            answered.append((time.monotonic(), time.monotonic() - asked))
            eventlet.sleep(0.1)
        importing.wait()
    took = finished["at"] - finished["started"]
    during = [latency for at, latency in answered if at < finished["at"] - 0.2]
    assert finished["error"].code == "import_invalid"  # the header lacks the required columns
    assert took > 1.0, took  # long enough that a stalled hub would have held the pings
    # a stalled hub answers at most the one ping that came in before the parse began, and
    # holds the next for the whole parse; a loaded machine only slows them
    assert len(during) >= 2 and max(during) < took / 2, (took, during)

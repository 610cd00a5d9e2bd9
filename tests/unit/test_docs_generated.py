"""The generated regions of docs/architecture.md and README.md are what scripts/gen_docs.py
makes from the code now: add a handler, a timer, an event, a rule or a setting without
regenerating and this fails."""

from pathlib import Path

from common import settings
from common.consumer import CloudEventHandler
from common.contracts.events import CATALOGUE
from scripts import gen_docs as gen
from services.notify.consumer import MultiEventHandler
from services.notify.rules import RULES

ROOT = Path(__file__).resolve().parents[2]


def test_every_generated_region_is_current(capsys):
    assert gen.main(["--check"]) == 0, "stale: run python scripts/gen_docs.py\n" + capsys.readouterr().out


def test_check_fails_with_a_diff_on_a_stale_region_and_a_rewrite_mends_it(tmp_path, monkeypatch, capsys):
    doc = tmp_path / "doc.md"
    start, end = gen.markers("rules")
    doc.write_text(f"before\n{start}\n| an old row |\n{end}\nafter\n", encoding="utf-8")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "REGIONS", {doc: {"rules": gen.notify_rules}})

    assert gen.main(["--check"]) == 1
    diff = capsys.readouterr().out
    assert "-| an old row |" in diff and "+| event (pattern) |" in diff

    assert gen.main([]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith(f"{end}\nafter\n")
    assert "an old row" not in text
    assert gen.main(["--check"]) == 0


def test_a_region_must_be_there_once(tmp_path, monkeypatch):
    doc = tmp_path / "doc.md"
    doc.write_text("no markers here\n", encoding="utf-8")
    monkeypatch.setattr(gen, "REGIONS", {doc: {"rules": gen.notify_rules}})
    try:
        gen.main(["--check"])
    except SystemExit as exc:
        assert "generated:rules" in str(exc)
    else:
        raise AssertionError("a missing region passed")


def test_the_queue_table_has_a_row_per_consumer_from_the_declarations():
    table = gen.queues()
    handlers = gen.entrypoints(CloudEventHandler) + gen.entrypoints(MultiEventHandler)
    assert len(table.splitlines()) == len(handlers) + 2
    assert {e.service for e in handlers} == {"tasks", "scoring", "notify", "gateway"}
    assert (
        "| `evt-grassroots.grids.account.credentials_changed.v1--gateway.on_credentials_changed-<12 hex>` "
        "| `grassroots.grids.account.credentials_changed.v1` | gateway `on_credentials_changed` "
        "| one per process: exclusive, auto-delete |"
    ) in table
    assert "| `evt-notify.on_any_event` | `#` | notify `on_any_event` | durable |" in table


def test_the_event_table_has_every_type_with_its_consumers():
    rows = {
        line.split(" | ")[0].strip("| `"): line for line in gen.events().splitlines() if "grassroots." in line
    }
    assert set(rows) >= set(CATALOGUE)
    link = rows["grassroots.grids.link.created.v1"]
    assert "tasks `fieldwork_on_link_created`" in link and "scoring `on_link_created`" in link
    assert "(inbox: `linked`)" in link
    assert rows["grassroots.grids.token.revoked.v1"].endswith("| gateway `on_token_revoked` (broadcast) |")
    assert rows["grassroots.tasks.project.posted.v1"].endswith("| — |")


def test_the_timer_table_has_each_interval():
    table = gen.timers()
    assert "| tasks | `task_deadline_timer` | 600 s |" in table
    assert "| notify | `deliver_tick` | `NOTIFY_DELIVERY_SECONDS` (5 s) |" in table


def test_the_rule_table_has_a_row_per_rule():
    assert len(gen.notify_rules().splitlines()) == len(RULES) + 2


def test_the_settings_tables_cover_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for s in settings.SETTINGS:
        if s.where != "tests":
            assert f"`{s.names[0]}`" in readme, s.names

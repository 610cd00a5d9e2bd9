"""`make bench` (or `python -m bench [name ...]`): run benchmarks, print their tables,
write var/bench.json. Each module in BENCHES has `run() -> dict` and prints its own
figures beside the reference it measured in the same run."""

from __future__ import annotations

import importlib
import json
import sys

from common.config import VAR_DIR

BENCHES = ["gateway", "outbox", "taskflow", "fieldwork", "scoring"]


def main(names: list[str]) -> int:
    results = {}
    for name in names or BENCHES:
        print(f"\n== {name} ==")
        results[name] = importlib.import_module(f"bench.{name}").run()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "bench.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(previous | results, indent=2, ensure_ascii=False))
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

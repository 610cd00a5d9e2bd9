"""`make bench`: run every benchmark, print a table, write var/bench.json."""

from __future__ import annotations

import json
import sys

from bench import outbox
from common.config import VAR_DIR


def main() -> int:
    results = {"outbox": outbox.run()}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten {VAR_DIR / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

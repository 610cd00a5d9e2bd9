"""Key rotation for the sealed phone and ID numbers (see docs/architecture.md, 商用密码).

    GOV_FIELD_KEYS="k2:<new>,k1:<old>" GOV_FIELD_KEY_ID=k2 python -m scripts.rotate_keys
    python -m scripts.rotate_keys --check      # values not yet under the active key

Re-seals every value not under the active key id and cipher and recomputes the phone
blind indexes (so it also follows a new GOV_BLIND_INDEX_KEY or GOV_HASH). Safe to run
again after an interruption. When --check reports zero, the old key may be removed.
"""

from __future__ import annotations

import argparse
import sys

from common import rekey
from common.config import database_url
from common.storage import make_engine

# each service's sealed columns, named by its models
SPECS = {
    "grids": "services.grids.models",
    "tasks": "services.tasks.fieldwork.models",
}


def spec_of(service: str) -> dict:
    module = __import__(SPECS[service], fromlist=["SEALED_COLUMNS"])
    return module.SEALED_COLUMNS


def rotate(service: str, url: str | None = None) -> dict:
    engine = make_engine(url or database_url(service))
    try:
        with engine.begin() as conn:
            return rekey.reseal_all(conn, spec_of(service), "seal")
    finally:
        engine.dispose()


def check(service: str, url: str | None = None) -> dict:
    engine = make_engine(url or database_url(service))
    try:
        with engine.connect() as conn:
            return rekey.stale(conn, spec_of(service))
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", default=list(SPECS), choices=list(SPECS))
    parser.add_argument("--check", action="store_true", help="count, do not rewrite")
    args = parser.parse_args(argv)
    left = 0
    for service in args.services:
        counts = check(service) if args.check else rotate(service)
        left += sum(counts.values()) if args.check else 0
        verb = "not under the active key" if args.check else "re-sealed"
        print(f"{service}: " + ", ".join(f"{table} {n} {verb}" for table, n in counts.items()))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

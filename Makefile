# The two commands that matter: `make up` and `make test` (see README.md).
.PHONY: up test lint format migrate seed load bench clean venv venv-dev

up:
	@scripts/up.sh

test:
	@scripts/test.sh

lint: venv-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: venv-dev
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrate: venv
	PYTHONPATH=. .venv/bin/python -m common.migrations

seed: venv
	PYTHONPATH=. .venv/bin/python scripts/seed_demo.py

# every service's database into var/backups/<timestamp>/ (pg_dump -Fc, or SQLite's online
# backup) with a manifest of row counts; restore the latest (or BACKUP=var/backups/<timestamp>)
# into the databases the services are configured with, with the platform stopped
.PHONY: backup restore
backup: venv
	PYTHONPATH=. .venv/bin/python -m scripts.backup

restore: venv
	PYTHONPATH=. .venv/bin/python -m scripts.restore $(BACKUP)

# a county of a given scale with a month of activity, into fresh PostgreSQL databases
# (or the ones in GRIDS_/TASKS_/SCORING_DATABASE_URL with LOAD_ARGS=): PRESET=demo|shaoxing|quzhou
PRESET ?= demo
LOAD_ARGS ?= --create
load: venv
	PYTHONPATH=. PYTHONWARNINGS=ignore .venv/bin/python scripts/load_county.py --preset $(PRESET) $(LOAD_ARGS)

# every benchmark (P1-P6, memory), a summary of the targets, var/bench.json; BENCH="replicas memory" for some
bench: venv-dev
	PYTHONPATH=. PYTHONWARNINGS=ignore .venv/bin/python -m bench $(BENCH)

clean:
	rm -rf var/

venv:
	@scripts/venv.sh requirements.txt

venv-dev:
	@scripts/venv.sh requirements-dev.txt

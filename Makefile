# The two commands that matter: `make up` and `make test` (see README.md).
.PHONY: up test lint format migrate seed bench clean venv venv-dev

up:
	@scripts/up.sh

test:
	@scripts/test.sh

lint: venv-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: venv-dev
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrate: venv
	PYTHONPATH=. .venv/bin/python -m common.migrations

seed: venv
	PYTHONPATH=. .venv/bin/python scripts/seed_demo.py

bench: venv-dev
	PYTHONPATH=. PYTHONWARNINGS=ignore .venv/bin/python -m bench $(BENCH)

clean:
	rm -rf var/

venv:
	@scripts/venv.sh requirements.txt

venv-dev:
	@scripts/venv.sh requirements-dev.txt

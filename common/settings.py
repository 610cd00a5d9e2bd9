"""Every setting the platform reads, with its default and what it means: the one list.

The README's settings tables are generated from it (`scripts/gen_docs.py`), and
`tests/unit/test_settings_registry.py` fails when the code reads a setting that is not listed
here, or when a listed one is read nowhere.

`where` says who reads it:

- `env`: the platform's processes, from the environment (`common.config.env`);
- `nameko`: notify and the relays, from the nameko config file (`deploy/nameko.yaml`), not from
  the environment;
- `scripts`: only the start scripts (`make up`, `scripts/venv.sh`);
- `tests`: only the tests and the helpers they share with the benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Where = Literal["env", "nameko", "scripts", "tests"]


@dataclass(frozen=True)
class Setting:
    names: tuple[str, ...]
    default: str
    meaning: str
    where: Where = "env"


def _s(names: str, default: str, meaning: str, where: Where = "env") -> Setting:
    return Setting(tuple(n.strip() for n in names.split(",")), default, meaning, where)


SETTINGS: tuple[Setting, ...] = (
    _s("AMQP_URI", "`amqp://guest:guest@127.0.0.1:5672/`", "the RabbitMQ broker"),
    _s(
        "GRIDS_DATABASE_URL, TASKS_DATABASE_URL, SCORING_DATABASE_URL, NOTIFY_DATABASE_URL",
        "`sqlite:///var/<service>.db`",
        "each service's own database. In production use PostgreSQL URLs "
        "(`postgresql://user:pw@host:5432/grids`); they are run with the psycopg2 driver",
    ),
    _s(
        "GOV_ENV",
        "`demo`",
        "`demo`, `test` or `production`. Only `production` changes behaviour: no demo seed, the demo "
        "password is refused (also when granting an account), and the secrets below marked "
        '"required in production" must be set',
    ),
    _s(
        "GOV_JWT_SECRET",
        "random, kept in `var/jwt-secret`",
        "HMAC key for the gateway's tokens. Required in production (`openssl rand -hex 32`)",
    ),
    _s("GOV_TOKEN_SECONDS", "`28800`", "session lifetime from login (a working day)"),
    _s(
        "GOV_IDLE_SECONDS",
        "`1800`",
        "a token's own lifetime; every authenticated answer carries a fresh one (`X-Refreshed-Token`), "
        "so a session left idle this long is refused (`token_idle`)",
    ),
    _s(
        "GOV_PASSWORD_MAX_DAYS",
        "none (passwords do not expire)",
        "days after which a password must be changed",
    ),
    _s(
        "GOV_RPC_TIMEOUT",
        "`5`",
        "seconds the gateway waits for a service's reply; also the expiry of the request message",
    ),
    _s(
        "GOV_MAX_WORKERS",
        "`10`",
        "concurrent workers per nameko process (the PostgreSQL pool is sized from it)",
    ),
    _s("GOV_LOGIN_PER_MINUTE", "`20`", "logins per client address per minute, on each gateway process"),
    _s(
        "GOV_RATING_MAX_FAILURES",
        "`10`",
        "wrong rating codes per client address in 15 minutes before the rating route refuses",
    ),
    _s(
        "GOV_TRUSTED_PROXIES",
        "none",
        "comma-separated proxy addresses whose `X-Forwarded-For` is believed for the caller's address",
    ),
    _s(
        "GOV_TLS_CERT, GOV_TLS_KEY",
        "none (plain HTTP)",
        "PEM files; with both set the gateway speaks only HTTPS on `WEB_SERVER_ADDRESS`",
    ),
    _s(
        "GOV_OUTBOUND_ALLOW_CIDRS",
        "none",
        "comma-separated loopback or private networks that webhooks and push robots may be sent to "
        "(link-local, multicast and reserved addresses never are)",
    ),
    _s(
        "GOV_OUTBOUND_CA_BUNDLE",
        "certifi's bundle",
        "CA certificates for outbound HTTPS (webhooks, push adapters)",
    ),
    _s("GOV_IMPORT_MAX_ROWS", "`100000`", "data rows an uploaded spreadsheet may hold"),
    _s(
        "GOV_IMPORT_MAX_UNCOMPRESSED_MB",
        "`100`",
        "megabytes an uploaded spreadsheet may inflate to",
    ),
    _s("GOV_OPEN311_JURISDICTION", "`grassroots`", "the only `jurisdiction_id` Open311 accepts"),
    _s(
        "GOV_ATTACHMENTS_DIR",
        "`var/attachments`",
        "where the default attachment store keeps files (content-addressed). Replicas of tasks on "
        "different hosts need a shared directory or another store",
    ),
    _s(
        "GOV_ATTACHMENT_STORE",
        "local disk",
        "`package.module:Class` of another attachment store (`put`/`get`, e.g. S3)",
    ),
    _s(
        "GOV_SMS_ADAPTER",
        'demo only: append to `var/sms/outbox.jsonl` (0600, lines marked `"demo": true`)',
        "`package.module:Class` that sends the households' rating codes by SMS. Production refuses to "
        "start tasks without one",
    ),
    _s(
        "GOV_PUBLIC_URL",
        "`make up`: `http://$HOST:$PORT`; otherwise none (the SMS carries the code only)",
        "the address households reach the platform at from a phone (e.g. `https://zhili.example.gov.cn`): "
        "the rating SMS links to its rating page with the code filled in",
    ),
    _s(
        "GOV_HASH",
        "`sm3`",
        "digest of the ledgers' hash chains: `sm3` or `sha256` (each row records its own; old chains "
        "keep verifying)",
    ),
    _s(
        "GOV_FIELD_CIPHER",
        "`sm4`",
        "cipher of phone and ID numbers at rest: `sm4` (SM4-GCM) or `aes-gcm`",
    ),
    _s(
        "GOV_FIELD_KEYS",
        "random, kept in `var/field-keys`",
        "`id:base64key,…`: every key a stored value may name (SM4: 16 bytes). Required in production",
    ),
    _s(
        "GOV_FIELD_KEY_ID",
        "the first key",
        "the key id new values are sealed with. Required in production; see docs/architecture.md for "
        "rotation",
    ),
    _s(
        "GOV_BLIND_INDEX_KEY",
        "random, kept in `var/blind-index-key`",
        "base64 HMAC key (16+ bytes) of the phone blind index. Required in production",
    ),
    _s("GOV_OUTBOX_KEEP_DAYS", "`7`", "days published outbox rows are kept (at least 1)"),
    _s("GOV_PROCESSED_KEEP_DAYS", "`30`", "days the processed-event records are kept (at least 1)"),
    _s("GOV_EVENT_STORE_KEEP_DAYS", "`90`", "days notify's event store keeps events for replay (at least 1)"),
    _s(
        "GOV_GC_THRESHOLD",
        "`50000`",
        "allocations between collections of the youngest GC generation (`700` is CPython's default)",
    ),
    _s(
        "SCORING_CONFIG",
        "`config/scoring.yaml`",
        "the scoring formulas (indicators, weights, colours, alert and praise thresholds). scoring "
        "refuses to start on an invalid file",
    ),
    _s(
        "WEB_SERVER_ADDRESS",
        "`HOST:PORT` under `make up`; `0.0.0.0:8000` in `deploy/nameko.yaml`",
        "the gateway's listen address",
    ),
    _s(
        "GOV_VAR_DIR",
        "`var/`",
        "where the SQLite files, attachments, the SMS log and the demo JWT secret live",
    ),
    _s("HOST, PORT", "`127.0.0.1`, `8000`", "used by `make up` to build `WEB_SERVER_ADDRESS`", "scripts"),
    _s("PYTHON", "`python3.11`", "the interpreter `scripts/venv.sh` builds `.venv` with", "scripts"),
    # notify's delivery settings and the relays' poll interval, from the nameko config file
    _s(
        "NOTIFY_PUSH_ADAPTER",
        "`log`",
        "`log` (nothing leaves the platform) or `dingtalk` (a signed DingTalk-style robot)",
        "nameko",
    ),
    _s(
        "NOTIFY_DINGTALK_URL, NOTIFY_DINGTALK_SECRET",
        "none",
        "the robot's address and signing secret",
        "nameko",
    ),
    _s(
        "NOTIFY_QUIET_HOURS",
        "none",
        "e.g. `22:00-07:00`: pushes wait until they end (the inbox does not)",
        "nameko",
    ),
    _s("NOTIFY_UTC_OFFSET_HOURS", "`8`", "the local offset of quiet hours and of the digest's day", "nameko"),
    _s(
        "NOTIFY_MAX_ATTEMPTS",
        "`6`",
        "attempts before a delivery is dead (`delivery.dead_lettered`)",
        "nameko",
    ),
    _s("NOTIFY_BACKOFF_SECONDS", "`30`", "the first wait after a failed delivery; it doubles", "nameko"),
    _s("NOTIFY_BACKOFF_MAX_SECONDS", "`3600`", "the longest wait between attempts", "nameko"),
    _s("NOTIFY_DELIVERY_SECONDS", "`5`", "how often due deliveries are attempted (`deliver_tick`)", "nameko"),
    _s("NOTIFY_DIGEST_HOUR", "`8`", "local hour after which yesterday's digest is sent", "nameko"),
    _s(
        "NOTIFY_DIGEST_CHECK_SECONDS",
        "`3600`",
        "how often the digest is looked for (`digest_tick`)",
        "nameko",
    ),
    _s("OUTBOX_POLL_SECONDS", "`1`", "every relay's poll interval", "nameko"),
    _s(
        "DATABASE_URL",
        "none",
        "a service's database, taken before `<SERVICE>_DATABASE_URL` (the tests set it per container)",
        "nameko",
    ),
    # tests and the helpers the benchmarks share with them
    _s(
        "TEST_PG_URL",
        "`postgresql://postgres@127.0.0.1:5432/postgres`",
        "the PostgreSQL the tests make throwaway databases in",
        "tests",
    ),
    _s("TEST_AMQP_URI", "`AMQP_URI`", "the broker the tests use", "tests"),
    _s("TEST_AMQP_HOST", "`127.0.0.1:5672`", "the broker's address for per-module vhosts", "tests"),
    _s(
        "TEST_RABBIT_API",
        "`http://guest:guest@127.0.0.1:15672/api`",
        "the RabbitMQ management API the tests make vhosts with",
        "tests",
    ),
    _s("CHROMIUM", "`/usr/bin/chromium`", "the browser of the console test", "tests"),
)

BY_NAME: dict[str, Setting] = {name: s for s in SETTINGS for name in s.names}


def names(where: Where | None = None) -> set[str]:
    return {n for s in SETTINGS if where is None or s.where == where for n in s.names}

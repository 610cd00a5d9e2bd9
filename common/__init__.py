"""The small package every service shares: config, errors, the event envelope and
contracts, the database dependency with its unit of work, the transactional outbox
and the event consumer entrypoint. Nothing else belongs here."""

from common import config as _config  # noqa: E402
from common import reconnect as _reconnect  # noqa: E402

_reconnect.install()
_config.tune_gc()

"""The small package every service shares: config, errors, the event envelope and
contracts, the database dependency with its unit of work, the transactional outbox
and the event consumer entrypoint. Nothing else belongs here. Importing it changes
nothing global: a service's process set-up is `common.process.start()`."""

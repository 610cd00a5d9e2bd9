-- Runs once, when the PostgreSQL container starts on an empty data directory, as
-- POSTGRES_USER (gov, a superuser), which therefore owns the databases.
-- One database per service; `python -m common.migrations` then creates the tables.
CREATE DATABASE grids;
CREATE DATABASE tasks;
CREATE DATABASE scoring;
CREATE DATABASE notify;

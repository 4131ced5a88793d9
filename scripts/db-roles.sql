-- Desist on PostgreSQL: what the runtime role may do (issue 12; docs/workflows/audit.md).
--
-- Two roles, created once by the database administrator:
--   CREATE ROLE desist_owner LOGIN PASSWORD '...';   -- runs `desist migrate`; owns every table
--   CREATE ROLE desist_app LOGIN PASSWORD '...';     -- the web and worker processes
--   CREATE DATABASE desist OWNER desist_owner;
-- The runtime role must own nothing (not the database, not the schema, not a table): an owner
-- may disable or drop the audit table's triggers, or drop the table.
--
-- Then, connected to the database as the owner, after the first migrate:
--   psql -v owner=desist_owner -v runtime=desist_app -d desist -f scripts/db-roles.sql
-- or, with DATABASE_URL naming the owner:  desist db_roles --runtime desist_app --apply
-- Default privileges cover tables and sequences later migrations create; running this file
-- again is harmless.

-- Nobody but the owner creates objects in the schema (PostgreSQL 15's default; older ones
-- granted CREATE to everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"runtime";

-- Ordinary tables: read and write rows.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"runtime";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"runtime";

-- The audit log: append and read, nothing else. (Its triggers refuse UPDATE, DELETE and
-- TRUNCATE even to the owner; without ownership they cannot be disabled or dropped.)
REVOKE ALL ON audit_event FROM :"runtime";
GRANT SELECT, INSERT ON audit_event TO :"runtime";

-- Planner statistics after a bulk load: ANALYZE needs ownership, so the runtime role calls
-- this function (core migration 0003), which runs ANALYZE with the owner's rights and
-- nothing else.
GRANT EXECUTE ON FUNCTION desist_refresh_statistics() TO :"runtime";

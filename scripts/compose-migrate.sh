#!/bin/sh
# compose.yaml's one-off migrate service, as the owner role (DATABASE_URL): create the runtime
# role (or set its password, if it changed), migrate, then grant the runtime role its rights
# (scripts/db-roles.sql). No password on a command line (ps shows it): psql connects through
# the PG* environment and reads the runtime role's password on stdin.
set -eu
eval "$(python3 - <<'PY'
import os, shlex, urllib.parse
u = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
for name, value in (("PGHOST", u.hostname), ("PGPORT", u.port), ("PGUSER", u.username),
                    ("PGPASSWORD", u.password), ("PGDATABASE", u.path.lstrip("/"))):
    if value:
        print(f"export {name}={shlex.quote(urllib.parse.unquote(str(value)))}")
PY
)"
# psql's single-quoted text: a quote is written twice, a backslash is an escape.
pw=$(printf '%s' "$DESIST_APP_DB_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")
psql -v ON_ERROR_STOP=1 -q <<SQL
\set pw '$pw'
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desist_app') AS exists \gset
\if :exists
ALTER ROLE desist_app LOGIN PASSWORD :'pw';
\else
CREATE ROLE desist_app LOGIN PASSWORD :'pw';
\endif
SQL
desist migrate --noinput
desist db_roles --runtime desist_app --apply

#!/bin/sh
# compose.yaml's one-off migrate service, as the owner role (DATABASE_URL): create the runtime
# role once, migrate, then grant the runtime role its rights (scripts/db-roles.sql).
set -eu
if ! psql "$DATABASE_URL" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'desist_app'" | grep -q 1; then
  echo "CREATE ROLE desist_app LOGIN PASSWORD :'pw'" \
    | psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -v pw="$DESIST_APP_DB_PASSWORD"
fi
desist migrate --noinput
desist db_roles --runtime desist_app --apply

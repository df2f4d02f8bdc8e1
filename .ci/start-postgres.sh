#!/usr/bin/env bash
# Start a local PostgreSQL server for the store tests and print its SQLAlchemy URL as the LAST line.
#
# Runs as root on a fresh Debian 12 machine, non-interactively and idempotently: installs the
# server when missing, creates (or reuses) a cluster listening on 127.0.0.1, starts it, and creates
# the login role and the test database. Everything but the URL goes to stderr, so
#   COUNTYREACH_PG_URL=$(bash .ci/start-postgres.sh | tail -n 1)
# works whatever the server logs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PORT=${COUNTYREACH_PG_PORT:-5432}
ROLE=${COUNTYREACH_PG_ROLE:-countyreach}
PASSWORD=${COUNTYREACH_PG_PASSWORD:-countyreach}
DB=${COUNTYREACH_PG_DB:-countyreach_test}

log() { echo "start-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  log "installing postgresql"
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
VER=$(basename "$(dirname "$BIN")")

as_pg() { runuser -u postgres -- "$@"; }

if command -v pg_lsclusters >/dev/null 2>&1; then
  # Debian's postgresql-common: one cluster "main" per version, managed with pg_ctlcluster.
  if ! pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"{f=1} END{exit !f}'; then
    log "creating cluster $VER/main on port $PORT"
    pg_createcluster "$VER" main --port "$PORT" >&2
  fi
  status=$(pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"{print $4}')
  PORT=$(pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"{print $3}')
  if [ "$status" != "online" ]; then
    log "starting cluster $VER/main"
    pg_ctlcluster "$VER" main start >&2
  fi
else
  # No postgresql-common: a private data directory driven by the server's own tools.
  DATA=/var/lib/postgresql/countyreach-data
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA"
    install -d -o postgres -g postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -A scram-sha-256 --pwfile=<(echo "$PASSWORD") -U postgres >&2
    echo "host all all 127.0.0.1/32 scram-sha-256" >> "$DATA/pg_hba.conf"
  fi
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -c listen_addresses=127.0.0.1" start >&2
  fi
fi

for _ in $(seq 1 60); do
  "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q && break
  sleep 0.5
done
"$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" >&2

psql_pg() { as_pg psql -p "$PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }
# Role names and passwords are our own constants (letters/digits), quoted for SQL anyway.
psql_pg -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE \"$ROLE\" LOGIN PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE \"$ROLE\" LOGIN PASSWORD '$PASSWORD';
  END IF;
END \$\$;" >&2
if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  log "creating database $DB"
  as_pg createdb -p "$PORT" -O "$ROLE" "$DB" >&2
fi
log "ready"
echo "postgresql+psycopg2://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"

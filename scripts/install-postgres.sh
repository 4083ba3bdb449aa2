#!/usr/bin/env bash
# PostgreSQL for the web load test (benchmarks/loadtest.py): Debian's `postgresql` package, a
# cluster listening on loopback only, and a role that may create the test's databases.
# Idempotent: installs only what is missing, starts the cluster only when it is down.
#
# On success the last line on stdout is the connection address, e.g.
#   DATABASE_URL=postgres://collabstate_bench:collabstate_bench@127.0.0.1:5432/collabstate_loadtest
# When PostgreSQL cannot be had (not root, no apt-get, the install or the start fails) it says
# why on stderr and exits 3, and the load test records "PostgreSQL not available".
set -u
ROLE=${COLLABSTATE_PG_ROLE:-collabstate_bench}
PASSWORD=${COLLABSTATE_PG_PASSWORD:-collabstate_bench}
DATABASE=${COLLABSTATE_PG_DATABASE:-collabstate_loadtest}

unavailable() {
    echo "PostgreSQL not available: $*" >&2
    exit 3
}

if ! command -v pg_lsclusters >/dev/null || ! command -v psql >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        unavailable "not installed, and installing it needs root and apt-get"
    fi
    echo "installing Debian's postgresql package" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } \
        || unavailable "apt-get install postgresql failed"
fi
[ "$(id -u)" = 0 ] || unavailable "starting a cluster and creating roles needs root (to act as the postgres user)"
command -v runuser >/dev/null || unavailable "runuser is missing"

# The newest installed server version, and its cluster (created if Debian's install made none).
version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$version" ] || unavailable "no server under /usr/lib/postgresql"
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v {print $2; exit}')
if [ -z "$cluster" ]; then
    cluster=main
    pg_createcluster "$version" "$cluster" >/dev/null || unavailable "pg_createcluster $version $cluster failed"
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')
status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}')
if [ "$status" != online ]; then
    echo "starting PostgreSQL $version/$cluster on port $port (loopback only)" >&2
    pg_ctlcluster "$version" "$cluster" start -- -o "-c listen_addresses=127.0.0.1" \
        || unavailable "pg_ctlcluster $version $cluster start failed (see /var/log/postgresql/)"
fi
for _ in $(seq 1 30); do
    runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" || unavailable "the cluster does not accept connections on 127.0.0.1:$port"

psql_admin() { runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$port" "$@"; }
psql_admin -d postgres >/dev/null <<SQL || unavailable "could not create the role $ROLE"
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$ROLE', '$PASSWORD')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE') \gexec
SQL
echo "DATABASE_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"

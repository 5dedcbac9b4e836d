#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down (127.0.0.1:5432, trust auth, database `test`).
# Quiet when it is already up; a clear message when it cannot be started (tests then skip, or fail under CI=true).
set -u
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "PostgreSQL is down; starting cluster $ver/main"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432; PostgreSQL tests will skip (or fail under CI=true)" >&2
exit 1

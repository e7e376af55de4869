#!/usr/bin/env bash
# Docs that run as written (issue 12, item 6): every ```sql block of README.md
# and docs/*.md runs, file by file in one psql session, against its own copy of
# the demo database (tools/demo/*.sql, as make demo loads it), or a fresh
# database with only gridgov when the file says <!-- doctest: fresh -->; every
# ```output block after one must be what psql prints (tools/doctest, which makes
# and drops its databases doctest_*).  One TAP line per file.
# Environment: PGHOST, PGPORT, PGUSER of the test instance (a superuser).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 tools/doctest

#!/usr/bin/env bash
# Regenerates this upgrade's generated fragments from the install script
# (src/sql/NNN_*.sql), so that they repeat its text exactly (test/shell/upgrade.sh
# compares the result with a fresh install).  Each part_*.sh here writes one
# fragment; run this from anywhere after changing the objects they extract.
set -euo pipefail
cd "$(dirname "$0")"
for part in part_*.sh; do
	[ -e "$part" ] || continue
	bash "$part"
done

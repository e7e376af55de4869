#!/usr/bin/env bash
# Docs that run as written (issue 12, item 6): every ```sql block of README.md
# and docs/*.md runs, file by file in one psql session, against its own copy of
# the demo database (tools/demo/*.sql, as make demo loads it), or a fresh
# database with only gridgov when the file says <!-- doctest: fresh -->; every
# ```output block after one must be what psql prints (tools/doctest, which makes
# and drops its databases doctest_*).
# First the tool itself, on the files of test/doctest/: one whose examples hold
# and one for each way an example can be wrong, each reported at its line.
# Then one TAP line per file of the documentation.
# Environment: PGHOST, PGPORT, PGUSER of the test instance (a superuser).
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/tap.sh

out=$(python3 tools/doctest test/doctest/*.md 2>&1)
status=$?
# The tool's lines for the fixtures, as comments (their "not ok" are expected).
printf '%s\n' "$out" | sed 's/^/# doctest: /'
line_of() { printf '%s\n' "$out" | grep -E "^(ok|not ok) [0-9]+ - test/doctest/$1\.md" | sed -E 's/ [0-9]+ - .*//'; }
has() { printf '%s\n' "$out" | grep -qF -- "$1"; }

is "the examples of test/doctest/pass.md hold (variables across blocks, an expected error, text blocks not run)" \
	"$(line_of pass)" "ok"
is "a wrong output fails" "$(line_of wrong_output)" "not ok"
check "... with a diff of the shown and the printed output" has "#   +   1"
is "an error fails" "$(line_of error)" "not ok"
check "... reported at the line of the failing statement" has "#   line 9: ERROR:  division by zero"
is "a block that does not end its statement fails" "$(line_of unterminated)" "not ok"
check "... reported at the block's line" has "#   line 3: the block does not end its last statement"
is "an output block after no sql block fails" "$(line_of orphan_output)" "not ok"
check "... reported at its line" has "#   line 5: an \`\`\`output block with no \`\`\`sql block"
is "an error shown but not raised fails" "$(line_of error_not_raised)" "not ok"
is "the tool exits 1 when a file fails" "$status" "1"

# The documentation.
python3 tools/doctest || fail=1
exit $fail

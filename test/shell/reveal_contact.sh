#!/usr/bin/env bash
# CALL gridgov.reveal_contact() in real sessions (issue 13, item 3;
# docs/security.md, Citizens' contact data), which pgTAP's one transaction
# cannot run: the procedure commits the record of the look before it reads the
# clear values.  On the demo city (its logins: demo_zhangwei dispatches for
# the district command center, demo_chenjing works for the community
# committee that holds case SSP-001 after its re-dispatch, demo_liuyang is a
# grid worker, demo_sunli the traffic police that held it before):
#   1. the command center's dispatcher gets the clear values, and one
#      committed contact_revealed event names it, with the reason as note;
#   2. the holding department's login gets them too, also on record;
#   3. inside a transaction block the CALL is refused (2D000) before it reads
#      or records anything, so a ROLLBACK cannot keep the data and drop the
#      record; inside an EXCEPTION block of a DO block too;
#   4. a DO block that calls it and then fails keeps the record;
#   5. a login that neither holds the case nor is the center over it (the
#      department that held it, a grid worker) is refused and nothing is
#      recorded; the history still verifies.
# Runs in its own database (gridgov_reveal), which it creates and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_reveal
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

source test/lib/tap.sh
source tools/lib.sh

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
gg_demo_load "$db" -v demo_map=/dev/null >/dev/null 2>&1
as() { local role=$1; shift; psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "SET ROLE $role" "$@" 2>&1; }
value() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

k=$(value "SELECT id FROM gridgov.cases WHERE external_id = 'SSP-001'")
clear=$(value "SELECT format('%s|%s|%s|%s', reporter_name, reporter_phone, address, description) FROM gridgov.cases WHERE id = $k")
# Looks recorded since the start (the demo's step 7 has made one already).
base=$(value "SELECT count(*) FROM gridgov.case_events WHERE case_id = $k AND action = 'contact_revealed'")
looks() { value "SELECT count(*) - $base FROM gridgov.case_events WHERE case_id = $k AND action = 'contact_revealed'"; }
last_look() {
	value "SELECT concat_ws('|', actor_role, note) FROM gridgov.case_events
	       WHERE case_id = $k AND action = 'contact_revealed' ORDER BY seq DESC LIMIT 1"
}

# 1. The command center.
got=$(as demo_zhangwei -F '|' -c "CALL gridgov.reveal_contact($k, '回访核实诉求')")
is "the district center's dispatcher gets the clear contact data" "$got" "$clear"
is "one committed contact_revealed event names it, with the reason" "$(looks) $(last_look)" "1 demo_zhangwei|回访核实诉求"

# 2. The holder.
got=$(as demo_chenjing -F '|' -c "CALL gridgov.reveal_contact($k, '联系车主挪车')")
is "the holding community committee's login gets them" "$got" "$clear"
is "and its look is on record too" "$(looks) $(last_look)" "2 demo_chenjing|联系车主挪车"

# 3. Inside a transaction block, and inside an EXCEPTION block.
got=$(as demo_zhangwei -c "BEGIN" -c "CALL gridgov.reveal_contact($k, '事务内')" -c "ROLLBACK" || true)
case $got in
*"must be called with CALL outside a transaction block"*) ok "inside a transaction block the CALL is refused (2D000)" ;;
*) not_ok "inside a transaction block the CALL is refused (2D000)"; echo "#   got: $got" ;;
esac
check "... and returned no contact data" test "${got#*"$clear"}" = "$got"
got=$(as demo_zhangwei -c "DO \$\$ DECLARE n text; p text; a text; d text;
	BEGIN BEGIN CALL gridgov.reveal_contact($k, '异常块内', n, p, a, d); RAISE NOTICE 'leak: %', n;
	EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'caught: % (%)', SQLSTATE, n; END; END \$\$" || true)
is "inside an EXCEPTION block it is refused before it reads" "$got" "NOTICE:  caught: 2D000 (<NULL>)"
is "neither recorded a look" "$(looks)" "2"

# 4. A DO block that fails after the CALL: the look stays on record.
got=$(as demo_zhangwei -c "DO \$\$ DECLARE n text; p text; a text; d text;
	BEGIN CALL gridgov.reveal_contact($k, '读后报错', n, p, a, d); RAISE EXCEPTION 'afterwards'; END \$\$" || true)
is "a block that fails after the CALL leaves the look on record" "$(looks) $(last_look)" "3 demo_zhangwei|读后报错"

# 5. Refused logins.
got=$(as demo_sunli -c "CALL gridgov.reveal_contact($k, '曾经承办')" || true)
case $got in
*"you may not read the contact data of case $k"*) ok "the department that held the case before is refused (42501)" ;;
*) not_ok "the department that held the case before is refused (42501)"; echo "#   got: $got" ;;
esac
got=$(as demo_liuyang -c "CALL gridgov.reveal_contact($k, '网格员')" || true)
case $got in
*"permission denied for procedure reveal_contact"*) ok "a grid worker may not call it (42501)" ;;
*) not_ok "a grid worker may not call it (42501)"; echo "#   got: $got" ;;
esac
is "no refused call recorded a look, and the history verifies" \
	"$(looks) $(value "SELECT count(*) FROM gridgov.verify_history($k)")" "3 0"

echo "1..$n"
exit $fail

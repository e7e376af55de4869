# TAP output for the shell suites (test/shell/*.sh): source it, call the
# assertions, and end with `exit $fail`.
#   is DESCRIPTION GOT WANT     ok when GOT equals WANT (both printed otherwise)
#   check DESCRIPTION CMD...    ok when the command succeeds
#   ok DESCRIPTION / not_ok DESCRIPTION
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() {
	if "${@:2}"; then ok "$1"; else not_ok "$1"; fi
}
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  $2"
		echo "#   want: $3"
	fi
}

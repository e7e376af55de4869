#!/usr/bin/env bash
# make demo / make demo-stop: a throwaway instance under .demo/ with gridgov and
# the real Daxing district, and a short printed tour.  The instance stays up for
# exploring; `make demo-stop` stops it.
source "$(dirname "$0")/lib.sh"
cd "$GG_ROOT"

DEMO_DB=gridgov_demo

demo_stop() {
	local inst=$GG_ROOT/.demo
	[ -f "$inst/elsewhere" ] && inst=$(cat "$inst/elsewhere")
	gg_stop_and_clean "$inst"
	gg_log "demo instance stopped"
}

demo_start() {
	gg_install_deps
	gg_build_install
	demo_stop >/dev/null 2>&1 || true
	rm -rf "$GG_ROOT/.demo"
	local inst port
	inst=$(gg_instance_dir "$GG_ROOT/.demo")
	port=$(gg_free_port 55433)
	gg_start "$inst" "$port" "$DEMO_DB"
	gg_psql "$inst" "$port" postgres -q -c "CREATE DATABASE $DEMO_DB"
	echo "$port" >"$GG_ROOT/.demo/port"

	gg_demo_load "$DEMO_DB" -h "$inst" -p "$port" -U postgres

	cat <<EOT

The demo instance is running.  Connect with:

    $(gg_bindir)/psql -h $inst -p $port -U postgres $DEMO_DB

Stop it with:  make demo-stop
EOT
}

case "${1:-start}" in
start) demo_start ;;
stop) demo_stop ;;
*) gg_die "usage: $0 start|stop" ;;
esac

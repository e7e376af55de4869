#!/usr/bin/env bash
# make demo / make demo-stop: a throwaway instance under .demo/ with gridgov and
# the real Daxing district, and a short printed tour.  The instance stays up for
# exploring; `make demo-stop` stops it.
source "$(dirname "$0")/lib.sh"
cd "$GG_ROOT"

DEMO_DB=gridgov_demo

demo_stop() {
	local inst=$GG_ROOT/.demo
	if [ -f "$inst/gateway.pid" ]; then
		kill "$(cat "$inst/gateway.pid")" 2>/dev/null || true
		rm -f "$inst/gateway.pid"
	fi
	[ -f "$inst/elsewhere" ] && inst=$(cat "$inst/elsewhere")
	gg_stop_and_clean "$inst"
	gg_log "demo instance stopped"
}

# The gateway (gateway/, docs/gateway.md) beside the demo database: its login and
# roles (tools/demo-gateway/roles.sql), two API keys (an app's, the screen's),
# then node in the background, logging to .demo/gateway.log.  Sets GW_URL,
# GW_APP_KEY and GW_SCREEN_KEY.
demo_gateway() {
	local inst=$1 port=$2 gwport
	[ "$(gg_node_major)" -ge 20 ] || gg_die "the gateway needs Node.js 20 or later (tools/lib.sh gg_install_node)"
	gg_gateway_npm "$GG_ROOT/.demo/npm.log" || { tail -n 20 "$GG_ROOT/.demo/npm.log" >&2; gg_die "npm ci in gateway/ failed"; }
	gg_psql "$inst" "$port" "$DEMO_DB" -q -f tools/demo-gateway/roles.sql
	GW_APP_KEY=$(gg_psql "$inst" "$port" "$DEMO_DB" -Atq \
		-c "SELECT gridgov.api_key_create('demo-app', 'demo_app', 600)")
	GW_SCREEN_KEY=$(gg_psql "$inst" "$port" "$DEMO_DB" -Atq \
		-c "SELECT gridgov.api_key_create('demo-screen', 'demo_zhangwei', 6000)")
	gwport=$(gg_free_port 8311)
	GW_URL=http://127.0.0.1:$gwport
	PGHOST=$inst PGPORT=$port PGDATABASE=$DEMO_DB GRIDGOV_DATABASE_USER=demo_gateway \
		GRIDGOV_GATEWAY_PORT=$gwport GRIDGOV_GATEWAY_URL=$GW_URL \
		nohup node gateway/src/server.js >"$GG_ROOT/.demo/gateway.log" 2>&1 &
	echo $! >"$GG_ROOT/.demo/gateway.pid"
	local i
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$gwport") 2>/dev/null && return 0
		kill -0 "$(cat "$GG_ROOT/.demo/gateway.pid")" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$GG_ROOT/.demo/gateway.log" >&2
	gg_die "the gateway did not start (.demo/gateway.log)"
}

demo_start() {
	gg_install_deps
	gg_build_install
	demo_stop >/dev/null 2>&1 || true
	rm -rf "$GG_ROOT/.demo"
	local inst port
	inst=$(gg_instance_dir "$GG_ROOT/.demo")
	port=$(gg_free_port 55433)
	echo "$port" >"$GG_ROOT/.demo/port"
	gg_demo_instance "$inst" "$port" "$DEMO_DB"
	# Assisted intake (docs/assisted-intake.md): the shipped corpus as closed
	# history, a category model, and a 12345 call with words and an address only.
	gg_demo_intake "$inst" "$port" "$DEMO_DB"
	demo_gateway "$inst" "$port"

	cat <<EOT

The command-center screen (the demo city's grids coloured by a metric, the
live feed, the three rates, rankings, the SLA board, hot spots) — open it in a
browser:

    $GW_URL/?key=$GW_SCREEN_KEY

An Open311 client (docs/gateway.md) lists the services and files a request,
which appears in the screen's feed at once:

    curl -s $GW_URL/open311/v2/services.json
    curl -s -X POST $GW_URL/open311/v2/requests.json \\
         -d api_key=$GW_APP_KEY -d service_code=E0102 \\
         -d lat=39.7925 -d long=116.4980 -d description='路边暴露垃圾'
    curl -s "$GW_URL/open311/v2/requests.json?status=open"

The demo instance is running, with pg_cron and gridgov's jobs: the sweep
(gridgov-sla-sweep) and the analytics (gridgov-analytics) run every minute,
the nightly job at 02:17 UTC.  Connect with:

    $(gg_bindir)/psql -h $inst -p $port -U postgres $DEMO_DB

Their runs, and what the server still lacks:

    SELECT j.jobname, d.status, d.start_time FROM cron.job_run_details d
    JOIN cron.job j USING (jobid) ORDER BY d.runid DESC LIMIT 6;
    SELECT * FROM gridgov.health();

The calendars' horizon (holidays known up to), and the open clocks whose
deadline lies past it (provisional until next year's holidays are loaded with
gridgov.load_calendar_year, docs/calendars.md):

    SELECT name, gridgov.calendar_horizon(name) FROM gridgov.calendars;
    SELECT case_id, stage, due_at FROM gridgov.provisional_clocks LIMIT 5;

Who sees which cases follows from the organisation (docs/security.md): the
demo's people are roles, each reading its own cases with the contact data
masked; the clear values only through CALL gridgov.reveal_contact(case_id,
reason), which the case's history records first:

    SET ROLE demo_liuyang;  -- or demo_sunli, demo_chenjing, demo_zhangwei, demo_analyst
    SELECT * FROM gridgov.my_scope();
    SELECT case_no, state, title, reporter_name, reporter_phone FROM gridgov.my_cases;
    RESET ROLE;

A 12345 call written down as words and a spoken address, with no category and
no coordinates, was categorised by the text model, placed by the gazetteer and
routed (above); what intake inferred and why is kept with the case:

    SELECT case_no, category, category_by, grid, located_by, assisted
    FROM gridgov.cases WHERE external_id = 'demo-call-1';
    SELECT * FROM gridgov.suggest_category('楼道里堆满杂物，存在消防隐患', 3);

A district's past cases come in with gridgov.import_history()
(docs/history-import.md); a backup is a plain pg_dump (docs/backup.md).

Stop it with:  make demo-stop
EOT
}

case "${1:-start}" in
start) demo_start ;;
stop) demo_stop ;;
*) gg_die "usage: $0 start|stop" ;;
esac

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
	echo "$port" >"$GG_ROOT/.demo/port"
	gg_demo_instance "$inst" "$port" "$DEMO_DB"

	cat <<EOT

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

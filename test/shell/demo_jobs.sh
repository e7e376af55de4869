#!/usr/bin/env bash
# Jobs out of the box (issue 12, item 5), and make demo's assisted intake
# (issue 17): the instance `make demo` sets up
# (tools/lib.sh gg_demo_instance: pg_cron serving the demo database, the demo
# loaded, pg_cron installed there and gridgov's jobs scheduled) has the three
# jobs scheduled and active, pg_cron runs the every-minute ones and records
# their runs as succeeded (a bounded poll of cron.job_run_details: pg_cron
# starts jobs on the minute, so at most 150 s), and then gridgov.health()
# reports the jobs, the sweep and the analytics as ok.
# Starts its own throwaway server under .test-demo/ (the test instance's
# pg_cron serves gridgov_test, not a demo database) and stops it at the end.
source "$(dirname "$0")/../../tools/lib.sh"
source "$GG_ROOT/test/lib/tap.sh"
set +e

db=gridgov_demo
inst=$(gg_instance_dir "$GG_ROOT/.test-demo")
gg_stop "$inst"
rm -rf "$inst/data" "$inst"/*.log
port=$(gg_free_port 55480)
trap 'gg_stop_and_clean "$inst"; rm -rf "$GG_ROOT/.test-demo"' EXIT
value() { gg_psql "$inst" "$port" "$db" -q -A -t -c "$1"; }

set_up() {
	gg_demo_instance "$inst" "$port" "$db" -o /dev/null -v demo_map=/dev/null >"$inst/set-up.log" 2>&1 ||
		{ sed 's/^/# /' "$inst/set-up.log"; return 1; }
}
check "make demo's set-up runs (server, demo city, pg_cron, schedule_jobs)" set_up
# make demo's assisted intake (docs/assisted-intake.md): a 12345 call with words
# and a spoken address only is categorised by the model trained on the corpus,
# placed by the gazetteer in the community it names, and routed there.
intake() { gg_demo_intake "$inst" "$port" "$db" -o /dev/null >"$inst/intake.log" 2>&1 || { sed 's/^/# /' "$inst/intake.log"; return 1; }; }
check "make demo's assisted intake runs (tools/demo-intake.sql)" intake
is "the demo's 12345 call: category by the model, grid by the address (长丰园二区), routed to 黄村's center" \
	"$(value "SELECT concat_ws(' ', c.category, c.category_by, c.grid, c.located_by, d.code)
	          FROM gridgov.cases c JOIN gridgov.departments d ON d.id = c.department_id
	          WHERE c.external_id = 'demo-call-1'")" \
	"$(value "SELECT 'E0102 model 110115005020 address ' || code FROM gridgov.departments
	          WHERE name = '黄村地区网格化服务管理中心'")"
is "the four gridgov jobs are scheduled, active, in the demo database" \
	"$(value "SELECT string_agg(jobname || ' ' || schedule, ', ' ORDER BY jobname) FROM cron.job
	          WHERE active AND database = '$db' AND jobname LIKE 'gridgov-%'")" \
	"gridgov-analytics * * * * *, gridgov-nightly 17 2 * * *, gridgov-patrols 37 16 * * *, gridgov-sla-sweep * * * * *"

# Bounded poll: both every-minute jobs have a succeeded run.
deadline=$((SECONDS + 150))
ran=""
while [ $SECONDS -lt $deadline ]; do
	ran=$(value "SELECT string_agg(DISTINCT j.jobname, ', ' ORDER BY j.jobname) FROM cron.job_run_details d
	             JOIN cron.job j USING (jobid) WHERE d.status = 'succeeded'")
	[ "$ran" = "gridgov-analytics, gridgov-sla-sweep" ] && break
	sleep 2
done
is "pg_cron ran gridgov-sla-sweep and gridgov-analytics, and both succeeded (within 150 s)" \
	"$ran" "gridgov-analytics, gridgov-sla-sweep"
failed=$(value "SELECT count(*) FROM cron.job_run_details WHERE status = 'failed'")
is "no run failed" "$failed" "0"

health=$(value "SELECT string_agg(item || ': ' || status, '; ' ORDER BY item) FROM gridgov.health()
                WHERE item IN ('pg_cron', 'job gridgov-sla-sweep', 'job gridgov-analytics', 'sla sweep', 'analytics',
                               'coverage', 'roles', 'search_path', 'home county', 'extension')")
is "health() reports pg_cron, the every-minute jobs, the sweep, the analytics and the set-up of the demo as ok" \
	"$health" "analytics: ok; coverage: ok; extension: ok; home county: ok; job gridgov-analytics: ok; job gridgov-sla-sweep: ok; pg_cron: ok; roles: ok; search_path: ok; sla sweep: ok"
gg_psql "$inst" "$port" "$db" -q -c "SELECT item, status, detail FROM gridgov.health()" | sed 's/^/# /'
exit $fail

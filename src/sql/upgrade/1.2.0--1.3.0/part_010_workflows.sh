#!/usr/bin/env bash
# 010_workflows.sql: the stages, workflows, requests, meetings, ladders and
# sweep of 1.3.0 (issue 15), from the install script.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
out=src/sql/upgrade/1.2.0--1.3.0/010_workflows.sql
# A statement of the install script that starts with a line matching $2 (to its ';').
stmt() { python3 - "$1" "$2" <<'PY'
import re, sys
sys.path.insert(0, 'tools')
from upgrade_extract import statement_end
text = open(sys.argv[1], encoding='utf-8').read()
m = re.search(sys.argv[2], text, re.M)
if not m:
    raise SystemExit('no statement matching %s' % sys.argv[2])
print(text[m.start():statement_end(text, m.start())])
PY
}
{
	cat <<'SQL'
-- The SLA stages in their new order (discover, contact, supervise and review
-- added): a new type, the columns converted, the old type dropped.  (A value
-- added by ALTER TYPE ... ADD VALUE could not be used before this
-- transaction commits, and the shipped rows below use them.)
-- The views over the stage columns are dropped here and re-created as the
-- install script has them by 085_views.sql (after the other fragments).
DROP FUNCTION gridgov.analytics_check();
DROP VIEW gridgov.case_stats_computed;
DROP VIEW gridgov.provisional_clocks;
DROP FUNCTION gridgov.horizon_clocks_left(integer, timestamptz);
ALTER TYPE gridgov.sla_stage RENAME TO sla_stage_1_2_0;
SQL
	stmt $sql/070_sla_tables.sql '^CREATE TYPE gridgov.sla_stage '
	stmt $sql/070_sla_tables.sql '^COMMENT ON TYPE gridgov.sla_stage '
	cat <<'SQL'
DROP FUNCTION gridgov.sla_policy(text, gridgov.urgency, gridgov.case_source, gridgov.sla_stage_1_2_0);
ALTER TABLE gridgov.sla_policies ALTER COLUMN stage TYPE gridgov.sla_stage USING stage::text::gridgov.sla_stage;
ALTER TABLE gridgov.case_clocks ALTER COLUMN stage TYPE gridgov.sla_stage USING stage::text::gridgov.sla_stage;
DROP TYPE gridgov.sla_stage_1_2_0;
SQL
	$x $sql/072_sla.sql function sla_policy

	cat <<'SQL'
-- Transitions cancel clocks (clock_cancel); the shipped workflows of 1.3.0:
-- new states, then the shipped transitions brought to the install script's
-- (a shipped row the city changed, modified, is left as it is).
ALTER TABLE gridgov.transitions ADD COLUMN clock_cancel text[] NOT NULL DEFAULT '{}',
    DROP CONSTRAINT transitions_counter_check,
    ADD CONSTRAINT transitions_counter_check CHECK (counter ~ '^(dispatches|returns|reworks|reopens|extensions|suspensions)(\+(dispatches|returns|reworks|reopens|extensions|suspensions))?$');
SQL
	stmt $sql/043_workflows.sql '^COMMENT ON COLUMN gridgov.transitions.clock_cancel '
	stmt $sql/043_workflows.sql '^COMMENT ON COLUMN gridgov.transitions.counter '
	$x $sql/043_workflows.sql function shipped_rows_restore replace
	cat <<'SQL'
ALTER TABLE gridgov.workflow_states DISABLE TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions DISABLE TRIGGER transitions_shipped;
CREATE TEMP TABLE upgrade_states (LIKE gridgov.workflow_states INCLUDING DEFAULTS);
CREATE TEMP TABLE upgrade_transitions (LIKE gridgov.transitions INCLUDING DEFAULTS INCLUDING IDENTITY);
SQL
	stmt $sql/043_workflows.sql '^INSERT INTO gridgov.workflow_states ' | sed 's/^INSERT INTO gridgov.workflow_states /INSERT INTO pg_temp.upgrade_states /'
	stmt $sql/043_workflows.sql '^INSERT INTO gridgov.transitions \(workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, clock_cancel' |
		sed 's/^INSERT INTO gridgov.transitions /INSERT INTO pg_temp.upgrade_transitions /'
	stmt $sql/043_workflows.sql '^INSERT INTO gridgov.transitions \(workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, title' |
		sed 's/^INSERT INTO gridgov.transitions /INSERT INTO pg_temp.upgrade_transitions /'
	cat <<'SQL'
INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal, closes_case, builtin)
SELECT u.workflow, u.state, u.title, u.initial, u.terminal, u.closes_case, true FROM pg_temp.upgrade_states u
WHERE NOT EXISTS (SELECT 1 FROM gridgov.workflow_states s WHERE s.workflow = u.workflow AND s.state = u.state);
UPDATE gridgov.transitions t
SET to_state = u.to_state, roles = u.roles, counter = u.counter, requires = u.requires,
    clock_start = u.clock_start, clock_stop = u.clock_stop, clock_cancel = u.clock_cancel, title = u.title
FROM pg_temp.upgrade_transitions u
WHERE t.builtin AND NOT t.modified
  AND (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action);
DELETE FROM gridgov.transitions t
WHERE t.builtin AND NOT t.modified
  AND NOT EXISTS (SELECT 1 FROM pg_temp.upgrade_transitions u
                  WHERE (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action));
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start,
                                 clock_stop, clock_cancel, title, builtin)
SELECT u.workflow, u.from_state, u.action, u.to_state, u.roles, u.counter, u.requires, u.clock_start,
       u.clock_stop, u.clock_cancel, u.title, true
FROM pg_temp.upgrade_transitions u
WHERE NOT EXISTS (SELECT 1 FROM gridgov.transitions t
                  WHERE (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action))
ORDER BY u.id;
ALTER TABLE gridgov.workflow_states ENABLE ALWAYS TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions ENABLE ALWAYS TRIGGER transitions_shipped;
DROP TABLE pg_temp.upgrade_states, pg_temp.upgrade_transitions;

-- Escalation ladders per category prefix and urgency.  The shipped rungs of
-- 1.2.0 give way to the shipped ladders of 1.3.0; a city's own rungs stay on
-- the ladder for every category (prefix '', any urgency), after the shipped
-- ones.
ALTER TABLE gridgov.escalation_ladder
    ADD COLUMN category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
        CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    ADD COLUMN urgency gridgov.urgency,
    ADD COLUMN supervise boolean NOT NULL DEFAULT false,
    ADD COLUMN min_breaches integer NOT NULL DEFAULT 1 CHECK (min_breaches BETWEEN 1 AND 100),
    DROP CONSTRAINT escalation_ladder_pkey,
    DROP CONSTRAINT escalation_ladder_target_check,
    ADD CONSTRAINT escalation_ladder_target_check
        CHECK (target IN ('holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline')),
    ADD CONSTRAINT escalation_ladder_key UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, level);
ALTER TABLE gridgov.escalation_ladder DISABLE TRIGGER escalation_ladder_guard;
DELETE FROM gridgov.escalation_ladder WHERE builtin;
-- 1.2.0 shipped three rungs, 1.3.0 four on this ladder: a city's rung N becomes N + 1.
UPDATE gridgov.escalation_ladder SET level = level + 10000 WHERE NOT builtin;
UPDATE gridgov.escalation_ladder SET level = level - 9999 WHERE NOT builtin;
ALTER TABLE gridgov.escalation_ladder ENABLE TRIGGER escalation_ladder_guard;
SQL
	for c in category_prefix urgency supervise min_breaches; do
		stmt $sql/070_sla_tables.sql "^COMMENT ON COLUMN gridgov.escalation_ladder.$c "
	done
	for c in level target; do
		stmt $sql/070_sla_tables.sql "^COMMENT ON COLUMN gridgov.escalation_ladder.$c "
	done
	stmt $sql/070_sla_tables.sql '^COMMENT ON TABLE gridgov.escalation_ladder '
	stmt $sql/072_sla.sql '^INSERT INTO gridgov.escalation_ladder '
	cat <<'SQL'
-- Clocks still climbing keep their place: the 1.2.0 rung they reached (1 the
-- town center, 2 the district center, 3 the discipline bodies) becomes the
-- highest rung of their case's 1.3.0 ladder that tells no one above it.
UPDATE gridgov.case_clocks k SET escalation_level = m.level
FROM (SELECT x.county, x.case_id, x.stage, x.seq,
             COALESCE((SELECT pg_catalog.max(l.level) FROM gridgov.escalation_ladder l
                       WHERE l.category_prefix = key.category_prefix AND l.urgency IS NOT DISTINCT FROM key.urgency
                         AND l.target = ANY (CASE x.escalation_level
                             WHEN 1 THEN ARRAY['holder', 'holder_supervisor', 'town_center']
                             WHEN 2 THEN ARRAY['holder', 'holder_supervisor', 'town_center', 'district_center']
                             ELSE ARRAY['holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline'] END)),
                      x.escalation_level) AS level
      FROM gridgov.case_clocks x
      JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) x.county AND c.id = x.case_id
      CROSS JOIN LATERAL (SELECT l.category_prefix, l.urgency FROM gridgov.escalation_ladder l
                          WHERE pg_catalog.starts_with(c.category, l.category_prefix)
                            AND (l.urgency IS NULL OR l.urgency = c.urgency)
                          ORDER BY pg_catalog.length(l.category_prefix) DESC, l.urgency IS NULL LIMIT 1) key
      WHERE x.escalation_level > 0 AND x.met_at IS NULL AND x.cancelled_at IS NULL) m
WHERE k.county OPERATOR(gridgov.=) m.county AND k.case_id = m.case_id AND k.stage = m.stage AND k.seq = m.seq;
SQL

	echo "-- The time limits of the new steps (shipped policies after those of 1.2.0)."
	echo "ALTER TABLE gridgov.sla_policies DISABLE TRIGGER sla_policies_shipped;"
	stmt $sql/072_sla.sql '^INSERT INTO gridgov.sla_policies \(category_prefix, urgency, source, stage, amount, unit, calendar_id, note, builtin\)\nSELECT v.prefix, v.urgency::gridgov.urgency, NULL, v.stage::gridgov.sla_stage, v.amount, v.unit, c.id, v.note, true\nFROM \(VALUES\n    \(.E., NULL,        .discover.'

	echo "ALTER TABLE gridgov.sla_policies ENABLE ALWAYS TRIGGER sla_policies_shipped;"
	echo "-- Requests of the holder and joint meetings (070)."
	python3 - "$sql/070_sla_tables.sql" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
print(text[text.index('-- Requests of the holder, decided by the command center'):].rstrip('\n'))
PY

	echo "-- The sweep: ladders per category and urgency, targets that never tell the holder as its own supervisor, supervision by rule."
	echo "DROP FUNCTION gridgov.sla_sweep_escalations(gridgov.gridcode, bigint, text, gridgov.gridcode, timestamptz, timestamptz);"
	echo "DROP FUNCTION gridgov.escalation_targets(text, gridgov.gridcode, gridgov.gridcode);"
	$x $sql/074_sla_sweep.sql function escalation_targets
	$x $sql/074_sla_sweep.sql function escalation_rung
	$x $sql/074_sla_sweep.sql function sla_supervise_by_rule
	stmt $sql/074_sla_sweep.sql '^REVOKE EXECUTE ON FUNCTION gridgov.sla_supervise_by_rule'
	$x $sql/074_sla_sweep.sql function sla_sweep_escalations
	stmt $sql/074_sla_sweep.sql '^REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_escalations'
	$x $sql/074_sla_sweep.sql function sla_sweep_case replace
	$x $sql/074_sla_sweep.sql function sla_sweep replace

	echo "-- The wrappers of the new steps (058)."
	for f in first_contact review_return supervise answer_supervision request_extension request_suspension \
		decide_request refer_meeting decide_meeting; do
		$x $sql/058_case_actions.sql function $f
	done

	echo "-- The new tables on a Citus cluster (096), their row-level security (097)."
	$x $sql/096_citus.sql function citus_layout replace
	for p in case_requests case_meetings; do
		echo "ALTER TABLE gridgov.$p ENABLE ROW LEVEL SECURITY;"
		$x $sql/097_access.sql policy ${p}_read
	done
} >$out

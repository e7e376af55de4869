#!/usr/bin/env bash
# 020_text_model.sql: the text models (056), as the install script has it, and the
# cache invalidation trigger of their table (095 creates one per watched table).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
{
	echo "-- cache_watched_tables() lists the tables that exist (STABLE), as 095 declares it."
	echo "ALTER FUNCTION gridgov.cache_watched_tables() STABLE;"
	python3 - src/sql/095_caches.sql <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
start = text.index('COMMENT ON FUNCTION gridgov.cache_watched_tables()')
end = text.index("';\n", start) + 3
print(text[start:end], end='')
PY
	echo "-- Text models (src/sql/056_text_model.sql)."
	tools/upgrade_extract.py src/sql/056_text_model.sql file
	cat <<'SQL'
-- The statement trigger of each table a cache now reads that has none yet
-- (src/sql/095_caches.sql makes them for a fresh install).
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT w.table_name FROM gridgov.cache_watched_tables() w
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                               WHERE g.tgrelid = pg_catalog.format('gridgov.%I', w.table_name)::pg_catalog.regclass
                                 AND g.tgname = w.table_name || '_invalidate')
             ORDER BY 1 LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches()',
            t || '_invalidate', t);
    END LOOP;
END
$$;
SQL
} >src/sql/upgrade/1.4.0--1.5.0/020_text_model.sql

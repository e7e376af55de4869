-- ---------------------------------------------------------------------------
-- analytics: the nightly job and the analytics_calendar setting.
-- ---------------------------------------------------------------------------

-- Setting analytics_calendar (optional; cn when absent) must name a calendar;
-- adding, changing or removing it recomputes every case.
CREATE FUNCTION gridgov.settings_analytics_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('settings_analytics_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.key = 'analytics_calendar' AND NEW.value IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM gridgov.calendars c WHERE c.name = NEW.value) THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('setting analytics_calendar names an unknown calendar "%s"',
                                        pg_catalog.left(NEW.value, 63)),
            DETAIL = 'It must be the name of a row of gridgov.calendars, e.g. cn.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_analytics_check() IS
    'Trigger: setting analytics_calendar must name a calendar (42704)';
CREATE TRIGGER settings_analytics_check BEFORE INSERT OR UPDATE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_analytics_check();

CREATE FUNCTION gridgov.settings_analytics_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.trigger_check('settings_analytics_changed', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' AND NOT (OLD.key = 'analytics_calendar' AND NEW.key = 'analytics_calendar'
                                 AND OLD.value IS NOT DISTINCT FROM NEW.value) THEN
        PERFORM gridgov.analytics_rebuild();
    ELSIF TG_OP <> 'UPDATE' THEN
        PERFORM gridgov.analytics_rebuild();
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.settings_analytics_changed() IS
    'Trigger: setting analytics_calendar added, changed or removed recomputes the analytics (gridgov.analytics_rebuild())';
CREATE TRIGGER settings_analytics_added AFTER INSERT ON gridgov.settings
    FOR EACH ROW WHEN (NEW.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();
CREATE TRIGGER settings_analytics_changed AFTER UPDATE ON gridgov.settings
    FOR EACH ROW WHEN (NEW.key = 'analytics_calendar' OR OLD.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();
CREATE TRIGGER settings_analytics_removed AFTER DELETE ON gridgov.settings
    FOR EACH ROW WHEN (OLD.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();

CREATE FUNCTION gridgov.analytics_nightly(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    stale bigint[];
    drained integer;
    refreshed integer;
    compacted bigint;
    spots integer;
    alerts integer;
    fitted integer;
    failure text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    -- 1. The cases of the history's new events, then those whose analytics
    --    are still missing or older than the case (written with the triggers
    --    bypassed, e.g. a bulk load as replica).
    drained := gridgov.analytics_refresh_pending();
    stale := ARRAY(SELECT c.id FROM gridgov.cases c
                   LEFT JOIN gridgov.case_stats s ON s.county OPERATOR(gridgov.=) c.county AND s.case_id = c.id
                   WHERE s.case_id IS NULL OR s.case_updated_at < c.updated_at
                   ORDER BY c.id);
    refreshed := gridgov.analytics_refresh(stale);
    -- 2. Fold the day's delta rows of the summaries.
    compacted := gridgov.analytics_compact();
    -- 3. Hot spots of the week before as_of, for the board (no cases opened).
    SELECT pg_catalog.count(*) INTO spots FROM gridgov.detect_hotspots(as_of);
    -- 4. Forecast alerts of the last complete day (and week, on Mondays) from
    --    the fits of the night before, in the same run; then the fits anew.
    -- A fit that cannot forecast (a row an admin damaged) must not stop the
    -- night: the alerts are skipped with a warning, and the refit replaces it.
    BEGIN
        SELECT pg_catalog.count(*) INTO alerts FROM gridgov.forecast_alerts(as_of);
    EXCEPTION WHEN data_exception OR invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS failure = MESSAGE_TEXT;
        RAISE WARNING 'gridgov: the forecast alerts of % were skipped: %', as_of, failure;
        alerts := NULL;
    END;
    fitted := gridgov.forecast_refresh(as_of);
    RETURN pg_catalog.jsonb_build_object('as_of', as_of, 'drained', drained, 'refreshed', refreshed, 'compacted', compacted,
                                         'hotspots', spots, 'forecast_alerts', alerts, 'forecasts_fitted', fitted);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_nightly(timestamptz) IS
    'Administration: The analytics'' nightly job (scheduled by gridgov.schedule_jobs()): refreshes the cases of the history''s new events (gridgov.analytics_refresh_pending) and those whose analytics are missing or stale, folds the summaries'' delta rows (gridgov.analytics_compact), stores the hot spots of the week before as_of (gridgov.detect_hotspots with its defaults), then the forecast alerts of the last complete day or week (gridgov.forecast_alerts, from the fits of the night before; skipped with a warning, forecast_alerts null, when a fit cannot forecast) and refits the forecasts of every town x top category (gridgov.forecast_refresh); returns what it did as JSON. 22004 for NULL';

-- The gazetteer (issue 17, item 3): place_names_refresh() makes the divisions'
-- names and short forms; suggest_area() finds the most specific place an
-- address names, confirmed by the places that contain it, and says when it
-- cannot choose.  A fictitious county, 990170, inside this transaction.
BEGIN;
SELECT plan(24);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.box(x0 float8, y0 float8, x1 float8, y1 float8) RETURNS geometry LANGUAGE sql AS $$
    SELECT ST_Multi(ST_MakeEnvelope(x0, y0, x1, y1, 4326))
$$;
DELETE FROM gridgov.place_names;
INSERT INTO gridgov.grids (code, name, geom) VALUES
    ('990170', '测试区', pg_temp.box(100, 30, 101, 31)),
    ('990170001', '东湖地区', pg_temp.box(100, 30, 100.5, 31)),
    ('990170002', '西山镇', pg_temp.box(100.5, 30, 101, 31)),
    ('990170001001', '兴华社区居委会', pg_temp.box(100, 30, 100.25, 30.5)),
    ('990170002001', '兴华村村委会', pg_temp.box(100.5, 30, 100.75, 30.5)),
    ('990170002002', '枫林苑社区居民委员会', pg_temp.box(100.75, 30, 101, 30.5)),
    ('990170001001001', '兴华社区第1网格', pg_temp.box(100, 30, 100.1, 30.1));

SELECT is(gridgov.place_names_refresh(), 7, 'place_names_refresh: one row per current grid');
SELECT is((SELECT aliases FROM gridgov.place_names WHERE name = '东湖地区'), '{东湖}', 'a town without 地区');
SELECT is((SELECT aliases FROM gridgov.place_names WHERE name = '西山镇'), '{西山}', 'a town without 镇');
SELECT is((SELECT aliases FROM gridgov.place_names WHERE name = '兴华社区居委会'), '{兴华,兴华社区}',
          'a community without 居委会, and without 社区');
SELECT is((SELECT aliases FROM gridgov.place_names WHERE name = '兴华村村委会'), '{兴华村}', 'a village without 村委会');
SELECT is((SELECT aliases FROM gridgov.place_names WHERE name = '枫林苑社区居民委员会'), '{枫林苑,枫林苑社区}',
          'a community without 居民委员会');
SELECT is((SELECT kind FROM gridgov.place_names WHERE name = '测试区') || '/' ||
          (SELECT kind FROM gridgov.place_names WHERE name = '兴华社区第1网格'), 'district/grid', 'kinds by level');

-- The DBA's rows stay through a refresh.
INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('枫林苑小区', '{枫林苑北区}', '990170002002', 'estate'),
                                                              ('兴华大街', '{}', '990170001', 'road');
SELECT is(gridgov.place_names_refresh(), 7, 'a second refresh replaces the divisions');
SELECT is((SELECT count(*) FROM gridgov.place_names WHERE source = 'dba'), 2::bigint, 'and keeps the DBA''s rows');

CREATE FUNCTION pg_temp.area(t text) RETURNS text LANGUAGE sql AS $$
    SELECT COALESCE((SELECT grid::text || ' ' || matched || CASE WHEN ambiguous THEN ' ambiguous ' || candidates::text ELSE '' END
                     FROM gridgov.suggest_area(t)), 'none')
$$;
SELECT is(pg_temp.area('来电人反映：东湖地区兴华社区3号楼门口垃圾堆积'), '990170001001 兴华社区',
          'a community confirmed by its town');
SELECT is(pg_temp.area('西山镇兴华村路灯不亮'), '990170002001 兴华村', 'the village of the same name in the other town');
SELECT is(pg_temp.area('兴华这边下水道堵了'), '990170001001 兴华', 'the short form of a community');
SELECT is(pg_temp.area('市民称枫林苑北区有人占道经营'), '990170002002 枫林苑北区', 'a DBA''s estate alias: its grid');
SELECT is(pg_temp.area('兴华大街与西山交界处积水'), '990170001 兴华大街',
          'a road (its town''s grid) beats a shorter town name; 兴华 inside 兴华大街 is not the community');
SELECT is(pg_temp.area('东湖和西山都有这个问题'), '990170001 东湖 ambiguous {990170001,990170002}',
          'two towns named alike: ambiguous, both listed');
SELECT is(pg_temp.area('西山镇'), '990170002 西山镇', 'the longest form found');
SELECT is(pg_temp.area('东湖地区兴华社区第1网格'), '990170001001001 兴华社区第1网格', 'a unit grid named in full');
SELECT is(pg_temp.area('没有地名的投诉'), 'none', 'no place named: no row');
SELECT is(pg_temp.area(NULL), 'none', 'NULL: no row');
SELECT is(pg_temp.area(''), 'none', 'empty: no row');
SELECT is(pg_temp.area(repeat('啊', 100000) || '西山镇'), 'none', 'only the first 2,000 characters are read');

-- The planner cannot know that a text names a handful of places: its estimate of the
-- terms' self-join grows with the square of the gazetteer, and past jit_above_cost a
-- call spent 0.9 s compiling a plan that runs in 10 ms (a second per unlocated case).
SELECT is((SELECT proconfig FROM pg_catalog.pg_proc WHERE oid = 'gridgov.suggest_area'::regproc), '{jit=off}',
          'suggest_area runs without JIT');

SELECT throws_ok($$INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('x', '{}', '990170', 'road')$$,
                 '23514', NULL, 'a one-character name is refused');
SELECT throws_ok($$INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('某地', '{NULL}', '990170', 'moon')$$,
                 '23514', NULL, 'a NULL alias or an unknown kind is refused');

SELECT * FROM finish();
ROLLBACK;

#!/usr/bin/env python3
"""Deterministic generated fuzz of gridgov's C functions and triggers.

Generates, from a seed and the catalog of a database holding gridgov and the
demo (test/fuzz/lib.sh builds one), statements that feed every C function of
the extension and every C trigger hostile values: NULLs, empty and 1 MB
strings, malformed codes, extreme numbers, NaN and infinities, extreme
timestamps, invalid geometries, JSON of the wrong shape; INSERTs into
gridgov.cases with such values in every column, raw UPDATEs of every column,
act() with random actions and payloads, binary and text COPY, DML on the
reference tables whose changes the C caches follow, and the C trigger
functions attached to tables that are not theirs.  It runs them with psql,
once per role (a superuser, a grid-worker login), each statement on its own
(expected errors do not stop the run), and fails on

  - a crash: the connection lost while a statement ran, or a backend
    'terminated by signal' in the server log during the run;
  - an internal error: SQLSTATE XX000 raised by gridgov or PostgreSQL
    ("cache lookup failed", "unrecognized ...").  XX000 raised by PostGIS
    (which reports all of its errors with that code) is counted, not failed.

After a crash the run waits for the server to recover, runs the statement
again on its own (to say whether it reproduces alone), and goes on with the
next one.  The statements depend only on the seed, the role and the catalog,
so a failure reproduces with the same seed (see docs/development.md).

Only the Python standard library is used; psql comes from PATH or --psql.
"""

import argparse
import csv
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

MB = 1048576
STATEMENT_TIMEOUT = '10s'

# ---------------------------------------------------------------------------
# SQL text helpers


def lit(s):
    """A standard SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def cast(expr, typ):
    return 'CAST(%s AS %s)' % (expr, typ)


# ---------------------------------------------------------------------------
# The catalog the statements are generated from

CATALOG_SQL = r"""
SELECT pg_catalog.json_build_object(
  'functions', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
             'name', p.proname,
             'sig', p.oid::pg_catalog.regprocedure::text,
             'args', (SELECT COALESCE(pg_catalog.json_agg(pg_catalog.format_type(a.t, NULL) ORDER BY a.o), '[]'::json)
                      FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY a(t, o)),
             'rettype', pg_catalog.format_type(p.prorettype, NULL),
             'retset', p.proretset)
           ORDER BY p.oid::pg_catalog.regprocedure::text)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE l.lanname = 'c' AND p.pronamespace = 'gridgov'::pg_catalog.regnamespace),
  'c_trigger_tables', (
    SELECT pg_catalog.json_agg(DISTINCT t.tgrelid::pg_catalog.regclass::text ORDER BY t.tgrelid::pg_catalog.regclass::text)
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
         JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE l.lanname = 'c' AND NOT t.tgisinternal
      AND t.tgrelid::pg_catalog.regclass::text <> 'gridgov.cases'),
  'columns', (
    SELECT pg_catalog.json_object_agg(r.rel, r.cols)
    FROM (SELECT c.oid::pg_catalog.regclass::text AS rel,
                 pg_catalog.json_agg(pg_catalog.json_build_object(
                   'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                   'identity', a.attidentity, 'generated', a.attgenerated) ORDER BY a.attnum) AS cols
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
          WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace AND c.relkind = 'r'
            AND a.attnum > 0 AND NOT a.attisdropped
          GROUP BY c.oid) r),
  'case_ids', (SELECT pg_catalog.json_agg(id ORDER BY id) FROM gridgov.cases),
  'actions', (SELECT pg_catalog.json_agg(DISTINCT action ORDER BY action) FROM gridgov.transitions),
  'states', (SELECT pg_catalog.json_agg(DISTINCT state ORDER BY state) FROM gridgov.workflow_states),
  'workflows', (SELECT pg_catalog.json_agg(name ORDER BY name) FROM gridgov.workflows),
  'categories', (SELECT pg_catalog.json_agg(code ORDER BY code) FROM gridgov.categories),
  'departments', (SELECT pg_catalog.json_agg(id ORDER BY id) FROM gridgov.departments),
  'staff', (SELECT pg_catalog.json_agg(id ORDER BY id) FROM gridgov.staff),
  'calendars', (SELECT pg_catalog.json_agg(name ORDER BY name) FROM gridgov.calendars),
  'objcodes', (SELECT pg_catalog.json_agg(objcode ORDER BY objcode) FROM gridgov.components),
  'settings', (SELECT pg_catalog.json_agg(key ORDER BY key) FROM gridgov.settings),
  'grids', (SELECT pg_catalog.json_agg(code ORDER BY code) FROM (
              SELECT code::text FROM gridgov.grids
              WHERE valid_to = 'infinity' AND (gridgov.level(code) <= 4 OR code::text LIKE '110115004001%'
                                               OR code::text LIKE '110115005201%')
              ORDER BY code) g)
)
"""


def load_catalog(args):
    # Names as regclass prints them with gridgov off the search path: schema-qualified.
    out = subprocess.run(psql_cmd(args, args.superuser) + ['-At', '-c', 'SET search_path = pg_catalog',
                                                           '-c', CATALOG_SQL],
                         check=True, stdout=subprocess.PIPE, env=psql_env()).stdout
    cat = json.loads(out.decode())
    for k, v in list(cat.items()):
        if v is None:
            cat[k] = [] if k != 'columns' else {}
    return cat


# ---------------------------------------------------------------------------
# Values: SQL expressions of a type, valid, odd or hostile

HOSTILE_TEXT = [
    "''", "' '", "E'\\t\\n'", "'NULL'", "'-1'", "'0'", "'1e309'", "'NaN'", "'Infinity'",
    "'{}'", "'[]'", "'%s%s%n%x'", "'\\'", "'😀'", "'网格'", "'ǅ̈'", "E'\\x01\\x7f'",
    "pg_catalog.repeat('x', %d)" % MB, "pg_catalog.repeat('网', %d)" % (MB // 3),
    "pg_catalog.repeat('''', 4096)", "pg_catalog.repeat('a', 64)", "pg_catalog.repeat('9', 20001)",
    "pg_catalog.chr(65533)", "'  wgs84  '", "'WGS84'", "'wgs84;'", "'gcj02 '",
]
DOMAIN_TEXT = [
    'wgs84', 'gcj02', 'bd09', 'cgcs2000', 'GCJ-02', 'cn', '24x7', 'hours', 'minutes',
    'days', 'working_days', 'working_hours', 'calendar_days', 'hour', 'day', 'minute', 'province', 'city',
    'county', 'town', 'community', 'grid', 'unit_grid', 'special', 'E0102', 'H0902',
    'D0301', 'C0101', 'dispatch', 'sign', 'handle', 'file', 'close', 'hotline', 'patrol',
    'normal', 'urgent', 'emergency', 'satisfied', 'master_closed', 'escalate', 'intake',
]
HOSTILE_GRIDCODE_TEXT = [
    '', ' ', '1', '11', '110', '1101', '11011', '1101150', '11011500', '1101150040',
    '11011500400', '1101150040010', '110115004001001001', '1234567890123456', '+110115',
    '-110115', ' 110115', '110115 ', '11O115', '1e5', '１１０１１５', '00', '000000',
    '000000000000000', '999999999999999', '99', '9999', '999999', '110115000', '110115004000',
    '110115004001000', '110115004001999', '990101', '11011500400100',
    '9223372036854775807', '0x1f',
]
INTS = ['0', '1', '-1', '2', '3', '6', '7', '15', '16', '100', '2147483647', '-2147483648', '42']
BIGINTS = ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '4294967296',
           '110115', '110115004001001', '999999999999999', '1000000000000000']
FLOATS = ["'NaN'", "'Infinity'", "'-Infinity'", '1e308', '-1e308', '5e-324', '-0.0', '0',
          '116.4', '39.8', '500', '-500', '91', '-91', '180.0000001', '1e-12', '100000', '100001']
NUMERICS = ["'NaN'", "'Infinity'", "'-Infinity'", '1e1000', '-1e-1000', '0', '1', '-1', '0.5',
            '99999999999999999999', '4', '1e-20', '1000000', '-0.000001']
TIMESTAMPS = [
    "'infinity'", "'-infinity'", "'294276-12-31 23:59:59.999999+00'", "'4714-11-24 00:00:00+00 BC'",
    "'epoch'", "'2000-01-01 00:00+08'", 'now()', 'now()', "now() + interval '59 minutes'",
    "now() + interval '2 hours'", "now() - interval '100 years'", "now() - interval '1 day'",
    "CURRENT_DATE + time '09:00'", "'2024-02-29 12:00+08'", "'1900-01-01 00:00+08'",
    "'2100-12-31 23:59:59+08'",
]
DATES = ["'infinity'", "'-infinity'", "'5874897-12-31'", "'4714-11-24 BC'", 'CURRENT_DATE',
         "'2024-02-29'", "'2024-10-01'", "'2025-01-28'", "'1970-01-01'", "'2100-01-01'"]
HUGE_GEOMETRY = ("ST_SetSRID(ST_Collect(ARRAY(SELECT ST_MakePoint(116 + i * 1e-5, 39.7) "
                 "FROM generate_series(1, 100000) i)), 4326)")
GEOMETRIES = [
    "ST_SetSRID(ST_MakePoint(116.4980, 39.7925), 4326)",
    "ST_SetSRID(ST_MakePoint(116.3350, 39.7300), 4326)",
    "ST_SetSRID(ST_MakePoint(116.5060, 39.7950), 4326)",
    "ST_SetSRID(ST_MakePoint(116.41, 39.509), 4326)",
    "ST_SetSRID(ST_MakePoint(116.0, 39.0), 4326)",
    "'SRID=4326;POINT EMPTY'::geometry", "'POINT EMPTY'::geometry",
    "'SRID=4326;GEOMETRYCOLLECTION EMPTY'::geometry",
    "'SRID=4326;GEOMETRYCOLLECTION(POINT(116.4 39.8),LINESTRING(116 39,117 40))'::geometry",
    "'SRID=4326;GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(116.4 39.8)))'::geometry",
    "'POINT(116.4980 39.7925)'::geometry",
    "'SRID=3857;POINT(12968000 4834000)'::geometry",
    "'SRID=4490;POINT(116.4980 39.7925)'::geometry",
    "'SRID=999999;POINT(116.4980 39.7925)'::geometry",
    "ST_SetSRID(ST_MakePoint('NaN'::float8, 39.8), 4326)",
    "ST_SetSRID(ST_MakePoint(116.4, 'NaN'::float8), 4326)",
    "ST_SetSRID(ST_MakePoint('Infinity'::float8, '-Infinity'::float8), 4326)",
    "ST_SetSRID(ST_MakePoint(500, 39.8), 4326)",
    "ST_SetSRID(ST_MakePoint(-500, -39.8), 4326)",
    "ST_SetSRID(ST_MakePoint(116.4, 95), 4326)",
    "ST_SetSRID(ST_MakePoint(180, 90), 4326)",
    "ST_SetSRID(ST_MakePoint(-180, -90), 4326)",
    "ST_SetSRID(ST_MakePoint(1e308, -1e308), 4326)",
    "ST_SetSRID(ST_MakePoint(0, 0), 4326)",
    "ST_SetSRID(ST_MakePoint(72.004, 0.8293), 4326)",
    "ST_SetSRID(ST_MakePoint(137.8347, 55.8271), 4326)",
    "'SRID=4326;POINT Z (116.498 39.7925 10)'::geometry",
    "'SRID=4326;POINT M (116.498 39.7925 10)'::geometry",
    "'SRID=4326;POINT ZM (116.498 39.7925 1 2)'::geometry",
    "'SRID=4326;MULTIPOINT((116.4980 39.7925),(116.5 39.8))'::geometry",
    "'SRID=4326;MULTIPOINT EMPTY'::geometry",
    "'SRID=4326;LINESTRING(116.4 39.7,116.5 39.8)'::geometry",
    "'SRID=4326;POLYGON((116.4 39.7,116.5 39.8,116.5 39.7,116.4 39.8,116.4 39.7))'::geometry",
    "'SRID=4326;POLYGON EMPTY'::geometry",
    "'SRID=4326;MULTIPOLYGON(((116.4 39.7,116.5 39.7,116.5 39.8,116.4 39.7)),((0 0,1 0,1 1,0 0)))'::geometry",
    "'SRID=4326;CIRCULARSTRING(116.4 39.7,116.45 39.75,116.5 39.7)'::geometry",
    "'SRID=4326;CURVEPOLYGON(CIRCULARSTRING(116.4 39.7,116.5 39.7,116.4 39.7))'::geometry",
    "'SRID=4326;TRIANGLE((116.4 39.7,116.5 39.7,116.4 39.8,116.4 39.7))'::geometry",
    "'SRID=4326;TIN(((0 0 0,0 0 1,0 1 0,0 0 0)))'::geometry",
    "'SRID=4326;POLYHEDRALSURFACE(((0 0 0,0 1 0,1 1 0,0 0 0)))'::geometry",
    HUGE_GEOMETRY,
    "ST_SetSRID(ST_Buffer(ST_MakePoint(116.4980, 39.7925), 0.01, 5000), 4326)",
    "ST_GeomFromEWKB(decode('0101000020e6100000', 'hex'))",
    "ST_GeomFromEWKB(decode('0101000020e6100000000000000000f87f000000000000f87f', 'hex'))",
    "ST_GeomFromEWKB(decode('0107000020e6100000ffffffff', 'hex'))",
    "'SRID=4326;POINT(116.4980 39.7925)'::geometry(Point, 3857)",
    "ST_SetSRID(ST_MakePoint(116.4980, 39.7925), 0)",
    "ST_Transform(ST_SetSRID(ST_MakePoint(116.4980, 39.7925), 4326), 3857)",
]
JSON_VALUES = [
    'null', 'true', 'false', '0', '-1', '1', '1.5', '1e400', '-1e400', '9223372036854775808',
    '-9223372036854775809', '1e-400', '"1"', '"abc"', '""', '[]', '{}', '[1,2]', '{"a":1}',
    '"satisfied"', '"very_unsatisfied"', '"dispatch"', '"handle"', '"2 hours"', '"-1 day"',
    '"infinity"', '"NaN"', '[null]', '"110115"', '"\\u0000"', '"\\ud800"',
]
PAYLOAD_KEYS = ['department_id', 'solved', 'satisfaction', 'master_case_id', 'stage', 'amount',
                'departments', 'unit', 'note', 'grid', 'category', 'state', 'at', '', 'zzz',
                'department_ids', 'DEPARTMENT_ID']


class Gen:
    """Statements of one role, from one seeded random stream."""

    def __init__(self, rng, cat, role, workdir):
        self.r = rng
        self.cat = cat
        self.role = role
        self.workdir = workdir
        ids = cat['case_ids'] or [1]
        # Ids the run's own INSERTs may create, and ones that never exist.
        self.case_ids = [str(i) for i in ids] + [str(max(ids) + i) for i in range(1, 40)] + \
            ['0', '-1', '9223372036854775807', '(SELECT pg_catalog.max(id) FROM gridgov.cases)',
             '(SELECT pg_catalog.max(id) - 1 FROM gridgov.cases WHERE closed_at IS NULL)']
        self.n = 0

    # -- choice helpers
    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    # -- values by type
    def text(self, domain=None):
        x = self.r.random()
        if x < 0.12:
            return 'NULL'
        if x < 0.5:
            return lit(self.pick(domain or DOMAIN_TEXT))
        if x < 0.8:
            return self.pick(HOSTILE_TEXT)
        n = self.r.randint(1, 40)
        alphabet = 'abcXYZ0123456789 _-,.;:!?()[]{}<>/\\|@#$%^&*~`"+=网格区街道'
        return lit(''.join(self.r.choice(alphabet) for _ in range(n)))

    def gridcode(self):
        x = self.r.random()
        if x < 0.1:
            return 'NULL::gridgov.gridcode'
        if x < 0.55 and self.cat['grids']:
            return "'%s'::gridgov.gridcode" % self.pick(self.cat['grids'])
        if x < 0.8:
            return "'%s'::gridgov.gridcode" % self.pick(HOSTILE_GRIDCODE_TEXT)
        if x < 0.9:
            return 'gridgov.gridcode(%s::bigint)' % self.pick(BIGINTS + [str(self.r.randint(0, 10 ** 15))])
        if x < 0.95:
            return "pg_catalog.repeat('1', %d)::gridgov.gridcode" % self.pick([16, 100, MB])
        return "'%s'::gridgov.gridcode" % self.pick(['11', '1101', '110115', '110115004', '110115004001'])

    def integer(self):
        return 'NULL' if self.chance(0.1) else self.pick(INTS + [str(self.r.randint(-10, 200))])

    def bigint(self, ids=None):
        x = self.r.random()
        if x < 0.1:
            return 'NULL'
        if ids and x < 0.7:
            return str(self.pick(ids))
        return self.pick(BIGINTS)

    def float8(self):
        return 'NULL' if self.chance(0.1) else self.pick(FLOATS)

    def numeric(self):
        return 'NULL' if self.chance(0.1) else self.pick(NUMERICS)

    def timestamptz(self):
        return 'NULL' if self.chance(0.08) else self.pick(TIMESTAMPS)

    def date(self):
        return 'NULL' if self.chance(0.1) else self.pick(DATES)

    def geometry(self):
        return 'NULL' if self.chance(0.1) else self.pick(GEOMETRIES)

    def boolean(self):
        return self.pick(['NULL', 'true', 'false'])

    def bytea(self):
        x = self.r.random()
        if x < 0.15:
            return 'NULL'
        if x < 0.3:
            return "'\\x'::bytea"
        if x < 0.45:
            return "decode(repeat('ff', %d), 'hex')" % MB
        if x < 0.6:
            return "sha256('%d'::bytea)" % self.r.randint(0, 99)
        n = self.r.randint(1, 64)
        return "'\\x%s'::bytea" % ''.join('%02x' % self.r.randint(0, 255) for _ in range(n))

    def json_value(self, depth=0):
        x = self.r.random()
        if depth < 2 and x < 0.12:
            return '[' + ', '.join(self.json_value(depth + 1) for _ in range(self.r.randint(0, 3))) + ']'
        if depth < 2 and x < 0.2:
            return self.json_object(depth + 1)
        if x < 0.45:
            return str(self.pick(self.cat['departments'] + self.cat['case_ids'] or [1]))
        return self.pick(JSON_VALUES)

    def json_object(self, depth=0):
        keys = [self.pick(PAYLOAD_KEYS) for _ in range(self.r.randint(0, 4))]
        return '{' + ', '.join('%s: %s' % (json.dumps(k), self.json_value(depth)) for k in keys) + '}'

    def jsonb(self):
        x = self.r.random()
        if x < 0.08:
            return 'NULL::jsonb'
        if x < 0.6:
            return lit(self.json_object()) + '::jsonb'
        if x < 0.85:
            return lit(self.json_value()) + '::jsonb'
        return self.pick([
            "pg_catalog.jsonb_build_object('note', pg_catalog.repeat('x', %d))" % MB,
            "pg_catalog.jsonb_build_object(pg_catalog.repeat('k', 10000), 1)",
            "(pg_catalog.repeat('[', 5000) || pg_catalog.repeat(']', 5000))::jsonb",
            "pg_catalog.jsonb_build_object('department_id', 1e100000)",
            "pg_catalog.jsonb_build_object('departments', (SELECT pg_catalog.jsonb_agg(i) FROM generate_series(1, 100000) i))",
            "pg_catalog.to_jsonb(ARRAY[1, 2, 3])",
            "'{\"solved\": true, \"satisfaction\": \"satisfied\"}'::jsonb",
            "'{\"solved\": \"true\", \"satisfaction\": \"SATISFIED\"}'::jsonb",
            "'{\"stage\": \"handle\", \"amount\": \"2 hours\"}'::jsonb",
            "'{\"stage\": \"handle\", \"amount\": 1e400}'::jsonb",
        ])

    def enum(self, labels):
        return self.pick(['NULL', "''", "'x'", "'%s'" % self.pick(labels), "'%s'" % self.pick(labels)])

    def value(self, typ, col=None):
        """An expression of type typ (cast to it where its literal would be ambiguous)."""
        t = typ.split('(')[0].strip()
        if t in ('gridcode', 'gridgov.gridcode'):
            return self.gridcode()
        if t in ('text', 'name', 'cstring', 'character varying'):
            if col in ('category', 'code') and self.chance(0.5):
                return lit(self.pick(self.cat['categories']))
            if col in ('state', 'to_state', 'from_state') and self.chance(0.5):
                return lit(self.pick(self.cat['states']))
            if col == 'workflow' and self.chance(0.5):
                return lit(self.pick(self.cat['workflows']))
            if col == 'objcode' and self.cat['objcodes'] and self.chance(0.4):
                return lit(self.pick(self.cat['objcodes']))
            e = self.text()
            return e if t == 'text' else cast(e, t)
        if t == 'integer' or t == 'smallint':
            return self.integer()
        if t == 'bigint':
            if col in ('department_id', 'owner_id', 'maintainer_id', 'parent_id'):
                return self.bigint(self.cat['departments'])
            if col in ('master_case_id', 'possible_duplicate_of', 'case_id', 'id'):
                return self.bigint(self.case_ids)
            return self.bigint(self.cat['staff'])
        if t == 'double precision' or t == 'real':
            return cast(self.float8(), t)
        if t == 'numeric':
            return cast(self.numeric(), 'numeric')
        if t == 'timestamp with time zone':
            return cast(self.timestamptz(), 'timestamptz')
        if t == 'date':
            return cast(self.date(), 'date')
        if t == 'time without time zone':
            return cast(self.pick(['NULL', "'00:00'", "'24:00'", "'23:59:59.999999'", "'12:00'", "'allballs'"]), 'time')
        if t == 'geometry':
            return self.geometry()
        if t == 'boolean':
            return self.boolean()
        if t == 'bytea':
            return self.bytea()
        if t == 'jsonb':
            return self.jsonb()
        if t in ('gridgov.case_source', 'case_source'):
            return self.enum(['hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city', 'proactive'])
        if t in ('gridgov.urgency', 'urgency'):
            return self.enum(['normal', 'urgent', 'emergency'])
        if t in ('gridgov.satisfaction', 'satisfaction'):
            return self.enum(['satisfied', 'basically_satisfied', 'unsatisfied'])
        if t.endswith('[]'):
            return self.pick(['NULL', "'{}'", "'{NULL}'", "ARRAY[%s]" % self.bigint(self.cat['departments'])])
        if t == 'interval':
            return cast(self.pick(['NULL', "'0'", "'-1 day'", "'infinity'", "'178000000 years'", "'1 hour'"]), 'interval')
        return 'NULL'

    # -- statement kinds; each returns SQL text (one line, or several statements)
    def call_function(self):
        funcs = [f for f in self.cat['functions']
                 if 'internal' not in f['args'] and f['rettype'] not in ('trigger', 'internal')]
        f = self.pick(funcs)
        args = []
        for a in f['args']:
            e = self.value(a)
            if a == 'cstring':
                e = cast(e, 'cstring')
            elif not e.startswith('CAST(') and not e.endswith('gridcode'):
                e = cast(e, a)
            args.append(e)
        call = 'gridgov.%s(%s)' % (f['name'], ', '.join(args))
        if f['rettype'] == 'record' or f['retset']:
            return 'SELECT * FROM %s;' % call
        if self.chance(0.15):
            return 'SELECT %s FROM generate_series(1, 3);' % call
        return 'SELECT %s;' % call

    def gridcode_io(self):
        x = self.r.random()
        if x < 0.4:
            s = self.pick(HOSTILE_GRIDCODE_TEXT + (self.cat['grids'] or ['110115']))
            return "SELECT gridgov.gridcode_in(%s::cstring), %s::gridgov.gridcode::text;" % (lit(s), lit(s))
        if x < 0.55:
            return "SELECT gridgov.gridcode_send(%s), gridgov.gridcode_out(%s);" % (self.gridcode(), self.gridcode())
        return self.binary_copy()

    def binary_copy(self):
        """gridcode's binary receive function through COPY ... (FORMAT binary)."""
        self.n += 1
        path = os.path.join(self.workdir, '%s-gridcode-%d.bin' % (self.role, self.n))
        rows = []
        for _ in range(self.r.randint(1, 5)):
            x = self.r.random()
            if x < 0.1:
                rows.append(None)
            elif x < 0.35:
                grid = self.pick(self.cat['grids'] or ['110115'])
                lc = {2: 0, 4: 1, 6: 2, 9: 3, 12: 4, 14: 5, 15: 6}.get(len(grid), 7)
                rows.append(struct.pack('>q', (int(grid.ljust(15, '0')) << 3) | lc))
            elif x < 0.7:
                rows.append(struct.pack('>q', self.r.choice([
                    0, 1, 7, -1, -(2 ** 63), 2 ** 63 - 1, 10 ** 15 << 3, (10 ** 15 - 1) << 3 | 6,
                    self.r.getrandbits(64) - 2 ** 63])))
            else:
                rows.append(bytes(self.r.getrandbits(8) for _ in range(self.pick([0, 1, 4, 7, 9, 16]))))
        with open(path, 'wb') as fh:
            fh.write(b'PGCOPY\n\xff\r\n\x00' + struct.pack('>ii', 0, 0))
            for v in rows:
                if v is None:
                    fh.write(struct.pack('>hi', 1, -1))
                else:
                    fh.write(struct.pack('>hi', 1, len(v)) + v)
            fh.write(struct.pack('>h', -1))
        return ("\\copy pg_temp.fz_gridcodes (code) FROM %s WITH (FORMAT binary)\n"
                "SELECT code::text, gridgov.level(code), gridgov.parent(code) FROM pg_temp.fz_gridcodes;\n"
                "TRUNCATE pg_temp.fz_gridcodes;" % lit(path))

    def gridcode_ops(self):
        a, b = self.gridcode(), self.gridcode()
        return self.pick([
            'SELECT pg_catalog.count(*) FROM gridgov.grids WHERE code <@ %s;' % a,
            'SELECT pg_catalog.count(*) FROM gridgov.grids WHERE code @> %s;' % a,
            'SELECT pg_catalog.count(*) FROM gridgov.grids WHERE %s @> code AND code <@ %s;' % (a, b),
            'SELECT pg_catalog.count(*) FROM gridgov.grids WHERE code <@ ANY (ARRAY[%s, %s]);' % (a, b),
            'EXPLAIN (COSTS OFF) SELECT * FROM gridgov.cases WHERE grid <@ %s;' % a,
            'SELECT pg_catalog.count(*) FROM gridgov.cases WHERE grid <@ (SELECT %s);' % a,
            'SELECT pg_catalog.max(c), pg_catalog.min(c) FROM (VALUES (%s), (%s), (NULL)) v(c);' % (a, b),
            'SELECT c FROM (VALUES (%s), (%s), (NULL), (%s)) v(c) ORDER BY c DESC NULLS FIRST;' % (a, b, self.gridcode()),
            'SELECT c, pg_catalog.count(*) FROM (VALUES (%s), (%s), (%s)) v(c) GROUP BY c;' % (a, b, a),
            'SELECT %s = %s, %s < %s, %s @> %s, %s <@ %s;' % (a, b, a, b, a, b, b, a),
            self.prepared(a),
        ])

    def prepared(self, a):
        k = self.r.randint(0, 10 ** 9)
        op = self.pick(['<@', '@>'])
        return ('BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; '
                'PREPARE fz_p%d(gridgov.gridcode) AS SELECT pg_catalog.count(*) FROM gridgov.grids WHERE code %s $1; '
                'EXECUTE fz_p%d(%s); DEALLOCATE fz_p%d; ROLLBACK;' % (k, op, k, a, k))

    def case_columns(self):
        return self.cat['columns'].get('gridgov.cases', [])

    def case_row(self, cols):
        return [self.value(c['type'], c['name']) for c in cols]

    def insert_case(self):
        allcols = [c for c in self.case_columns() if c['generated'] != 's']
        base = [c for c in allcols if c['name'] in ('source', 'category', 'title')]
        rest = [c for c in allcols if c['name'] not in ('source', 'category', 'title')]
        cols = list(base) if self.chance(0.85) else self.r.sample(base, self.r.randint(0, len(base)))
        cols += self.r.sample(rest, min(len(rest), self.pick([0, 1, 1, 2, 2, 3, 4, 6, len(rest)])))
        overriding = any(c['identity'] for c in cols) and self.chance(0.7)
        names = ', '.join(c['name'] for c in cols)
        valid = {
            'source': lambda: "'%s'" % self.pick(['hotline', 'patrol', 'video', 'app', 'city', 'leader']),
            'category': lambda: lit(self.pick(self.cat['categories'] or ['E0102'])),
            'title': lambda: lit('fuzz %d' % self.r.randint(0, 10 ** 6)),
        }

        def row():
            vals = []
            for c in cols:
                if c['name'] in valid and self.chance(0.75):
                    vals.append(valid[c['name']]())
                else:
                    vals.append(self.value(c['type'], c['name']))
            return '(' + ', '.join(vals) + ')'

        head = 'INSERT INTO gridgov.cases (%s)%s' % (names, ' OVERRIDING SYSTEM VALUE' if overriding else '')
        x = self.r.random()
        if not cols:
            body = ' DEFAULT VALUES'
        elif x < 0.75:
            body = ' VALUES ' + row()
        elif x < 0.92:
            body = ' VALUES ' + ', '.join(row() for _ in range(self.r.randint(2, 6)))
        else:
            # Many rows in one statement: the intake finish trigger's batches.
            n = self.pick([999, 1000, 1001, 2100])
            exprs = []
            for c in cols:
                if c['name'] == 'category':
                    exprs.append("(ARRAY[%s])[1 + i %% 3]" % ', '.join(
                        lit(self.pick(self.cat['categories'] or ['E0102'])) for _ in range(3)))
                elif c['name'] == 'source':
                    exprs.append("'patrol'")
                elif c['name'] == 'title':
                    exprs.append("'fuzz batch ' || i")
                elif c['name'] == 'location' and self.chance(0.6):
                    exprs.append("ST_SetSRID(ST_MakePoint(116.30 + (i %% 97) * 0.002, 39.60 + (i %% 89) * 0.002), 4326)")
                elif c['name'] == 'external_id' and self.chance(0.6):
                    exprs.append("'fz-%d-' || i" % self.r.randint(0, 10 ** 9))
                else:
                    exprs.append(self.value(c['type'], c['name']))
            body = ' SELECT %s FROM generate_series(1, %d) i' % (', '.join(exprs), n)
        tail = self.pick(['', '', '', ' RETURNING *', ' RETURNING id, state, grid',
                          ' ON CONFLICT (county, source, external_id) DO NOTHING',
                          ' ON CONFLICT (county, id) DO UPDATE SET %s = %s' % self.update_pair(),
                          ' ON CONFLICT (county, case_no) DO UPDATE SET title = excluded.title'])
        return head + body + tail + ';'

    def update_pair(self):
        c = self.pick([c for c in self.case_columns() if c['generated'] != 's'])
        if self.chance(0.3):
            return c['name'], self.pick(self.hostile(c['type'], c['name']))
        return c['name'], self.value(c['type'], c['name'])

    def hostile(self, typ, col=None):
        """Five values of a type: NULL, empty, huge, malformed, extreme."""
        t = typ.split('(')[0].strip()
        if t in ('gridcode', 'gridgov.gridcode'):
            return ['NULL::gridgov.gridcode', "''::gridgov.gridcode",
                    "pg_catalog.repeat('1', %d)::gridgov.gridcode" % MB, "'11O115'::gridgov.gridcode",
                    "'999999999999999'::gridgov.gridcode"]
        if t in ('text', 'name', 'cstring', 'character varying'):
            return ['NULL', "''", "pg_catalog.repeat('x', %d)" % MB, "E'\\x01;''\\x7f'",
                    "pg_catalog.repeat('网', %d)" % (MB // 3)]
        if t in ('integer', 'smallint'):
            return ['NULL', '0', '2147483647', '-1', '-2147483648']
        if t == 'bigint':
            return ['NULL', '0', '9223372036854775807', '-1', '-9223372036854775808']
        if t in ('double precision', 'real'):
            return ['NULL', '0', "'Infinity'::float8", "'NaN'::float8", '-1e308']
        if t == 'numeric':
            return ['NULL', '0', '1e1000', "'NaN'::numeric", "'-Infinity'::numeric"]
        if t == 'timestamp with time zone':
            return ['NULL', "'epoch'::timestamptz", "'infinity'::timestamptz", "'-infinity'::timestamptz",
                    "'294276-12-31 23:59:59.999999+00'::timestamptz"]
        if t == 'date':
            return ['NULL', "'epoch'::date", "'infinity'::date", "'-infinity'::date", "'5874897-12-31'::date"]
        if t == 'geometry':
            return ['NULL', "'SRID=4326;POINT EMPTY'::geometry", HUGE_GEOMETRY,
                    "'SRID=4326;GEOMETRYCOLLECTION(POINT(116.4 39.8))'::geometry",
                    "ST_SetSRID(ST_MakePoint('NaN'::float8, 500), 4326)"]
        if t == 'boolean':
            return ['NULL', 'false', 'true', "'x'::boolean", 'NOT true']
        if t == 'bytea':
            return ['NULL', "'\\x'::bytea", "decode(repeat('ff', %d), 'hex')" % MB, "'\\x00'::bytea",
                    "sha256(''::bytea)"]
        if t == 'jsonb':
            return ['NULL::jsonb', "'{}'::jsonb", "pg_catalog.jsonb_build_object('note', pg_catalog.repeat('x', %d))" % MB,
                    "'[{\"department_id\": \"x\"}]'::jsonb", "'{\"department_id\": 1e400, \"solved\": 1}'::jsonb"]
        return ['NULL', "''", "'x'", "'%s'" % ('z' * 200), 'DEFAULT']

    def systematic(self):
        """Every C function with each argument in turn hostile, every column of cases hostile in
        an INSERT (with valid source, category and title) and in a raw UPDATE of an existing case."""
        out = []
        for f in self.cat['functions']:
            if 'internal' in f['args'] or f['rettype'] in ('trigger', 'internal'):
                continue
            for i, a in enumerate(f['args']):
                for h in self.hostile(a):
                    args = [cast(self.value(b), b) if j != i else cast(h, b) for j, b in enumerate(f['args'])]
                    call = 'gridgov.%s(%s)' % (f['name'], ', '.join(args))
                    out.append(('call_function', 'SELECT * FROM %s;' % call if f['rettype'] == 'record' or f['retset']
                                else 'SELECT %s;' % call))
        ids = self.cat['case_ids'] or [1]
        for k, c in enumerate(c for c in self.case_columns() if c['generated'] != 's'):
            for j, h in enumerate(self.hostile(c['type'], c['name'])):
                cols = {'source': "'patrol'", 'category': lit(self.pick(self.cat['categories'] or ['E0102'])),
                        'title': "'fuzz column %s'" % c['name']}
                cols[c['name']] = h
                out.append(('insert_case', 'INSERT INTO gridgov.cases (%s)%s VALUES (%s);' % (
                    ', '.join(cols), ' OVERRIDING SYSTEM VALUE' if c['identity'] else '', ', '.join(cols.values()))))
                out.append(('update_case', 'UPDATE gridgov.cases SET %s = %s WHERE id = %d;'
                            % (c['name'], h, ids[(k * 5 + j) % len(ids)])))
        return out

    def update_case(self):
        sets = dict(self.update_pair() for _ in range(self.pick([1, 1, 1, 2, 3])))
        assign = ', '.join('%s = %s' % kv for kv in sets.items())
        where = self.pick([
            'id = %s' % self.pick(self.case_ids),
            'id = %s' % self.pick(self.case_ids),
            'id IN (%s, %s)' % (self.pick(self.case_ids), self.pick(self.case_ids)),
            'id IN (SELECT id FROM gridgov.cases WHERE state = %s ORDER BY id LIMIT 5)'
            % lit(self.pick(self.cat['states'] or ['filed'])),
            'id BETWEEN %s AND %s + 3' % (self.pick(self.case_ids), self.pick(self.case_ids)),
        ])
        tail = self.pick(['', '', ' RETURNING *', ' RETURNING id, state, events'])
        return 'UPDATE gridgov.cases SET %s WHERE %s%s;' % (assign, where, tail)

    def act(self):
        cid = self.pick(self.case_ids) if self.chance(0.9) else self.bigint()
        action = lit(self.pick(self.cat['actions'])) if self.chance(0.75) else self.text()
        args = [cid, action]
        n = self.pick([2, 3, 4, 5, 5, 5])
        if n >= 3:
            args.append(self.text() if self.chance(0.5) else 'NULL')
        if n >= 4:
            args.append(self.jsonb())
        if n >= 5:
            args.append(self.pick(['now()', 'now()', 'now()', self.timestamptz()]))
        call = 'gridgov.act(%s)' % ', '.join(args[:2] + [cast(a, t) for a, t in zip(args[2:], ['text', 'jsonb', 'timestamptz'])])
        x = self.r.random()
        if x < 0.1:
            return 'SELECT (%s).state;' % call
        if x < 0.2:
            k = self.r.randint(2, 4)
            return 'BEGIN; %s ROLLBACK;' % ' '.join('SELECT id, state FROM %s;' % call for _ in range(k))
        if x < 0.3:
            # The step act() takes before its UPDATE, called by hand, then a raw UPDATE.
            return ('BEGIN; SELECT gridgov.act_prepare(%s, %s, %s, %s, %s); UPDATE gridgov.cases SET %s = %s WHERE id = %s; COMMIT;'
                    % (cid, action, cast(self.text(), 'text'), self.jsonb(), cast(self.timestamptz(), 'timestamptz'),
                       *self.update_pair(), cid))
        return 'SELECT id, state, events FROM %s;' % call

    def copy_cases(self):
        """Cases through COPY (text CSV): the intake triggers on a multi-row statement."""
        self.n += 1
        path = os.path.join(self.workdir, '%s-cases-%d.csv' % (self.role, self.n))
        cols = ['source', 'external_id', 'category', 'title', 'location', 'coord_system', 'reported_at']
        bad = self.chance(0.5)
        with open(path, 'w', newline='', encoding='utf-8') as fh:
            w = csv.writer(fh)
            for i in range(self.pick([1, 2, 10, 999, 1001])):
                row = [self.pick(['patrol', 'app', 'hotline']), 'fzc-%d-%d' % (self.n, i),
                       self.pick(self.cat['categories'] or ['E0102']), 'fuzz copy %d' % i,
                       'SRID=4326;POINT(%.6f %.6f)' % (116.3 + self.r.random() * 0.3, 39.6 + self.r.random() * 0.2),
                       self.pick(['wgs84', 'gcj02', 'bd09']), '']
                if bad and self.chance(0.05):
                    k = self.r.randrange(len(row))
                    row[k] = self.pick(['', 'x', 'SRID=4326;POINT EMPTY', 'POINT(nan nan)', '999999999',
                                        'SRID=4326;POINT(500 39)', 'infinity', '-infinity', '"', 'E', 'x' * 600])
                w.writerow(row)
        return ("\\copy gridgov.cases (%s) FROM %s WITH (FORMAT csv, FORCE_NULL (location, reported_at))"
                % (', '.join(cols), lit(path)))

    def reference_dml(self):
        """A change to a table whose C triggers keep caches, then intake and act() in the same
        transaction (rolled back, so the demo stays usable)."""
        tables = self.cat['c_trigger_tables']
        if not tables:
            return self.insert_case()
        t = self.pick(tables)
        cols = [c for c in self.cat['columns'].get(t, []) if c['generated'] != 's']
        x = self.r.random()
        if x < 0.5 and cols:
            c = self.pick(cols)
            dml = 'UPDATE %s SET %s = %s WHERE ctid = (SELECT ctid FROM %s ORDER BY ctid LIMIT 1 OFFSET %d);' % (
                t, c['name'], self.value(c['type'], c['name']), t, self.r.randint(0, 5))
        elif x < 0.85 and cols:
            sub = self.r.sample(cols, self.r.randint(1, len(cols)))
            dml = 'INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE VALUES (%s);' % (
                t, ', '.join(c['name'] for c in sub), ', '.join(self.value(c['type'], c['name']) for c in sub))
        else:
            dml = 'DELETE FROM %s WHERE ctid = (SELECT ctid FROM %s ORDER BY ctid DESC LIMIT 1);' % (t, t)
        follow = [self.insert_case(), self.act(), self.call_function()]
        follow = [s for s in follow if not s.startswith('BEGIN') and not s.startswith('\\copy')]
        return 'BEGIN; %s %s ROLLBACK;' % (dml, ' '.join(follow))

    def settings(self):
        guc = self.pick([
            ('gridgov.duplicate_radius_m', ["'0'", "'-1'", "'100000'", "'100001'", "'NaN'", "'1e308'", "'x'"]),
            ('gridgov.duplicate_window', ["'0'", "'-1 day'", "'infinity'", "'x'", "''", "'178000000 years'"]),
            ('gridgov.locate_tolerance_m', ["'0'", "'-1'", "'NaN'", "'Infinity'", "'1e308'", "'100000'"]),
            ('gridgov.time_zone', ["'UTC'", "''", "'x'", "'Asia/Shanghai'", "'+08'", "'America/St_Johns'"]),
            ('gridgov.analytics_sync', ["'on'", "'off'"]),
            ('gridgov.locate_cache_max_mb', ["'0'", "'1'", "'-1'", "'2147483647'"]),
            ('timezone', ["'UTC'", "'Pacific/Kiritimati'", "'Etc/GMT+12'"]),
        ])
        return 'BEGIN; SET LOCAL %s = %s; %s %s ROLLBACK;' % (
            guc[0], self.pick(guc[1]), self.insert_case(), self.pick([self.act(), self.call_function()])
            .replace('BEGIN;', '').replace('ROLLBACK;', '').replace('COMMIT;', ''))

    # Tables the C trigger functions are attached to: (create, fill, a no-op SET or None)
    TRIGGER_TABLES = [
        ('CREATE TEMP TABLE fz_t (category int) ON COMMIT DROP;',
         'INSERT INTO pg_temp.fz_t VALUES (1), (NULL);', 'category = category'),
        ('CREATE TEMP TABLE fz_t (LIKE gridgov.cases) ON COMMIT DROP;',
         'INSERT INTO pg_temp.fz_t SELECT * FROM gridgov.cases ORDER BY id LIMIT 3;', 'title = title'),
        ('CREATE TEMP TABLE fz_t ON COMMIT DROP AS SELECT * FROM gridgov.cases LIMIT 0; '
         'ALTER TABLE pg_temp.fz_t ALTER category TYPE int USING NULL, ALTER state TYPE int USING NULL, '
         'ALTER county TYPE text, ALTER location TYPE text;',
         "INSERT INTO pg_temp.fz_t (county, id, category, state, events, location) "
         "VALUES ('110115', 1, 7, NULL, 1, 'x'), (NULL, NULL, NULL, 3, NULL, NULL);", 'category = category + 1'),
        ('CREATE TEMP TABLE fz_t () ON COMMIT DROP;', 'INSERT INTO pg_temp.fz_t DEFAULT VALUES;', None),
        ('CREATE TEMP TABLE fz_t (id bigint, county text, state int, events text) ON COMMIT DROP;',
         "INSERT INTO pg_temp.fz_t VALUES (1, '110115', 2, 'x'), (NULL, NULL, NULL, NULL);", 'state = state'),
        ('CREATE TEMP TABLE fz_t (calendar_id int, day date) ON COMMIT DROP;',
         "INSERT INTO pg_temp.fz_t VALUES (1, 'infinity'), (NULL, NULL);", 'day = day'),
    ]

    def foreign_trigger(self):
        """A C trigger function attached to a table that is not its own."""
        trig = [f['name'] for f in self.cat['functions'] if f['rettype'] == 'trigger']
        if not trig:
            return self.insert_case()
        when = self.pick(['BEFORE', 'AFTER'])
        level = self.pick(['ROW', 'STATEMENT'])
        event = self.pick(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] if level == 'STATEMENT' else ['INSERT', 'UPDATE', 'DELETE'])
        ref = ''
        if when == 'AFTER' and event in ('INSERT', 'UPDATE') and self.chance(0.6):
            ref = ' REFERENCING NEW TABLE AS %s' % self.pick(['new_cases', 'changed_cases', 'new_rows'])
        return self.attach(self.pick(trig), when, event, level, ref, self.pick(self.TRIGGER_TABLES))

    # (timing, event, level, transition table) of the systematic attachments
    ATTACHMENTS = [
        ('BEFORE', 'INSERT', 'ROW', ''), ('BEFORE', 'UPDATE', 'ROW', ''), ('AFTER', 'INSERT', 'ROW', ''),
        ('AFTER', 'DELETE', 'ROW', ''), ('AFTER', 'INSERT', 'STATEMENT', ' REFERENCING NEW TABLE AS new_cases'),
        ('AFTER', 'UPDATE', 'STATEMENT', ' REFERENCING NEW TABLE AS changed_cases'),
        ('AFTER', 'INSERT', 'STATEMENT', ''), ('BEFORE', 'TRUNCATE', 'STATEMENT', ''),
    ]

    def every_attachment(self):
        """Every C trigger function attached elsewhere, in every way, on every kind of table."""
        out = []
        for f in self.cat['functions']:
            if f['rettype'] != 'trigger':
                continue
            for when, event, level, ref in self.ATTACHMENTS:
                for table in self.TRIGGER_TABLES:
                    out.append(('foreign_trigger', self.attach(f['name'], when, event, level, ref, table)))
        return out

    def attach(self, f, when, event, level, ref, table):
        create, fill, same = table
        fire = {
            'INSERT': fill,
            'UPDATE': fill + (' UPDATE pg_temp.fz_t SET %s;' % same if same else ''),
            'DELETE': fill + ' DELETE FROM pg_temp.fz_t;',
            'TRUNCATE': fill + ' TRUNCATE pg_temp.fz_t;',
        }[event]
        return ('BEGIN; %s CREATE TRIGGER fz_tg %s %s ON pg_temp.fz_t%s FOR EACH %s EXECUTE FUNCTION gridgov.%s(); '
                '%s ROLLBACK;' % (create, when, event, ref, level, f, fire))

    KINDS = [
        (0.22, 'call_function'), (0.06, 'gridcode_io'), (0.06, 'gridcode_ops'), (0.22, 'insert_case'),
        (0.17, 'update_case'), (0.17, 'act'), (0.01, 'copy_cases'), (0.04, 'reference_dml'),
        (0.03, 'settings'), (0.02, 'foreign_trigger'),
    ]

    def statement(self):
        x = self.r.random()
        acc = 0.0
        for w, k in self.KINDS:
            acc += w
            if x < acc:
                return k, getattr(self, k)()
        return 'call_function', self.call_function()

    def every_function_once(self):
        """Each C function (direct call) and each C trigger function attached elsewhere, once."""
        out = []
        funcs = [f for f in self.cat['functions']
                 if 'internal' not in f['args'] and f['rettype'] not in ('trigger', 'internal')]
        for f in funcs:
            args = ['NULL::%s' % a if a != 'gridgov.gridcode' else 'NULL::gridgov.gridcode' for a in f['args']]
            call = 'gridgov.%s(%s)' % (f['name'], ', '.join(args))
            out.append(('call_function', 'SELECT * FROM %s;' % call if f['rettype'] == 'record' or f['retset']
                        else 'SELECT %s;' % call))
        for f in self.cat['functions']:
            if f['rettype'] == 'trigger':
                out.append(('foreign_trigger',
                            'BEGIN; CREATE TEMP TABLE fz_t (LIKE gridgov.cases) ON COMMIT DROP; '
                            'CREATE TRIGGER fz_tg BEFORE INSERT ON pg_temp.fz_t FOR EACH ROW '
                            'EXECUTE FUNCTION gridgov.%s(); INSERT INTO pg_temp.fz_t SELECT * FROM gridgov.cases LIMIT 1; ROLLBACK;'
                            % f['name']))
        return out


def generate(cat, seed, role, count, workdir):
    rng = random.Random('gridgov-fuzz:%d:%s' % (seed, role))
    g = Gen(rng, cat, role, workdir)
    units = g.every_function_once() + g.systematic() + g.every_attachment()
    while len(units) < count:
        units.append(g.statement())
    return [(i + 1, k, s) for i, (k, s) in enumerate(units)]


# ---------------------------------------------------------------------------
# Running


def psql_env():
    env = dict(os.environ)
    env.pop('PGDATABASE', None)
    env['PGOPTIONS'] = ''
    return env


def psql_cmd(args, user, db=None):
    return [args.psql, '-X', '-q', '-d', db or args.db, '-U', user]


PROLOGUE = """\\set VERBOSITY verbose
\\set SHOW_CONTEXT never
SET client_min_messages = error;
SET statement_timeout = '%s';
SET search_path = public, gridgov;
SET timezone = 'Asia/Shanghai';
CREATE TEMP TABLE fz_gridcodes (code gridgov.gridcode);
""" % STATEMENT_TIMEOUT

RE_MARK = re.compile(r'^@@(\d+)$')
RE_ERROR = re.compile(r'(ERROR|FATAL|PANIC):  ([0-9A-Z]{5}): (.*)$')
RE_LOCATION = re.compile(r'^LOCATION:  (.*)$')
LOST = ('server closed the connection unexpectedly', 'connection to server was lost',
        'terminating connection because of crash')


def server_ready(args, timeout=90):
    t0 = time.time()
    while time.time() - t0 < timeout:
        r = subprocess.run(psql_cmd(args, args.superuser) + ['-c', 'SELECT 1'], env=psql_env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            return True
        time.sleep(0.5)
    return False


def run_script(args, user, db, units, workdir, tag):
    """Run units with psql; returns (errors by unit id, id of the unit that lost the
    connection or None, last unit id reached, psql exit status)."""
    script = os.path.join(workdir, 'run-%s.sql' % tag)
    with open(script, 'w', encoding='utf-8') as fh:
        fh.write(PROLOGUE)
        for uid, _, sql in units:
            fh.write('\\warn @@%d\n%s\n' % (uid, sql))
        fh.write('\\warn @@0\n')
    errpath = os.path.join(workdir, 'run-%s.err' % tag)
    with open(errpath, 'w') as err:
        proc = subprocess.run(psql_cmd(args, user, db) + ['-At', '-f', script], env=psql_env(),
                              stdout=subprocess.DEVNULL, stderr=err, timeout=args.timeout)
    errors = {}
    cur = None
    last = None
    lost = False
    with open(errpath, encoding='utf-8', errors='replace') as fh:
        for line in fh:
            line = line.rstrip('\n')
            m = RE_MARK.match(line)
            if m:
                cur = int(m.group(1))
                continue
            m = RE_ERROR.search(line)
            if m:
                last = [m.group(1), m.group(2), m.group(3), '']
                errors.setdefault(cur, []).append(last)
                continue
            m = RE_LOCATION.match(line)
            if m and last is not None:
                last[3] = m.group(1)
                continue
            if any(s in line for s in LOST):
                lost = True
    crashed = cur if lost and cur != 0 else None
    return errors, crashed, cur, proc.returncode


def location_file(loc):
    m = re.search(r', ([A-Za-z0-9_.]+\.c):\d+$', loc)
    return m.group(1) if m else ''


def is_postgis(loc):
    f = location_file(loc)
    return f.startswith(('lwgeom', 'lwgeodetic', 'gserialized', 'geography', 'geometry_', 'postgis',
                         'lw', 'liblwgeom', 'long_xact', 'measures', 'gidx', 'flatgeobuf', 'geobuf',
                         'mvt', 'lwin_', 'lwout_'))


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def log_crashes(path, offset):
    if not path or offset is None:
        return []
    with open(path, 'rb') as fh:
        fh.seek(offset)
        text = fh.read().decode('utf-8', errors='replace').splitlines()
    out = []
    for i, line in enumerate(text):
        if 'terminated by signal' in line:
            nxt = text[i + 1] if i + 1 < len(text) else ''
            out.append(line.strip() + (' | ' + nxt.strip() if 'Failed process' in nxt else ''))
    return out


def short(sql, n=1500):
    return sql if len(sql) <= n else sql[:n] + ' ... [%d characters]' % len(sql)


def run_role(args, cat, role, user, db, count, workdir, tap):
    units = generate(cat, args.seed, role, count, workdir)
    byid = {u[0]: u for u in units}
    offset = log_size(args.server_log) if args.server_log else None
    t0 = time.time()
    errors = {}
    crashes = []
    stopped = None      # psql ended early without losing the connection
    ran = 0
    pos = 0
    part = 0
    while pos < len(units):
        if not server_ready(args):
            print('# the server did not come back within 90 s')
            break
        part += 1
        errs, crashed, reached, status = run_script(args, user, db, units[pos:], workdir, '%s-%d' % (role, part))
        errors.update(errs)
        if crashed is None:
            if reached != 0:
                stopped = 'psql stopped after statement %s (exit status %d) without losing the connection' % (
                    reached, status)
                ran = units.index(byid[reached]) + 1 if reached in byid else pos
            else:
                ran = len(units)
            break
        server_ready(args)
        _, again, _, _ = run_script(args, user, db, [byid[crashed]], workdir, '%s-%d-alone' % (role, part))
        crashes.append((crashed, again is not None))
        pos = ran = units.index(byid[crashed]) + 1
        if len(crashes) >= args.max_crashes:
            stopped = '%d crashes: the run stopped after statement %d' % (len(crashes), crashed)
            break
    server_ready(args)
    elapsed = time.time() - t0
    logged = log_crashes(args.server_log, offset)

    internal, postgis, timeouts, codes = [], {}, [], {}
    for uid in sorted(k for k in errors if k):
        for sev, code, msg, loc in errors[uid]:
            codes[code] = codes.get(code, 0) + 1
            if code == 'XX000':
                if is_postgis(loc):
                    postgis[msg] = postgis.get(msg, 0) + 1
                else:
                    internal.append((uid, msg, loc))
            elif code == '57014':
                timeouts.append(uid)

    print('# %s (login %s), seed %d: %d of %d statements in %.0f s; errors by SQLSTATE: %s'
          % (role, user, args.seed, ran, len(units), elapsed,
             ', '.join('%s %d' % kv for kv in sorted(codes.items(), key=lambda kv: -kv[1])[:12])))
    if stopped:
        print('# ' + stopped)
    for uid, alone in crashes:
        u = byid[uid]
        print('# CRASH %s #%d (seed %d, %s; %s when run again alone): %s'
              % (role, uid, args.seed, u[1], 'crashes again' if alone else 'does not crash',
                 short(u[2])))
    for line in logged:
        print('#   server log: ' + line.strip())
    tap.line(not crashes and not logged and not stopped,
             'generated fuzz as %s (seed %d, %d statements): no crash (connection lost: %d, '
             'terminated by signal in the server log: %d)' % (role, args.seed, ran, len(crashes), len(logged)))
    for uid, msg, loc in internal:
        print('# XX000 %s #%d (seed %d, %s): %s [%s]' % (role, uid, args.seed, byid[uid][1], msg, loc))
        print('#   statement: ' + short(byid[uid][2]))
    tap.line(not internal, 'generated fuzz as %s: no internal error (XX000 from gridgov or PostgreSQL): %d'
             % (role, len(internal)))
    if postgis:
        print('# XX000 raised by PostGIS (not failed): ' + '; '.join(
            '%s (%d)' % kv for kv in sorted(postgis.items(), key=lambda kv: -kv[1])[:8]))
    for uid in timeouts[:10]:
        print('# statement timeout (%s, not failed) %s #%d: %s' % (STATEMENT_TIMEOUT, role, uid, short(byid[uid][2], 300)))
    return ran


class Tap:
    def __init__(self, start):
        self.n = start
        self.failed = False

    def line(self, ok, text):
        self.n += 1
        print('%sok %d - %s' % ('' if ok else 'not ', self.n, text))
        sys.stdout.flush()
        if not ok:
            self.failed = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--db', required=True, help='database of the superuser run (and of the catalog)')
    ap.add_argument('--worker-db', help='database of the worker run (default --db)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--superuser', default=os.environ.get('PGUSER', 'postgres'))
    ap.add_argument('--worker', help='login of the worker run (omit to skip it)')
    ap.add_argument('--count', type=int, default=6000, help='statements per role')
    ap.add_argument('--worker-count', type=int, help='statements of the worker run (default --count)')
    ap.add_argument('--server-log', help='the server log, read for "terminated by signal"')
    ap.add_argument('--psql', default='psql')
    ap.add_argument('--timeout', type=int, default=600, help='seconds for one psql run')
    ap.add_argument('--min-total', type=int, default=10000, help='statements the roles must run together')
    ap.add_argument('--max-crashes', type=int, default=25, help='crashes after which the run of a role stops')
    ap.add_argument('--catalog', metavar='FILE',
                    help='read the catalog from FILE when it exists, else save it there (to print the '
                         'statements of a run later, after the database changed)')
    ap.add_argument('--keep', metavar='DIR', help='copy the scripts, psql output and catalog of the run to DIR')
    ap.add_argument('--tap-start', type=int, default=0, help='number of the TAP lines before ours')
    ap.add_argument('--role', choices=['superuser', 'worker'], help='run only this role')
    ap.add_argument('--print', type=int, metavar='N', help='print statement N of --role and exit')
    ap.add_argument('--dump', action='store_true', help='print every statement of --role and exit')
    args = ap.parse_args()

    if args.catalog and os.path.exists(args.catalog):
        with open(args.catalog) as fh:
            cat = json.load(fh)
    else:
        cat = load_catalog(args)
        if args.catalog:
            with open(args.catalog, 'w') as fh:
                json.dump(cat, fh)
    workdir = tempfile.mkdtemp(prefix='gridgov-fuzz.')
    os.chmod(workdir, 0o755)
    try:
        roles = [('superuser', args.superuser, args.db, args.count)]
        if args.worker:
            roles.append(('worker', args.worker, args.worker_db or args.db, args.worker_count or args.count))
        if args.role:
            roles = [r for r in roles if r[0] == args.role] or [(args.role, args.superuser, args.db, args.count)]
        if args.print is not None or args.dump:
            for role, _, _, count in roles:
                for uid, kind, sql in generate(cat, args.seed, role, count, workdir):
                    if args.dump or uid == args.print:
                        print('-- %s #%d (%s)\n%s' % (role, uid, kind, sql))
            return 0
        print('# gridgov generated fuzz: seed %d; %d C functions, %d C-triggered tables, %d cases'
              % (args.seed, len(cat['functions']), len(cat['c_trigger_tables']), len(cat['case_ids'])))
        tap = Tap(args.tap_start)
        total = 0
        for role, user, db, count in roles:
            total += run_role(args, cat, role, user, db, count, workdir, tap)
        tap.line(total >= args.min_total, 'generated fuzz ran %d statements (at least %d)' % (total, args.min_total))
        return 1 if tap.failed else 0
    finally:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            with open(os.path.join(workdir, 'catalog.json'), 'w') as fh:
                json.dump(cat, fh)
            for name in os.listdir(workdir):
                shutil.copy(os.path.join(workdir, name), args.keep)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())

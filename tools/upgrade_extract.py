#!/usr/bin/env python3
"""Extract objects of the install script (src/sql/NNN_*.sql) for an upgrade
fragment, so that a fragment repeats the install script's text exactly.

  tools/upgrade_extract.py FILE function NAME [replace]   CREATE [OR REPLACE] FUNCTION/PROCEDURE
                                                          gridgov.NAME(...) through its COMMENT
  tools/upgrade_extract.py FILE policy NAME                CREATE POLICY NAME ... ;
  tools/upgrade_extract.py FILE view NAME                  CREATE VIEW gridgov.NAME ... ; and the
                                                          COMMENT ON VIEW/COLUMN gridgov.NAME statements
                                                          that follow it
  tools/upgrade_extract.py FILE do_after TEXT              the first DO $$ ... $$; block after the
                                                          first occurrence of TEXT (e.g. the block
                                                          that comments a view's columns)
  tools/upgrade_extract.py FILE file                       the whole file

Prints to stdout.  A function block ends after its COMMENT ON statement (or
its own end when it has none)."""
import re
import sys


def statement_end(text, start):
    """Index just past the statement starting at start (dollar quotes and
    single-quoted strings respected)."""
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "'":
            j = i + 1
            while True:
                j = text.index("'", j)
                if j + 1 < n and text[j + 1] == "'":
                    j += 2
                    continue
                break
            i = j + 1
            continue
        if c == '$':
            m = re.match(r'\$[A-Za-z_]*\$', text[i:])
            if m:
                tag = m.group(0)
                i = text.index(tag, i + len(tag)) + len(tag)
                continue
        if c == '-' and text.startswith('--', i):
            i = text.index('\n', i)
            continue
        if c == ';':
            return i + 1
        i += 1
    raise SystemExit('unterminated statement')


def function(text, name, replace):
    m = re.search(r'^CREATE (FUNCTION|PROCEDURE) gridgov\.%s\(' % re.escape(name), text, re.M)
    if not m:
        raise SystemExit('no function %s' % name)
    end = statement_end(text, m.start())
    if 'BEGIN ATOMIC' in text[m.start():end]:
        # A SQL-standard body: its statements end with ';' up to its END;
        end = text.index('\nEND;', m.start()) + len('\nEND;')
    block = text[m.start():end]
    c = re.compile(r'\s*COMMENT ON (FUNCTION|PROCEDURE) gridgov\.%s\(' % re.escape(name))
    cm = c.match(text, end)
    if cm:
        end = statement_end(text, cm.start())
        block = text[m.start():end]
    if replace:
        block = re.sub(r'^CREATE (FUNCTION|PROCEDURE)', r'CREATE OR REPLACE \1', block, count=1)
    return block + '\n'


def policy(text, name):
    m = re.search(r'^CREATE POLICY %s ' % re.escape(name), text, re.M)
    if not m:
        raise SystemExit('no policy %s' % name)
    return text[m.start():statement_end(text, m.start())] + '\n'


def view(text, name):
    m = re.search(r'^CREATE VIEW gridgov\.%s( |\n)' % re.escape(name), text, re.M)
    if not m:
        raise SystemExit('no view %s' % name)
    end = statement_end(text, m.start())
    c = re.compile(r'\s*COMMENT ON (VIEW gridgov\.%s |COLUMN gridgov\.%s\.)' % (re.escape(name), re.escape(name)))
    while True:
        cm = c.match(text, end)
        if not cm:
            break
        end = statement_end(text, cm.start())
    return text[m.start():end] + '\n'


def main():
    path, kind = sys.argv[1], sys.argv[2]
    text = open(path, encoding='utf-8').read()
    if kind == 'file':
        sys.stdout.write(text)
    elif kind == 'function':
        sys.stdout.write(function(text, sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == 'replace'))
    elif kind == 'view':
        sys.stdout.write(view(text, sys.argv[3]))
    elif kind == 'do_after':
        start = text.index('DO $$', text.index(sys.argv[3]))
        sys.stdout.write(text[start:statement_end(text, start)] + '\n')
    elif kind == 'policy':
        sys.stdout.write(policy(text, sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()

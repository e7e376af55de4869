# gridgov: PGXS build.
#
#   make            build the extension (C module + concatenated install script)
#   make install    install it into the PostgreSQL found by PG_CONFIG
#   make test       install missing packages, build, install, run every suite in a
#                   throwaway instance (see tools/test.sh)
#   make demo       the same set-up, then a demo instance under ./.demo/
#   make bench      benchmarks, printed side by side with ratios
#
# C sources are every src/LAYER/*.c (core, types, geo, cases, time: the layers
# of the numbered ranges of src/sql); the install script is every
# src/sql/NNN_*.sql concatenated in name order; regression suites are every
# sql/*.sql in name order.

EXTENSION   = gridgov
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big  = gridgov
SRC_LAYERS  = core types geo cases time
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard $(addsuffix /*.c,$(addprefix src/,$(SRC_LAYERS))))))

SQL_PARTS   = $(sort $(wildcard src/sql/[0-9]*.sql))
# Releases: src/sql/releases/ keeps every earlier version's install script as
# shipped (frozen: never edited); src/sql/upgrade/FROM--TO/NNN_*.sql are the
# fragments of the upgrade script FROM--TO, concatenated in name order after
# src/sql/upgrade/header.sql.  Every change to the install script ships the same
# change as a fragment of the upgrade to the current version; test/shell/upgrade.sh
# checks that the previous version plus ALTER EXTENSION UPDATE equals a fresh install.
UPGRADES    = $(notdir $(wildcard src/sql/upgrade/*--*))
UPGRADE_SQL = $(addprefix $(EXTENSION)--,$(addsuffix .sql,$(UPGRADES)))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_SQL)
DATA        = $(wildcard src/sql/releases/$(EXTENSION)--*.sql)

REGRESS     = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=plpgsql

PG_CONFIG  ?= pg_config
PG_INCLUDE  = $(shell $(PG_CONFIG) --includedir-server)
# -isystem keeps the server headers' own warnings out of -Wextra; our code is held
# to -Wall -Wextra -Werror.
PG_CPPFLAGS = -isystem $(PG_INCLUDE) $(addprefix -Isrc/,$(SRC_LAYERS))
PG_CFLAGS   = -Wall -Wextra -Werror
# Each object's header dependencies (src/LAYER/*.d), so that a changed header
# rebuilds every file that includes it.
PG_CFLAGS  += -MMD -MP

EXTRA_CLEAN = $(DATA_built) .test .bench regression.diffs regression.out results $(OBJS:.o=.d)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@

.SECONDEXPANSION:
$(UPGRADE_SQL): $(EXTENSION)--%.sql: src/sql/upgrade/header.sql $$(sort $$(wildcard src/sql/upgrade/%/*.sql))
	cat $^ > $@

.PHONY: test demo demo-stop bench
test:
	tools/test.sh

demo:
	tools/demo.sh start

demo-stop:
	tools/demo.sh stop

bench:
	tools/bench.sh

# shellcheck shell=bash
# Shared helpers for tools/test.sh, tools/demo.sh and tools/bench.sh:
# dependency installation, build + install, and throwaway PostgreSQL instances
# whose data directory, socket directory and log live inside the build tree.
#
# Environment knobs:
#   PG_MAJOR      PostgreSQL major version to use (default 15)
#   PG_CONFIG     pg_config to build against (default the one of PG_MAJOR)
#   GRIDGOV_SKIP_DEPS=1   do not check or install packages

set -euo pipefail

GG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}

# Packages the build and the suites need, on Debian 12.
GG_PACKAGES=(
	"postgresql-$PG_MAJOR"
	"postgresql-server-dev-$PG_MAJOR"
	"postgresql-$PG_MAJOR-postgis-3"
	"postgresql-$PG_MAJOR-cron"
	"postgresql-$PG_MAJOR-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	gdal-bin
	sqlsmith
	python3
	make
	gcc
	# The gateway suite (test/shell/gateway.sh): the command-center screen is
	# tested in Debian's chromium (puppeteer-core), its Chinese text drawn
	# with a CJK font.  Node itself: gg_install_node below.
	chromium
	fonts-wqy-microhei
)

gg_log() { printf '%s\n' "gridgov: $*" >&2; }
gg_die() { gg_log "error: $*"; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
gg_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		gg_die "need root for: $* (run as root or install sudo)"
	fi
}

gg_install_deps() {
	[ "${GRIDGOV_SKIP_DEPS:-0}" = 1 ] && return 0
	gg_install_node
	local missing=() pkg
	for pkg in "${GG_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null 2>&1 ||
		gg_die "missing packages ${missing[*]} and no apt-get to install them"
	gg_log "installing ${missing[*]}"
	gg_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	gg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# The gateway (gateway/, test/shell/gateway.sh) needs Node.js >= 20 and npm.
# When there is no `node` at all, Debian's nodejs and npm are installed, the
# way the other packages are (GRIDGOV_SKIP_DEPS=1 skips it).  Debian 12's
# nodejs is 18: then Node 20 itself comes from the npm registry (the package
# node-linux-<arch>@20, the official binaries) into $GG_ROOT/.node, which
# gg_node_path puts first on PATH.  An existing node of 20 or later is left
# alone (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
gg_install_node() {
	[ "${GRIDGOV_SKIP_DEPS:-0}" = 1 ] && return 0
	gg_node_path
	if ! command -v node >/dev/null 2>&1; then
		command -v apt-get >/dev/null 2>&1 || gg_die "node is missing and there is no apt-get to install it"
		gg_log "installing nodejs npm"
		gg_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		gg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends nodejs npm >/dev/null
	fi
	[ "$(gg_node_major)" -ge 20 ] && return 0
	local arch
	case "$(uname -m)" in
	x86_64) arch=x64 ;;
	aarch64) arch=arm64 ;;
	*) gg_log "no Node 20 package for $(uname -m) on the npm registry"; return 0 ;;
	esac
	gg_log "node $(node --version) is older than 20: installing node-linux-$arch@20 from the npm registry into .node/"
	npm install --no-audit --no-fund --prefix "$GG_ROOT/.node" "node-linux-$arch@20" >/dev/null ||
		gg_die "could not install node-linux-$arch@20 (npm registry)"
	gg_node_path
}

# gg_node_path: the Node 20 that gg_install_node put into $GG_ROOT/.node, if
# any, first on PATH.
gg_node_path() {
	local bin
	for bin in "$GG_ROOT"/.node/node_modules/node-linux-*/bin; do
		[ -x "$bin/node" ] || continue
		case ":$PATH:" in *":$bin:"*) ;; *) PATH=$bin:$PATH ;; esac
		export PATH
	done
}

# gg_gateway_npm LOG: `npm ci` in gateway/ when node_modules is missing or older
# than package-lock.json (the npm registry must be reachable then); npm's
# output into LOG.  Used by test/shell/gateway.sh and make demo.
gg_gateway_npm() {
	if [ ! -f "$GG_ROOT/gateway/node_modules/.package-lock.json" ] ||
		[ "$GG_ROOT/gateway/package-lock.json" -nt "$GG_ROOT/gateway/node_modules/.package-lock.json" ]; then
		(cd "$GG_ROOT/gateway" && npm ci --no-audit --no-fund) >"$1" 2>&1
	fi
}

# gg_node_major: the major version of `node` on PATH (0 when there is none).
gg_node_major() {
	local v
	v=$(node -p 'process.versions.node' 2>/dev/null) || { echo 0; return; }
	echo "${v%%.*}"
}

gg_pg_config() {
	if [ -n "${PG_CONFIG:-}" ]; then
		echo "$PG_CONFIG"
	elif [ -x "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" ]; then
		echo "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
	else
		command -v pg_config || gg_die "pg_config not found"
	fi
}

gg_bindir() { "$(gg_pg_config)" --bindir; }

# Hold a machine-wide lock for the rest of the calling script: a test or bench
# run installs the extension into the server's directories and then uses it, so
# two runs (from two checkouts) must not interleave.
gg_lock_machine() {
	exec 9>"${TMPDIR:-/tmp}/gridgov-run.lock"
	if ! flock -n 9; then
		gg_log "waiting for another gridgov test/bench run on this machine to finish"
		flock 9
	fi
}

gg_build_install() {
	local pgc
	pgc=$(gg_pg_config)
	gg_log "building against $("$pgc" --version)"
	make -C "$GG_ROOT" -s PG_CONFIG="$pgc" >/dev/null
	gg_as_root make -C "$GG_ROOT" -s PG_CONFIG="$pgc" install >/dev/null
}

# The OS user that owns and runs throwaway servers: postgres when we are root.
gg_server_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

gg_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Directory for an instance: DIR inside the build tree when the server user can
# reach it and the socket path is short enough, a private temporary directory
# otherwise (printed, and removed again on stop).
gg_instance_dir() {
	local want=$1
	mkdir -p "$want"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$want"
	fi
	if gg_as_server_user test -w "$want" && [ ${#want} -lt 80 ]; then
		echo "$want"
		return
	fi
	local tmp
	tmp=$(mktemp -d /tmp/gridgov-instance.XXXXXX)
	[ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
	echo "$tmp" >"$want/elsewhere"
	gg_log "the server user cannot use $want; instance placed in $tmp"
	echo "$tmp"
}

# A free TCP port on localhost, starting from $1.
gg_free_port() {
	local port=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	echo "$port"
}

# gg_start DIR PORT CRON_DB: initdb (if needed) and start a server in DIR with
# pg_cron preloaded for database CRON_DB, listening on PORT and a socket in DIR.
# gg_server_conf PORT SOCKETDIR CRONDB MAX_CONNECTIONS SHARED_BUFFERS: the
# settings of a throwaway instance (gg_start, the Citus nodes) for
# postgresql.auto.conf: fast and unsafe (fsync off), pg_cron serving CRONDB.
gg_server_conf() {
	cat <<EOF
port = $1
unix_socket_directories = '$2'
cron.database_name = '$3'
cron.use_background_workers = on
max_worker_processes = 16
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = $4
shared_buffers = $5
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
log_min_messages = warning
timezone = 'Asia/Shanghai'
EOF
}

gg_start() {
	local dir=$1 port=$2 crondb=$3 bindir
	bindir=$(gg_bindir)
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		gg_as_server_user "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log"; gg_die "initdb failed"; }
	fi
	{
		gg_server_conf "$port" "$dir" "$crondb" 60 256MB
		echo "listen_addresses = ''"
		echo "shared_preload_libraries = 'pg_cron'"
	} | gg_as_server_user tee "$dir/data/postgresql.auto.conf" >/dev/null
	gg_as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
		>/dev/null || { tail -n 30 "$dir/server.log" >&2; gg_die "server did not start"; }
}

gg_stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	gg_as_server_user "$(gg_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Stop an instance and, when it was placed outside the build tree, remove it.
gg_stop_and_clean() {
	local dir=$1
	gg_stop "$dir"
	case "$dir" in
	/tmp/gridgov-instance.*) rm -rf "$dir" ;;
	esac
}

# gg_demo_load DB [psql args...]: run the demo's steps (tools/demo/NNN_*.sql) in
# name order in database DB, which must exist (the first step creates gridgov in
# it).  The connection comes from the psql args (-h, -p, -U) or the PG*
# environment; the steps read data/ relative to GG_ROOT.  Used by make demo and
# by the fuzz suites (test/shell/fuzz_*.sh), which pass -v demo_map=/dev/null.
gg_demo_load() {
	local db=$1 step
	shift
	for step in "$GG_ROOT"/tools/demo/[0-9]*.sql; do
		(cd "$GG_ROOT" && "$(gg_bindir)/psql" -X -v ON_ERROR_STOP=1 -q -P pager=off "$@" \
			-d "$db" -f "tools/demo/${step##*/}") || return 1
	done
}

# gg_demo_instance DIR PORT DB [psql args...]: the demo's instance: a server in
# DIR (gg_start, pg_cron serving DB), database DB with the demo loaded
# (gg_demo_load), then pg_cron installed in it and gridgov's jobs scheduled
# (gridgov.schedule_jobs()), after the load, so that the steps' own sweeps at
# their explicit times run first.  Used by make demo and by
# test/shell/demo_jobs.sh, which checks that the jobs run there.
gg_demo_instance() {
	local dir=$1 port=$2 db=$3
	shift 3
	gg_start "$dir" "$port" "$db"
	gg_psql "$dir" "$port" postgres -q -c "CREATE DATABASE $db"
	gg_demo_load "$db" -h "$dir" -p "$port" -U postgres "$@"
	gg_psql "$dir" "$port" "$db" -q -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION IF NOT EXISTS pg_cron" -c "SELECT * FROM gridgov.schedule_jobs()" >/dev/null
}

# gg_demo_intake DIR PORT DB [psql args...]: make demo's assisted intake
# (tools/demo-intake.sql: the shipped corpus as closed history, a category
# model, a 12345 call with words and an address only), on the demo database.
# Used by make demo and by test/shell/demo_jobs.sh.
gg_demo_intake() {
	local dir=$1 port=$2 db=$3
	shift 3
	(cd "$GG_ROOT" && gg_psql "$dir" "$port" "$db" -P pager=off "$@" -f tools/demo-intake.sql)
}

# psql against an instance: gg_psql DIR PORT DB [psql args...]
gg_psql() {
	local dir=$1 port=$2 db=$3
	shift 3
	"$(gg_bindir)/psql" -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d "$db" "$@"
}

# ---------------------------------------------------------------------------
# Citus (the scale-out suite, test/shell/citus.sh; docs/development.md, "The
# Citus suite").

# gg_citus_available: 0 when Citus is installed in PG_CONFIG's PostgreSQL
# (citus.so in its pkglibdir), or when it could be built and installed there
# from $GG_ROOT/../shared/citus (build.sh, about 2.5 minutes; its output in
# GG_CITUS_BUILD_LOG, default $GG_ROOT/.test-citus-build.log, its build tree
# in a temporary directory that is removed when the build worked).  Otherwise
# prints the reason on stdout and returns 1; GRIDGOV_SKIP_CITUS=1 skips Citus.
gg_citus_available() {
	local pgc libdir script log build
	if [ "${GRIDGOV_SKIP_CITUS:-0}" = 1 ]; then
		echo "GRIDGOV_SKIP_CITUS=1"
		return 1
	fi
	pgc=$(gg_pg_config)
	libdir=$("$pgc" --pkglibdir)
	[ -f "$libdir/citus.so" ] && return 0
	script=$GG_ROOT/../shared/citus/build.sh
	if [ ! -f "$script" ]; then
		echo "Citus is not installed in $libdir and there is no $script to build it"
		return 1
	fi
	log=${GG_CITUS_BUILD_LOG:-$GG_ROOT/.test-citus-build.log}
	build=$(mktemp -d /tmp/gridgov-citus-build.XXXXXX)
	gg_log "building Citus from $script into $libdir (log: $log)"
	if ! PG_CONFIG=$pgc bash "$script" "$build" >"$log" 2>&1; then
		echo "building Citus with $script failed (log: $log, build tree: $build)"
		return 1
	fi
	rm -rf "$build"
	if [ ! -f "$libdir/citus.so" ]; then
		echo "$script ran but $libdir/citus.so is not there (log: $log)"
		return 1
	fi
}

# gg_citus_start DIR DB: a Citus cluster of a coordinator and two workers,
# instances DIR/n0 (the coordinator), DIR/n1 and DIR/n2 (gg_start's settings,
# citus and pg_cron preloaded, pg_cron serving DB, listening on localhost
# TCP, which Citus uses between nodes, and on a socket in the instance's
# directory), each with database DB holding the citus extension, the workers
# added to the coordinator.  Sets GG_CITUS_PORTS=(coordinator worker1 worker2).
# Returns 1 (after logging why) when a node does not come up; gg_citus_stop
# DIR stops whatever was started.
gg_citus_start() {
	local dir=$1 db=$2 port=56200 i
	GG_CITUS_PORTS=()
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
	for i in 0 1 2; do
		port=$(gg_citus_start_node "$dir/n$i" "$port" "$db") || return 1
		GG_CITUS_PORTS+=("$port")
		port=$((port + 1))
	done
	for i in 0 1 2; do
		gg_psql "$dir/n$i" "${GG_CITUS_PORTS[$i]}" postgres -q -c "CREATE DATABASE $db" &&
			gg_psql "$dir/n$i" "${GG_CITUS_PORTS[$i]}" "$db" -q \
				-c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" ||
			{ gg_log "citus: could not create $db with citus on node $i"; return 1; }
	done
	gg_psql "$dir/n0" "${GG_CITUS_PORTS[0]}" "$db" -q -o /dev/null \
		-c "SELECT pg_catalog.citus_set_coordinator_host('localhost', ${GG_CITUS_PORTS[0]})" \
		-c "SELECT pg_catalog.citus_add_node('localhost', ${GG_CITUS_PORTS[1]})" \
		-c "SELECT pg_catalog.citus_add_node('localhost', ${GG_CITUS_PORTS[2]})" ||
		{ gg_log "citus: could not add the workers to the coordinator"; return 1; }
	gg_log "citus cluster in $dir: coordinator port ${GG_CITUS_PORTS[0]}," \
		"workers ${GG_CITUS_PORTS[1]} and ${GG_CITUS_PORTS[2]}"
}

# gg_citus_start_node DIR PORT DB: initdb and start one node of gg_citus_start
# on the first free port from PORT (the next one when another server takes
# it first); prints the port.
gg_citus_start_node() {
	local dir=$1 port=$2 db=$3 bindir try
	bindir=$(gg_bindir)
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
	gg_as_server_user "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
		-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; gg_log "citus: initdb failed in $dir"; return 1; }
	for try in 1 2 3 4 5; do
		port=$(gg_free_port "$port")
		{
			gg_server_conf "$port" "$dir" "$db" 200 128MB
			cat <<EOF
listen_addresses = 'localhost'
shared_preload_libraries = 'citus,pg_cron'
wal_level = logical
citus.enable_statistics_collection = off
citus.enable_unsafe_triggers = on
EOF
		} | gg_as_server_user tee "$dir/data/postgresql.auto.conf" >/dev/null
		if gg_as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			start >/dev/null; then
			echo "$port"
			return 0
		fi
		# Another server took the port between the probe and the start: the
		# next one; any other failure ends here.
		grep -q 'could not bind\|Address already in use' "$dir/server.log" || break
		port=$((port + 1))
	done
	tail -n 30 "$dir/server.log" >&2
	gg_log "citus: the node in $dir did not start"
	return 1
}

# gg_citus_stop DIR: stop the nodes of gg_citus_start DIR (fast shutdown);
# for traps: never fails.
gg_citus_stop() {
	local dir=$1 i
	for i in 0 1 2; do
		gg_stop "$dir/n$i"
	done
}

# A Node 20 installed by gg_install_node into .node/ comes first for every script.
gg_node_path

#!/usr/bin/env bash
# End-to-end benchmarks behind BENCHMARKS.md: ingest (import, POST /cases) and search
# (indexing, HTTP latency, FTS5 baseline, RSS of serve), on SQLite or, with
# SAFETABLE_DATABASE_URL=postgres://…, on PostgreSQL (each run uses fresh databases:
# give a server URL ending in /postgres and the script creates and drops its own).
#
#   benches/run.sh CASES_10K.jsonl EXTRA_CASES.jsonl CASES_100K.jsonl
#
# SKIP_INGEST=1 runs the search part alone.
# The corpora come from ../shared/tools/gen_cases.py (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
small=$1 extra=$2 large=$3

cargo build --release --quiet
cargo bench --bench load --no-run --quiet 2>/dev/null
bin=target/release/safetable
load=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -n 1)
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

pg_admin=${SAFETABLE_DATABASE_URL:-}
fresh_db() { # $1 data dir, $2 name
    if [[ $pg_admin == postgres* ]]; then
        psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2"
        export SAFETABLE_DATABASE_URL="${pg_admin%/*}/$2"
    else
        unset SAFETABLE_DATABASE_URL
    fi
    export SAFETABLE_DATA_DIR=$1
    $bin init >/dev/null
    $bin org add Bench >/dev/null
    $bin org add PSO >/dev/null
    $bin user add contributor@bench.invalid --org Bench --role contributor >/dev/null
    $bin user add curator@bench.invalid --org PSO --role curator >/dev/null
    $bin user add member@bench.invalid --org Bench --role member >/dev/null
}
token() { $bin token create "$1" | tail -n 1; }
rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
start_server() {
    $bin serve --bind 127.0.0.1:0 > "$work/serve.out" 2>/dev/null &
    server_pid=$!
    for _ in $(seq 1 200); do
        url=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -n 1 || true)
        [ -n "$url" ] && return 0
        sleep 0.1
    done
    echo "serve did not start" >&2; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }
timed() { # prints wall seconds and peak RSS (kB) of a command
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
    cat "$work/time"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024/1024)" GiB"}' /proc/meminfo), backend: ${pg_admin:-sqlite}"

if [ -z "${SKIP_INGEST:-}" ]; then
echo "== ingest"
fresh_db "$work/ingest" safetable_bench_ingest
n=$(grep -c . "$small")
read -r secs rss < <(timed $bin import "$small" --org Bench --ids-out "$work/ids.tsv")
awk -v n="$n" -v s="$secs" -v r="$rss" 'BEGIN {printf "import: %d cases in %.1f s = %.0f cases/s, peak RSS %.0f MB\n", n, s, n/s, r/1024}'
start_server
$load post "$url" "$(token contributor@bench.invalid)" "$extra" 8
stop_server
fi

echo "== search"
fresh_db "$work/search" safetable_bench_search
n=$(grep -c . "$large")
read -r secs rss < <(timed $bin import "$large" --org Bench --publish --ids-out "$work/ids100k.tsv")
awk -v n="$n" -v s="$secs" -v r="$rss" 'BEGIN {printf "import --publish: %d cases in %.1f s = %.0f cases/s, peak RSS %.0f MB\n", n, s, n/s, r/1024}'
read -r secs rss < <(timed $bin reindex)
awk -v n="$n" -v s="$secs" 'BEGIN {printf "reindex (indexing rate): %d cases in %.1f s = %.0f cases/s\n", n, s, n/s}'
start_server
member=$(token member@bench.invalid)
$load search "$url" "$member" "$work/search"
# The search page is a signed-in page: the member's token serves as its session cookie,
# and the one-time password `user add` gave must count as changed.
if [[ $pg_admin == postgres* ]]; then
    psql -q "$SAFETABLE_DATABASE_URL" -c "UPDATE users SET password_change_required = FALSE"
else
    python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('UPDATE users SET password_change_required = 0'); c.commit()" "$work/search/safetable.db"
fi
$load pages "$url" "$member"
echo "serve peak RSS after the search runs: $(( $(rss_kb "$server_pid") / 1024 )) MB"
stop_server

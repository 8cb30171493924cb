#!/usr/bin/env bash
# HTTP benchmark of the forum's read pages against a large seeded database, then the same
# load against django-machina (the peer), printed as ratios. See bench/README.md.
#
#   bash bench/run_bench.sh                   # PostgreSQL database community_bench
#   BENCH_DB=sqlite bash bench/run_bench.sh   # SQLite file bench/out/bench.sqlite3
#
# env: BENCH_DB=postgres|sqlite, SKIP_SEED=1 (reuse the seeded database), RUN_PEER=0 (skip
#      machina) or RUN_PEER=reuse (compare with the last machina log), PORT (default 8102),
#      SEED_ARGS (passed to seed_large.py), PG_URL (server URL without database, default
#      postgres://community:community@localhost:5432),
#      WRK_* / GUNICORN_WORKERS as in the peer's lib.sh (2 threads, 8 connections, 10 s, 2 workers).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-/work/shared/bench/peers}
BENCH_DB=${BENCH_DB:-postgres}
PORT=${PORT:-8102}
RUN_PEER=${RUN_PEER:-1}
PG_URL=${PG_URL:-postgres://community:community@localhost:5432}
BASE=$ROOT/bench/out          # lib.sh's bench_url keeps the last body here
mkdir -p "$BASE"
RESULTS=$BASE/results-ours-$BENCH_DB.txt
SUMMARY=$BASE/summary-$BENCH_DB.txt
PY=$ROOT/.venv/bin/python
# shellcheck source=/dev/null
source "$PEERS/lib.sh"
trap stop_gunicorn EXIT

# shellcheck source=bench/production_env.sh
source "$ROOT/bench/production_env.sh"
if [ "$BENCH_DB" = postgres ]; then
  export DATABASE_URL=$PG_URL/community_bench
  # Production runs with Redis as cache and broker (DESIGN.md); use a DB index of our own.
  if redis-cli -n 13 ping >/dev/null 2>&1; then export REDIS_URL=redis://localhost:6379/13; fi
  if [ "${SKIP_SEED:-0}" != 1 ]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS community_bench" \
                            -qc "CREATE DATABASE community_bench"
  fi
else
  # The embedded default: SQLite in WAL mode, file cache, no server at all.
  export SQLITE_PATH=$BASE/bench.sqlite3
  [ "${SKIP_SEED:-0}" != 1 ] && rm -f "$SQLITE_PATH" "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"
fi

cd "$ROOT"
echo "### ours: db=$BENCH_DB  $(git rev-parse --short HEAD 2>/dev/null || echo '?')  $(date -u +%FT%TZ)"
$PY manage.py migrate --no-input -v0   # also with SKIP_SEED: the code may have new tables
if [ "${SKIP_SEED:-0}" != 1 ]; then
  $PY bench/seed_large.py --out "$BASE/seed-$BENCH_DB.json" ${SEED_ARGS:-}
fi
$PY manage.py collectstatic --no-input -v0

read -r BIG BIG_LAST NORMAL CAT < <($PY - "$BASE/seed-$BENCH_DB.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["big_thread_id"], s["big_thread_last_page"], s["normal_thread_id"], s["category_slug"])
EOF
)
cat > "$BASE/urls-$BENCH_DB.txt" <<EOF
home /
category /c/$CAT/
thread /t/$NORMAL/
thread_big /t/$BIG/
thread_big_last /t/$BIG/?page=$BIG_LAST
EOF

echo "### queries per page view (anonymous, django.test.Client)"
$PY bench/count_queries.py "$BASE/urls-$BENCH_DB.txt"

ensure_wrk
: > "$RESULTS"
: > "$BASE/gunicorn-$BENCH_DB.log"
start_gunicorn "$ROOT/.venv" config.wsgi:application "$PORT" "$ROOT" "$BASE/gunicorn-$BENCH_DB.log"
echo "### wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION, gunicorn -w $GUNICORN_WORKERS (sync), DEBUG=False, anonymous"
while read -r label url; do
  bench_url "$label" "http://127.0.0.1:$PORT$url" "$RESULTS" || true
done < "$BASE/urls-$BENCH_DB.txt" | tee "$SUMMARY"
stop_gunicorn
echo "tracebacks in gunicorn log: $(grep -c Traceback "$BASE/gunicorn-$BENCH_DB.log" || true)"

[ "$RUN_PEER" = 0 ] && exit 0

# ---------------------------------------------------------------- the peer, same session
PEER_LOG=$BASE/machina-$BENCH_DB.log
if [ "$RUN_PEER" = reuse ] && [ -s "$PEER_LOG" ]; then
  echo "### peer: django-machina, figures reused from $PEER_LOG"
else
  echo "### peer: django-machina (log: $PEER_LOG)"
  PEER_DB=$([ "$BENCH_DB" = postgres ] && echo postgres || echo sqlite) \
    REUSE_VENV=${REUSE_VENV:-1} bash "$PEERS/machina.sh" 2>&1 | tee "$PEER_LOG" \
    | grep -E '^(###|  |    |---)' || true
fi

echo "### ours / machina (req/s ratio >1 and p50 ratio <1 mean we are faster)"
# ours label -> machina label: the pages that do the same job.
$PY - "$SUMMARY" "$PEER_LOG" <<'EOF'
import re, sys

PAIRS = [("home", "index"), ("category", "forum"), ("thread_big", "topic"),
         ("thread_big_last", "topic_last"), ("thread", None)]
LINE = re.compile(r"^\s*(\S+)/new\s+req/s=(\S+)\s+p50=(\S+)\s+p99=(\S+)")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}

def ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)$", value)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

def parse(path):
    rows = {}
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), ms(m.group(3)), ms(m.group(4)))
    return rows

ours, peer = parse(sys.argv[1]), parse(sys.argv[2])
print(f"  {'page':<16} {'ours req/s':>10} {'p50 ms':>8} {'p99 ms':>8} | {'machina':<10} "
      f"{'req/s':>8} {'p50 ms':>8} | {'req/s x':>7} {'p50 x':>6}")
for mine, theirs in PAIRS:
    if mine not in ours:
        print(f"  {mine:<16} (no result)")
        continue
    r, p50, p99 = ours[mine]
    row = f"  {mine:<16} {r:>10.1f} {p50:>8.1f} {p99:>8.1f} | "
    if theirs and theirs in peer:
        pr, pp50, _ = peer[theirs]
        row += f"{theirs:<10} {pr:>8.1f} {pp50:>8.1f} | {r / pr:>7.2f} {p50 / pp50:>6.2f}"
    else:
        row += f"{'-':<10} {'':>8} {'':>8} | {'n/a':>7}"
    print(row)
EOF

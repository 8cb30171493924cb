#!/usr/bin/env bash
# Import throughput and search latency on a synthetic Stack Exchange dump (PostgreSQL).
#
#   bash bench/import_synth.sh                      # 1,000,000 posts
#   SYNTH_POSTS=100000 bash bench/import_synth.sh   # a smaller run
#
# 1. Generates bench/out/synth<N>.stackexchange.com with bench/se_synth_dump.py (reused
#    when a complete one with the same size and seed is there).
# 2. Drops and recreates the database $SYNTH_DB (default community_synth), migrates.
# 3. Runs `manage.py import_stackexchange` on it: total time, time per phase, posts/s.
# 4. VACUUM ANALYZE, then bench/search_latency.py: $LATENCY_N titles from the dump sent to
#    suggestions and full search (p50/p95), and EXPLAIN ANALYZE of both queries.
# Everything goes to bench/out/import_synth-<N>.{log,txt}; the summary is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${SYNTH_POSTS:-1000000}
SEED=${SYNTH_SEED:-1}
PG_URL=${PG_URL:-postgres://community:community@localhost:5432}
DB=${SYNTH_DB:-community_synth}
LATENCY_N=${LATENCY_N:-500}
WORKERS=${IMPORT_WORKERS:-}
# 100, not the command's 500: PostgreSQL only uses the partial unique indexes on
# external_ref (WHERE external_ref <> '') for an IN list of at most 100 values, and the
# history and comment imports look rows up by external_ref once per batch.
BATCH_SIZE=${BATCH_SIZE:-100}
# RESUME=1: keep the database and run the import again (finishes an interrupted one).
RESUME=${RESUME:-0}
PY=.venv/bin/python
OUT=bench/out
DUMP=$OUT/synth${POSTS}.stackexchange.com
LOG=$OUT/import_synth-${POSTS}.log
SUMMARY=$OUT/import_synth-${POSTS}.txt
mkdir -p "$OUT"
[[ "$RESUME" == 1 ]] || : >"$LOG"

export DJANGO_ENV=test DATABASE_URL="$PG_URL/$DB" REDIS_URL=${REDIS_URL:-redis://localhost:6379/11}

if [[ "$(cat "$DUMP/COMPLETE" 2>/dev/null)" != "posts=$POSTS seed=$SEED" ]]; then
    echo "== generating $DUMP" | tee -a "$LOG"
    $PY bench/se_synth_dump.py "$DUMP" --posts "$POSTS" --seed "$SEED" 2>>"$LOG" | tee "$OUT/synth-dump-${POSTS}.txt"
else
    echo "== reusing $DUMP" | tee -a "$LOG"
fi

if [[ "$RESUME" == 1 ]]; then
    echo "== resuming the import into $DB" | tee -a "$LOG"
else
    echo "== fresh database $DB" | tee -a "$LOG"
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >>"$LOG"
    $PY manage.py migrate -v0 >>"$LOG"
fi

echo "== import (progress in $LOG)" | tee -a "$LOG"
started=$(date +%s.%N)
$PY manage.py import_stackexchange "$DUMP" --batch-size "$BATCH_SIZE" ${WORKERS:+--workers "$WORKERS"} \
    >"$OUT/import_synth-${POSTS}.import.txt" 2>>"$LOG"
ended=$(date +%s.%N)
cat "$OUT/import_synth-${POSTS}.import.txt"

echo "== search latency" | tee -a "$LOG"
psql "$DATABASE_URL" -qc "VACUUM ANALYZE" >>"$LOG" 2>&1
$PY bench/search_latency.py --n "$LATENCY_N" --dump "$DUMP" --explain \
    >"$OUT/import_synth-${POSTS}.latency.txt" 2>>"$LOG"
cat "$OUT/import_synth-${POSTS}.latency.txt"

$PY - "$OUT/import_synth-${POSTS}.import.txt" "$started" "$ended" "$POSTS" <<'PYEOF' | tee "$SUMMARY"
import re, sys
text = open(sys.argv[1]).read()
total = float(sys.argv[3]) - float(sys.argv[2])
n = {k: int(v.replace(",", "")) for k, v in re.findall(r"^(\w+)\s+([\d,]+) imported", text, re.M)}
posts = n.get("questions", 0) + n.get("answers", 0)
print(f"synthetic dump: {int(sys.argv[4]):,} posts; imported {posts:,} posts "
      f"({n.get('questions', 0):,} questions, {n.get('answers', 0):,} answers)")
print(f"import total: {total:,.0f}s = {posts / total:,.0f} posts/s overall")
phases = re.search(r"^time per phase: (.*)$", text, re.M)
if phases:
    for name, seconds in re.findall(r"([\w ]+?) ([\d.]+)s(?:, |$)", phases.group(1)):
        print(f"  {name.strip():<14} {float(seconds):8.1f}s")
    posts_phase = dict((k.strip(), float(v)) for k, v in re.findall(r"([\w ]+?) ([\d.]+)s(?:, |$)", phases.group(1)))
    if posts_phase.get("posts"):
        print(f"posts phase alone: {posts / posts_phase['posts']:,.0f} posts/s")
PYEOF

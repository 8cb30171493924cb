#!/usr/bin/env bash
# The read pages for a SIGNED-IN customer (never served from the anonymous page cache):
# same database, gunicorn and wrk parameters as run_bench.sh, with a real session cookie.
# Needs the database seeded by run_bench.sh (PostgreSQL, community_bench).
#
#   bash bench/signed_in_bench.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-/work/shared/bench/peers}
PORT=${PORT:-8103}
PG_URL=${PG_URL:-postgres://community:community@localhost:5432}
BASE=$ROOT/bench/out
RESULTS=$BASE/results-signed-in.txt
PY=$ROOT/.venv/bin/python
# shellcheck source=/dev/null
source "$PEERS/lib.sh"
trap stop_gunicorn EXIT

# shellcheck source=bench/production_env.sh
source "$ROOT/bench/production_env.sh"
export DATABASE_URL=$PG_URL/community_bench
if redis-cli -n 13 ping >/dev/null 2>&1; then export REDIS_URL=redis://localhost:6379/13; fi
[ -s "$BASE/seed-postgres.json" ] || { echo "run bash bench/run_bench.sh first (it seeds the database)" >&2; exit 1; }

cd "$ROOT"
$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
# A session for a seeded customer who asked none of the benchmarked threads (production
# cookie names; "Secure" cookies are still sent by wrk, it ignores the flag).
COOKIE=$($PY - <<'PY'
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
from django.test import Client
from accounts.models import User
user = User.objects.filter(is_staff=False, is_active=True, is_imported=False).order_by("-id").first()
client = Client()
client.force_login(user)
print(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
PY
)
read -r BIG BIG_LAST NORMAL CAT < <($PY - "$BASE/seed-postgres.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["big_thread_id"], s["big_thread_last_page"], s["normal_thread_id"], s["category_slug"])
PY
)
ensure_wrk
: > "$RESULTS"
start_gunicorn "$ROOT/.venv" config.wsgi:application "$PORT" "$ROOT" "$BASE/gunicorn-signed-in.log"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/settings/")
[ "$code" = 200 ] || { echo "the session cookie does not sign in (GET /settings/ -> $code)" >&2; exit 1; }
echo "### wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION, gunicorn -w $GUNICORN_WORKERS (sync), DEBUG=False, signed in"
for pair in "home /" "category /c/$CAT/" "thread /t/$NORMAL/" "thread_big /t/$BIG/" \
            "thread_big_last /t/$BIG/?page=$BIG_LAST"; do
  set -- $pair
  wrk_one "$1/signed-in" "http://127.0.0.1:$PORT$2" "$RESULTS" -H "Cookie: $COOKIE"
done | tee "$BASE/summary-signed-in.txt"

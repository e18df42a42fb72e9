#!/usr/bin/env bash
# Two application hosts behind HAProxy, simulated on this machine (`make serve-cluster`;
# docs/deploy.md, "Two hosts on one machine").
#
# Each host is gunicorn exactly as `make serve` runs it (gunicorn.conf.py), in a session of
# its own on its own port; HAProxy (deploy/haproxy.cfg) balances between them. All share the
# database (DATABASE_URL) and Redis (REDIS_URL). The database must exist and be migrated
# (the make target does both). Stops everything on SIGTERM/SIGINT, or when HAProxy exits; a
# host that dies (e.g. killed on purpose) is not restarted: HAProxy takes it out of rotation.
#
# Environment (defaults in brackets):
#   CLUSTER_BIND [127.0.0.1:8000]   the balancer's address — the one to open in a browser
#   CLUSTER_APP1 [127.0.0.1:8001]   CLUSTER_APP2 [127.0.0.1:8002]   the two hosts
#   CLUSTER_STATS [127.0.0.1:8404]  HAProxy's statistics page (CSV at /;csv)
#   CLUSTER_RUN_DIR [instance/cluster]  pid files (app1.pid, app2.pid, haproxy.pid) and logs
#   PYTHON [.venv/bin/python]       the interpreter that runs gunicorn
#   HAPROXY [haproxy]               the balancer's binary
#   CLUSTER_SCHEDULER [1]           0: start no scheduler (one runs elsewhere, or a test)
# plus everything `make serve` reads (WEB_CONCURRENCY, DATABASE_POOL_SIZE, …), per host.
set -euo pipefail
cd "$(dirname "$0")/.."

export CLUSTER_BIND="${CLUSTER_BIND:-127.0.0.1:8000}"
export CLUSTER_APP1="${CLUSTER_APP1:-127.0.0.1:8001}"
export CLUSTER_APP2="${CLUSTER_APP2:-127.0.0.1:8002}"
export CLUSTER_STATS="${CLUSTER_STATS:-127.0.0.1:8404}"
run_dir="${CLUSTER_RUN_DIR:-instance/cluster}"
python="${PYTHON:-.venv/bin/python}"
haproxy="${HAPROXY:-haproxy}"

if ! command -v "$haproxy" >/dev/null 2>&1; then
  echo "HAProxy is not installed: run 'make system-packages' (Debian package haproxy)." >&2
  exit 1
fi
: "${DATABASE_URL:?DATABASE_URL must name the shared PostgreSQL database}"
if [ -z "${REDIS_URL:-}" ]; then
  echo "REDIS_URL is not set: the hosts need Redis to share live updates and limits." >&2
  exit 1
fi
"$haproxy" -q -c -f deploy/haproxy.cfg

# Behind exactly one proxy: the hosts take the client's address from the X-Forwarded-For
# entry HAProxy appends. Idle keep-alive connections from HAProxy are kept longer than
# HAProxy keeps them, so HAProxy never reuses one the host has just closed.
export PROXY_FIX_HOPS="${PROXY_FIX_HOPS:-1}"
# Two hosts on one machine share its cores and its PostgreSQL's max_connections, so each gets
# about half of what `make serve` gives its one host: cores + 1 workers (not 2 × cores + 1),
# and 5 + 7 database connections per worker (not 5 + 10). Real hosts keep the defaults.
cores="$(nproc 2>/dev/null || echo 2)"
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-$((cores + 1))}"
export DATABASE_MAX_OVERFLOW="${DATABASE_MAX_OVERFLOW:-7}"
export GUNICORN_KEEPALIVE="${GUNICORN_KEEPALIVE:-90}"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-$REDIS_URL}"
unset GUNICORN_CONTROL_SOCKET

mkdir -p "$run_dir"
pids=()

stop() {
  # make passes its own SIGTERM on to this script as well: a second one must not cut the
  # clean-up short (the hosts would be left running).
  trap '' TERM INT
  trap - EXIT
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -f "$run_dir"/app1.pid "$run_dir"/app2.pid "$run_dir"/haproxy.pid
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Each host in a session of its own (setsid), so that it can be stopped — or killed, to test
# a failover — as a whole: master and workers, as if the machine had gone.
for n in 1 2; do
  address_var="CLUSTER_APP$n"
  BIND="${!address_var}" setsid "$python" -m gunicorn -c gunicorn.conf.py app:app \
    2>>"$run_dir/app$n.log" &
  pids+=("$!")
  echo "$!" >"$run_dir/app$n.pid"
  echo "app$n: gunicorn on ${!address_var} (pid $!, log $run_dir/app$n.log)"
done

# The balancer opens its port once both hosts answer (their workers import the application
# first), so its first health checks find them up.
"$python" - "$CLUSTER_APP1" "$CLUSTER_APP2" <<'PY' || echo "a host is not answering yet; HAProxy will add it when it does" >&2
import sys, time, urllib.request
deadline = time.monotonic() + 120
for address in sys.argv[1:]:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}/healthz", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit(1)
PY

# One scheduler for the cluster, as `make serve` runs one beside its server: the time-driven
# work (`flask tick`: reminders, expired silence procedures) and the e-mail queue. Sending
# claims each message under a row lock (SKIP LOCKED) and a tick is idempotent, so a second
# scheduler would do no harm, but one is enough. It ends with this script (--parent-pid).
if [ "${CLUSTER_SCHEDULER:-1}" != 0 ]; then
  "$python" -m flask --app app scheduler --parent-pid $$ 2>>"$run_dir/scheduler.log" &
  pids+=("$!")
  echo "scheduler: pid $! (log $run_dir/scheduler.log)"
fi

"$haproxy" -db -f deploy/haproxy.cfg &
pids+=("$!")
echo "$!" >"$run_dir/haproxy.pid"
echo "balancer: HAProxy on http://$CLUSTER_BIND (statistics on http://$CLUSTER_STATS/)"

wait "${pids[-1]}"

#!/bin/sh
# The one way every process of the site starts, in a container (the image's ENTRYPOINT) and outside one
# (README, "Production"):
#
#   entrypoint.sh web             gunicorn on $BIND
#   entrypoint.sh worker          a Celery worker for $WORKER_QUEUES (default: every queue)
#   entrypoint.sh beat            the Celery beat: exactly one per site
#   entrypoint.sh migrate         the migrations, then the reference data (both idempotent); web never migrates
#   entrypoint.sh check           Django's deployment checks: any warning fails, but those in SILENCED_SYSTEM_CHECKS
#   entrypoint.sh manage ARGS...  python manage.py ARGS...
#   entrypoint.sh check-web | check-worker | check-beat   the container health checks
#
# Every mode but the health checks (they must answer within seconds) first runs config.preflight: a bad setting is
# one line naming it (exit 2), a database or Redis that does not answer within $STARTUP_WAIT seconds is one line
# naming it (exit 1). The long-running modes exec their program, so that SIGTERM (docker stop) reaches gunicorn or
# Celery itself, not a shell; arguments after web, worker or beat go to it as they are.
set -eu

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.base}"

# settings.WORKER_QUEUES, in its order (tests/test_entrypoint.py keeps the two equal).
ALL_QUEUES=aggregates,imports,mail,housekeeping
# celery beat rewrites its schedule file at least every 180 s while it runs tasks (celery.beat.Scheduler
# sync_every) and the aggregates sweep is due every AGGREGATES_SWEEP_SECONDS (15): older than this, beat hangs.
BEAT_MAX_AGE=300

usage() {
    echo "usage: entrypoint.sh web|worker|beat|migrate|check|manage ARGS...|check-web|check-worker|check-beat" >&2
    exit 64
}

bad_setting() {
    # The same line config/env.py prints for a bad setting.
    case "${LANGUAGE:-}" in
        en*) echo "inventaris: bad setting $1: $3" >&2 ;;
        *) echo "inventaris: ongeldige instelling $1: $2" >&2 ;;
    esac
    exit 2
}

preflight() {
    python -m config.preflight --wait "${STARTUP_WAIT:-30}"
}

worker_queues() {
    queues=$(printf '%s' "${WORKER_QUEUES:-$ALL_QUEUES}" | tr -d ' ')
    old_ifs=$IFS
    IFS=,
    for queue in $queues; do
        case ",$ALL_QUEUES," in
            *",$queue,"*) ;;
            *) bad_setting WORKER_QUEUES "onbekende wachtrij '$queue' (bekend: $ALL_QUEUES)" \
                "unknown queue '$queue' (known: $ALL_QUEUES)" ;;
        esac
    done
    IFS=$old_ifs
    printf '%s' "$queues"
}

worker_name() {
    # One name per queue set and host (Celery expands %h to the host name): two workers of one container host
    # never share a heartbeat, and `celery inspect -d mail-housekeeping@HOST` reads as what it is.
    queues=$(worker_queues)
    printf '%s@%s' "$(printf '%s' "$queues" | tr , -)" "${WORKER_NAME:-%h}"
}

mode="${1:-}"
[ $# -gt 0 ] && shift

case "$mode" in
    web)
        preflight
        # The heartbeat file of each gunicorn worker: on a RAM disk where there is one, never on the image's
        # overlay filesystem, whose writes can stall a worker long enough to be killed.
        [ -d /dev/shm ] && set -- --worker-tmp-dir /dev/shm "$@"
        # --no-control-socket: gunicorn 27's control socket lives in ~/.gunicorn, not writable in the image, and
        # two servers of one user would share it. No access log: gunicorn writes none unless --access-logfile.
        exec python -m gunicorn config.wsgi \
            --bind "${BIND:-0.0.0.0:8000}" \
            --workers "${WEB_CONCURRENCY:-2}" \
            --worker-class gthread \
            --threads "${WEB_THREADS:-4}" \
            --timeout "${WEB_TIMEOUT:-60}" \
            --graceful-timeout "${WEB_GRACEFUL_TIMEOUT:-30}" \
            --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
            --no-control-socket \
            --log-level "${LOG_LEVEL:-INFO}" \
            "$@"
        ;;
    worker)
        queues=$(worker_queues)
        name=$(worker_name)
        preflight
        # No gossip or mingle: workers need not know each other (each queue has its own), and both cost every
        # worker a round of broker traffic at start and while running.
        exec python -m celery -A config worker \
            --queues "$queues" \
            --hostname "$name" \
            --concurrency "${WORKER_CONCURRENCY:-2}" \
            --without-gossip --without-mingle \
            --loglevel "${LOG_LEVEL:-INFO}" \
            "$@"
        ;;
    beat)
        preflight
        exec python -m celery -A config beat \
            --schedule "${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" \
            --loglevel "${LOG_LEVEL:-INFO}" \
            "$@"
        ;;
    migrate)
        [ $# -eq 0 ] || usage
        preflight
        python manage.py migrate --noinput
        exec python manage.py load_reference
        ;;
    check)
        [ $# -eq 0 ] || usage
        preflight
        exec python manage.py check --deploy --fail-level WARNING
        ;;
    manage)
        [ $# -gt 0 ] || usage
        preflight
        exec python manage.py "$@"
        ;;
    check-web)
        exec python - "${BIND:-0.0.0.0:8000}" <<'EOF'
import sys
import urllib.request

port = sys.argv[1].rpartition(":")[2]
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=5) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    sys.exit(f"check-web: /livez: {error}")
EOF
        ;;
    check-worker)
        name=$(worker_name)
        exec python - "$name" <<'EOF'
import sys

import django

django.setup()
from celery.utils.nodenames import default_nodename, host_format

from inventory.services.workers import worker_beats

name = host_format(default_nodename(sys.argv[1]))  # as `celery worker --hostname` makes it
beat = next((beat for beat in worker_beats() if beat.hostname == name), None)
if beat is None:
    sys.exit(f"check-worker: {name}: no heartbeat")
if not beat.alive:
    sys.exit(f"check-worker: {name}: " + ("stopped" if beat.stopped else f"last heartbeat {beat.age:.0f} s ago"))
EOF
        ;;
    check-beat)
        file="${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
        now=$(date +%s)
        # The shelve module may add a suffix (.db, or .dat/.dir/.bak), depending on the dbm it finds.
        for path in "$file" "$file".*; do
            if [ -f "$path" ] && [ $((now - $(stat -c %Y "$path"))) -le "$BEAT_MAX_AGE" ]; then
                exit 0
            fi
        done
        echo "check-beat: $file not written in the last $BEAT_MAX_AGE s" >&2
        exit 1
        ;;
    *)
        usage
        ;;
esac

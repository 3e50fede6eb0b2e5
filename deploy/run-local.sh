#!/usr/bin/env bash
# Start all five services against the RabbitMQ at $AMQP_URI, each as its own `nameko run`
# process (exactly what each container runs in docker-compose.yml). Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
NAMEKO=${NAMEKO:-.venv/bin/nameko}
mkdir -p var/log
"$PYTHON" -m shared.manage migrate
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for service in enquiry advice cases tasks documents; do
  "$NAMEKO" run --config "services/$service/config.yaml" "services.$service.service" \
    >"var/log/$service.log" 2>&1 &
  pids+=($!)
  echo "started $service (pid $!, log var/log/$service.log)"
done
echo "all five services running against ${AMQP_URI:-amqp://guest:guest@localhost:5672/}; Ctrl-C to stop"
wait -n "${pids[@]}"
echo "a service exited; see var/log/" >&2
exit 1

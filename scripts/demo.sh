#!/usr/bin/env bash
# Quick start, command 1: installs what is missing (scripts/setup.sh), brings a single-host
# Trainyard up in the background (`npm run dev`: nats-server -js, scheduler, agent; output in
# .trainyard/dev.log), submits a sample task, streams its log to the end and prints its final
# state. Trainyard keeps running afterwards; stop it with: kill "$(cat .trainyard/dev.pid)"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

bash "$REPO/scripts/setup.sh"

addr=${TRAINYARD_GRPC_ADDR:-127.0.0.1:50051}
pidfile="$TRAINYARD_STATE_DIR/dev.pid"
if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  log "Trainyard already running (pid $(cat "$pidfile"))"
else
  mkdir -p "$TRAINYARD_STATE_DIR"
  log "starting Trainyard (npm run dev); log: $TRAINYARD_STATE_DIR/dev.log"
  (setsid nohup node "$REPO/scripts/dev.mjs" >"$TRAINYARD_STATE_DIR/dev.log" 2>&1 </dev/null &)
  for ((i = 0; i < 300; i++)); do
    grep -q "Trainyard is up" "$TRAINYARD_STATE_DIR/dev.log" 2>/dev/null && break
    if ((i > 20)) && ! { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
      tail -n 30 "$TRAINYARD_STATE_DIR/dev.log" >&2 || true
      die "Trainyard did not start (see $TRAINYARD_STATE_DIR/dev.log)"
    fi
    sleep 0.1
  done
  grep -q "Trainyard is up" "$TRAINYARD_STATE_DIR/dev.log" || die "Trainyard did not come up in 30 s (see $TRAINYARD_STATE_DIR/dev.log)"
fi

rc=0
TRAINYARD_ADDR=$addr node "$REPO/scripts/sample-task.mjs" || rc=$?
log "Trainyard keeps running: scheduler $addr, dashboard http://${TRAINYARD_HTTP_ADDR:-127.0.0.1:50053}/ui/ (logs: $TRAINYARD_STATE_DIR/dev.log). Stop it: kill \$(cat $pidfile)"
exit "$rc"

#!/usr/bin/env bash
# Installs and starts everything Trainyard's build and tests need, on Debian 12 as root
# (or a user with passwordless sudo / docker group access). Idempotent: on a machine where
# everything is in place it only checks, in a few seconds.
#
# Steps (see scripts/lib.sh):
#   1. system packages   nats-server docker.io busybox-static mmdebstrap docker-compose
#                        protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
#                        libprotobuf-dev python3-pip python3-setuptools ca-certificates
#                        (apt-get, only the missing ones)
#   2. dockerd           started in the background when `docker info` fails:
#                        dockerd --bridge=none --iptables=false --ip6tables=false
#                        log: ${TRAINYARD_STATE_DIR:-.trainyard}/dockerd.log
#   3. node modules      npm ci, when node_modules is missing or package-lock.json changed
#   4. build             npm run build (buf generate && tsc -b)
#   5. test image        trainyard/busybox:test, imported from busybox-static files
#   6. training image    trainyard/train:local: Debian bookworm python3 + numpy (mmdebstrap from
#                        the apt mirror) + examples/train/train.py; ~30 s the first time, then
#                        skipped while train.py is unchanged (examples/train/build-local.sh)
#
# Environment:
#   TRAINYARD_SKIP_BUILD=1   skip step 4 (e.g. while someone else's code does not compile)
#   TRAINYARD_STATE_DIR=DIR  where dockerd.log goes (default: <repo>/.trainyard)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step() {
  local name=$1 t0=$SECONDS
  shift
  "$@"
  log "ok: $name ($((SECONDS - t0)) s)"
}

t_start=$SECONDS
step "system packages" ensure_apt_packages
step "dockerd" ensure_dockerd
step "node modules" ensure_node_deps
step "build" ensure_build
step "test image" ensure_test_image
step "training image" ensure_train_image
log "setup done in $((SECONDS - t_start)) s"

#!/usr/bin/env bash
# Builds, without any registry, the images the Compose files run, from what this machine has:
#
#   trainyard/nats:local       Debian's nats-server (/usr/sbin/nats-server) + busybox-static
#                              (sh and wget, as in nats:2.10-alpine: the healthchecks use wget)
#   trainyard/scheduler:local  this host's Node binary (/usr/bin/node, or `command -v node`) and
#   trainyard/agent:local      the shared libraries ldd lists, with the checkout as
#                              services/Dockerfile lays it out in /app: package.json files, the
#                              built dist/ directories (run `npm run build` first) and the
#                              production node_modules (`npm ls --omit=dev`); the scheduler runs
#                              as `node` (uid 1000), the agent as root, with the Dockerfile's
#                              ENV, WORKDIR and CMD
#
# test/deploy/compose-up.test.ts runs the Compose files with these images (through
# test/deploy/compose-local*.yml). Idempotent: each image carries a label with a hash of its
# inputs (the binaries, the dist files, package-lock.json, BUILD_REV below) and is rebuilt only
# when that changed; when all are current it only says so, in about a second. Concurrent runs
# wait for each other (flock).
#
#   bash scripts/compose-images.sh            # build what is missing or stale
#   FORCE=1 bash scripts/compose-images.sh    # rebuild anyway
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the layout below changes, so existing machines rebuild.
BUILD_REV=1
NATS_IMAGE="${TRAINYARD_COMPOSE_NATS_IMAGE:-trainyard/nats:local}"
SCHEDULER_IMAGE="${TRAINYARD_COMPOSE_SCHEDULER_IMAGE:-trainyard/scheduler:local}"
AGENT_IMAGE="${TRAINYARD_COMPOSE_AGENT_IMAGE:-trainyard/agent:local}"
LABEL=trainyard.compose-image.hash
WORKSPACES=(clients/ts packages/common services/scheduler services/agent)

command -v docker >/dev/null 2>&1 || die "docker not found (scripts/setup.sh installs it)"
NODE_BIN="$(readlink -f "$(command -v node)")"
NATS_BIN="$(readlink -f "$(command -v nats-server || echo /usr/sbin/nats-server)")"
BUSYBOX=/bin/busybox
[[ -x $NATS_BIN ]] || die "nats-server not found (apt-get install nats-server; scripts/setup.sh does)"
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found (apt-get install busybox-static; scripts/setup.sh does)"
for w in "${WORKSPACES[@]}"; do
  [[ -d $REPO/$w/dist ]] || die "$w/dist missing: run npm run build first"
done

mkdir -p "$TRAINYARD_STATE_DIR"
exec 9>"$TRAINYARD_STATE_DIR/compose-images.lock"
flock 9

_label() { docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }

# The input hashes. dist/: every file's path and content, in a stable order.
nats_hash="$( { echo "rev=$BUILD_REV nats"; sha256sum "$NATS_BIN" "$BUSYBOX" | cut -d' ' -f1; } | sha256sum | cut -c1-16)"
app_hash="$(
  {
    echo "rev=$BUILD_REV app"
    sha256sum "$NODE_BIN" | cut -d' ' -f1
    cd "$REPO"
    sha256sum package.json package-lock.json
    for w in "${WORKSPACES[@]}"; do
      sha256sum "$w/package.json"
      find "$w/dist" -type f ! -name '*.tsbuildinfo' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    done
  } | sha256sum | cut -c1-16
)"

want_nats=1 want_app=1
[[ ${FORCE:-0} != 1 && $(_label "$NATS_IMAGE") == "$nats_hash" ]] && want_nats=0
[[ ${FORCE:-0} != 1 && $(_label "$SCHEDULER_IMAGE") == "$app_hash" && $(_label "$AGENT_IMAGE") == "$app_hash" ]] && want_app=0
if ((want_nats == 0 && want_app == 0)); then
  log "compose images are current: $NATS_IMAGE ($nats_hash), $SCHEDULER_IMAGE and $AGENT_IMAGE ($app_hash)"
  exit 0
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/trainyard-compose-images.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# copy_with_libs ROOT BIN...: each binary and the shared libraries ldd resolves for it, at the
# same paths under ROOT (the dynamic loader too).
copy_with_libs() {
  local root=$1 f
  shift
  for f in "$@"; do
    cp --parents -L "$f" "$root/" || return 1
    # "libx.so => /path (0x..)" and "/lib64/ld-linux-x86-64.so.2 (0x..)"; vdso has no file.
    while IFS= read -r lib; do
      if [[ -n $lib && -e $lib ]]; then cp --parents -L "$lib" "$root/" || return 1; fi
    done < <(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  done
  return 0
}

# drop_old OLD_ID IMAGE: the previous build is now untagged; drop it unless a container uses it.
drop_old() {
  local old=$1 image=$2 new
  new="$(docker image inspect -f '{{.Id}}' "$image")"
  if [[ -n $old && $old != "$new" ]]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
}

import_rootfs() {
  local root=$1 image=$2 old
  shift 2
  old="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . | docker import "$@" - "$image" >/dev/null ||
    die "docker import of $image failed"
  drop_old "$old" "$image"
}

t0=$SECONDS
if ((want_nats)); then
  root="$tmp/nats"
  _build_test_rootfs "$BUSYBOX" "$root" >/dev/null || die "could not lay out busybox for $NATS_IMAGE"
  copy_with_libs "$root" "$NATS_BIN" || die "could not copy $NATS_BIN and its libraries"
  [[ -e $root/usr/sbin/nats-server ]] || { mkdir -p "$root/usr/sbin" && ln -s "$NATS_BIN" "$root/usr/sbin/nats-server"; }
  mkdir -p "$root/data"
  import_rootfs "$root" "$NATS_IMAGE" \
    -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["nats-server", "-js", "-sd", "/data", "-m", "8222"]' \
    -c "LABEL $LABEL=$nats_hash" \
    -m "trainyard nats image: $("$NATS_BIN" --version 2>&1 | head -n1) + busybox-static"
  log "built $NATS_IMAGE ($nats_hash)"
fi

if ((want_app)); then
  root="$tmp/app"
  mkdir -p "$root"/{etc,tmp,app,var/log/trainyard,home/node} && chmod 1777 "$root/tmp"
  copy_with_libs "$root" "$NODE_BIN" || die "could not copy $NODE_BIN and its libraries"
  [[ -e $root/usr/bin/node ]] || { mkdir -p "$root/usr/bin" && ln -s "$NODE_BIN" "$root/usr/bin/node"; }
  printf '%s\n' 'root:x:0:0:root:/root:/bin/false' 'node:x:1000:1000:node:/home/node:/bin/false' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' >"$root/etc/group"
  # What services/Dockerfile's runtime stage copies: the package.json files, dist/, and the
  # production node_modules (npm prune --omit=dev there; the production tree npm lists here).
  # A package nested in one already listed comes with it.
  (cd "$REPO" && npm ls --omit=dev --all --parseable 2>/dev/null) | sed -n "s#^$REPO/\(node_modules/.*\)#\1#p" | LC_ALL=C sort -u |
    awk 'prev == "" || index($0, prev "/") != 1 { print; prev = $0 }' >"$tmp/modules.txt"
  grep -q '^node_modules/@trainyard/common$' "$tmp/modules.txt" || die "npm ls --omit=dev did not list the workspaces (is node_modules installed?)"
  {
    echo package.json
    cat "$tmp/modules.txt"
    for w in "${WORKSPACES[@]}"; do echo "$w/package.json" "$w/dist"; done | tr ' ' '\n'
  } >"$tmp/files.txt"
  tar -C "$REPO" --exclude='*.tsbuildinfo' -cf - --files-from="$tmp/files.txt" | tar -C "$root/app" -xf - ||
    die "could not copy the checkout's dist and node_modules"
  chown -R 1000:1000 "$root/home/node"
  common=(
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production'
    -c 'WORKDIR /app'
    -c "LABEL $LABEL=$app_hash"
  )
  import_rootfs "$root" "$SCHEDULER_IMAGE" "${common[@]}" \
    -c 'ENV TRAINYARD_GRPC_ADDR=0.0.0.0:50051 TRAINYARD_HTTP_ADDR=0.0.0.0:50053 TRAINYARD_METRICS_ADDR=0.0.0.0:9464' \
    -c 'USER node' \
    -c 'CMD ["node", "services/scheduler/dist/main.js"]' \
    -m "trainyard scheduler: node $("$NODE_BIN" --version) + this checkout's dist"
  import_rootfs "$root" "$AGENT_IMAGE" "${common[@]}" \
    -c 'ENV TRAINYARD_AGENT_GRPC_ADDR=0.0.0.0:50052 TRAINYARD_AGENT_METRICS_ADDR=0.0.0.0:9465 TRAINYARD_LOG_DIR=/var/log/trainyard' \
    -c 'CMD ["node", "services/agent/dist/main.js"]' \
    -m "trainyard agent: node $("$NODE_BIN" --version) + this checkout's dist"
  size="$(docker image inspect -f '{{.Size}}' "$AGENT_IMAGE")"
  log "built $SCHEDULER_IMAGE and $AGENT_IMAGE ($app_hash, $((size / 1000000)) MB)"
fi
# Earlier builds a container still used when they were replaced, if no container uses them now.
mapfile -t dangling < <(docker images -q --filter dangling=true --filter "label=$LABEL")
if ((${#dangling[@]})); then docker image rm "${dangling[@]}" >/dev/null 2>&1 || true; fi
log "compose images built in $((SECONDS - t0)) s"

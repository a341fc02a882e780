# shellcheck shell=bash
# Shared helpers for Trainyard's scripts. Source it; do not run it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Safe under `set -euo pipefail`. Every ensure_* step is idempotent and cheap when its
# work is already done, so scripts/setup.sh can run before every test run (and on a fresh
# Debian 12 machine, where it installs everything the project needs).
#
# Environment knobs:
#   TRAINYARD_STATE_DIR   where dockerd.log etc. go (default: $REPO/.trainyard, gitignored)
#   TRAINYARD_SKIP_BUILD  1 = ensure_build skips `npm run build` (buf generate + tsc -b)
#   TRAINYARD_TEST_IMAGE  name of the local test image (default: trainyard/busybox:test)
#   TRAINYARD_TRAIN_IMAGE name of the training example's image (default: trainyard/train:local)

# Repository root, derived from this file's location (scripts/lib.sh).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRAINYARD_STATE_DIR="${TRAINYARD_STATE_DIR:-$REPO/.trainyard}"
TRAINYARD_TEST_IMAGE="${TRAINYARD_TEST_IMAGE:-trainyard/busybox:test}"
# Bump when the contents of the test image change, so existing machines rebuild it.
TRAINYARD_TEST_IMAGE_REV=1

# System packages the project needs (Debian 12 names).
#   nats-server              JetStream broker used by the scheduler, agent and tests
#   docker.io                dockerd + containerd + runc; the agent drives the Engine API
#   busybox-static           files for the local test image (no registry is reachable)
#   protobuf-compiler(-grpc), python3-grpcio, python3-protobuf, libprotobuf-dev
#                            for the Python client (Debian's python3-grpc-tools is 1.14,
#                            too old; protoc + grpc_python_plugin generate the stubs)
#   python3-pip, python3-setuptools
#                            test/clients/python.test.ts installs clients/python offline with pip
#   ca-certificates          HTTPS to the package registries
#   mmdebstrap               builds the training example's image (examples/train/build-local.sh)
#   docker-compose           Compose v1 (1.29): test/deploy/compose-up*.test.ts run the compose files
TRAINYARD_APT_PACKAGES=(
  nats-server docker.io busybox-static mmdebstrap docker-compose
  protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf libprotobuf-dev
  python3-pip python3-setuptools ca-certificates chromium
)

log() { printf '[trainyard] %s\n' "$*" >&2; }
die() { printf '[trainyard] ERROR: %s\n' "$*" >&2; exit 1; }

# Sets SUDO to "" (root) or "sudo" (passwordless sudo works); dies otherwise.
SUDO="${SUDO-}"
need_root_or_sudo() {
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  else
    die "this step needs root (${1:-installing system packages / starting dockerd}); run as root or with passwordless sudo"
  fi
}

_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

_TRAINYARD_APT_UPDATED="${_TRAINYARD_APT_UPDATED:-0}"
# apt_install pkg... : installs only the packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    _pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get: this project expects Debian 12"
  need_root_or_sudo "apt-get install ${missing[*]}"
  log "installing system packages: ${missing[*]}"
  if [[ $_TRAINYARD_APT_UPDATED != 1 ]]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    _TRAINYARD_APT_UPDATED=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Use-Pty=0 "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
  for p in "${missing[@]}"; do
    _pkg_installed "$p" || die "package $p is still not installed after apt-get install"
  done
}

ensure_apt_packages() { apt_install "${TRAINYARD_APT_PACKAGES[@]}"; }

_docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

# True when the process named in dockerd's pid file is alive (no procps needed).
_dockerd_running() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null)" || return 1
  [[ -n $pid && -r /proc/$pid/comm && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]
}

# ensure_dockerd: makes `docker info` work, starting a local dockerd if none answers.
# Containers get no network (--bridge=none) and dockerd never touches iptables.
ensure_dockerd() {
  command -v docker >/dev/null 2>&1 || die "docker CLI not found (install docker.io: scripts/setup.sh)"
  _docker_ok && return 0

  local sock=/var/run/docker.sock
  if [[ -n ${DOCKER_HOST:-} && $DOCKER_HOST != "unix://$sock" ]]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer \`docker info\`; unset it to let scripts/setup.sh start a local dockerd"
  fi
  if [[ ${EUID:-$(id -u)} -ne 0 && -S $sock && ( ! -r $sock || ! -w $sock ) ]]; then
    die "user $(id -un) cannot use $sock (permission denied): add the user to the 'docker' group (sudo usermod -aG docker $(id -un), then log in again) or run as root"
  fi
  if _dockerd_running; then
    log "a dockerd process exists but does not answer yet; waiting for it"
  else
    command -v dockerd >/dev/null 2>&1 || die "dockerd not found: install docker.io (scripts/setup.sh does)"
    need_root_or_sudo "starting dockerd"
    mkdir -p "$TRAINYARD_STATE_DIR"
    local logf="$TRAINYARD_STATE_DIR/dockerd.log"
    log "starting dockerd (no bridge, no iptables); log: $logf"
    # setsid + nohup: dockerd outlives this script (tests run after setup.sh returns).
    # exec + redirecting the whole subshell: nothing keeps our stdout/stderr open, so a
    # caller piping our output (npm test | tee) still sees EOF. Started from / so it does
    # not hold the work tree busy.
    (cd / && exec $SUDO setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false) \
      >>"$logf" 2>&1 </dev/null &
  fi

  local i
  for ((i = 0; i < 60; i++)); do
    _docker_ok && { log "dockerd is up"; return 0; }
    sleep 1
  done
  log "dockerd did not answer \`docker info\` within 60 s"
  if [[ -f $TRAINYARD_STATE_DIR/dockerd.log ]]; then
    log "last lines of $TRAINYARD_STATE_DIR/dockerd.log:"
    tail -n 40 "$TRAINYARD_STATE_DIR/dockerd.log" >&2 || true
  fi
  docker info 2>&1 | tail -n 5 >&2 || true
  die "Docker Engine is not available"
}

_test_image_current() {
  local rev
  rev="$(docker image inspect -f '{{ index .Config.Labels "trainyard.test-image.rev" }}' \
    "$TRAINYARD_TEST_IMAGE" 2>/dev/null)" || return 1
  [[ $rev == "$TRAINYARD_TEST_IMAGE_REV" ]]
}

# _build_test_rootfs BUSYBOX DIR: lays out a minimal rootfs in DIR, prints the applet count.
_build_test_rootfs() {
  local bb=$1 root=$2 applet n=0
  mkdir -p "$root"/{bin,etc,root,tmp,proc,sys,dev,home} || return 1
  chmod 1777 "$root/tmp" && chmod 700 "$root/root" || return 1
  cp "$bb" "$root/bin/busybox" || return 1
  while IFS= read -r applet; do
    applet="${applet##*/}"
    [[ -z $applet || $applet == busybox ]] && continue
    ln -sf busybox "$root/bin/$applet" || return 1
    n=$((n + 1))
  done < <("$bb" --list)
  ((n > 100)) || { log "busybox --list printed only $n applets"; return 1; }
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    >"$root/etc/passwd" || return 1
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group" || return 1
  echo "$n"
}

# ensure_test_image: builds $TRAINYARD_TEST_IMAGE from Debian's busybox-static when missing
# (or built by an older revision of this function). No registry is needed.
ensure_test_image() {
  _test_image_current && return 0
  local bb=/bin/busybox
  _pkg_installed busybox-static || apt_install busybox-static
  [[ -x $bb ]] || die "$bb missing although busybox-static is installed"
  log "building test image $TRAINYARD_TEST_IMAGE from busybox-static"
  local old tmp n
  old="$(docker image inspect -f '{{.Id}}' "$TRAINYARD_TEST_IMAGE" 2>/dev/null)" || old=""
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/trainyard-rootfs.XXXXXX")"
  n="$(_build_test_rootfs "$bb" "$tmp/rootfs")" || { rm -rf "$tmp"; die "could not assemble the test image rootfs"; }
  if ! tar --numeric-owner --owner=0 --group=0 -C "$tmp/rootfs" -cf - . |
    docker import \
      -c 'CMD ["/bin/sh"]' \
      -c "LABEL trainyard.test-image.rev=$TRAINYARD_TEST_IMAGE_REV" \
      -m "trainyard test image: busybox-static, $n applets" \
      - "$TRAINYARD_TEST_IMAGE" >/dev/null; then
    rm -rf "$tmp"
    die "docker import failed"
  fi
  rm -rf "$tmp"
  _test_image_current || die "test image $TRAINYARD_TEST_IMAGE not found after import"
  # An image of an older revision is now untagged: drop it unless a container still uses it.
  local new
  new="$(docker image inspect -f '{{.Id}}' "$TRAINYARD_TEST_IMAGE")"
  if [[ -n $old && $old != "$new" ]]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
  log "built $TRAINYARD_TEST_IMAGE ($n applets)"
}

# ensure_train_image: builds $TRAINYARD_TRAIN_IMAGE (python3 + numpy + examples/train/train.py)
# from Debian packages when missing or stale; examples/train/build-local.sh checks and says so.
ensure_train_image() {
  bash "$REPO/examples/train/build-local.sh" || die "could not build the training image (examples/train/build-local.sh)"
}

# ensure_node_deps: `npm ci` when node_modules is missing or package-lock.json changed.
ensure_node_deps() {
  command -v npm >/dev/null 2>&1 || die "npm not found: Node 20 is expected on this machine"
  local stamp="$REPO/node_modules/.package-lock.json"
  if [[ -f $stamp && ! $REPO/package-lock.json -nt $stamp ]]; then
    return 0
  fi
  log "installing node modules (npm ci)"
  (cd "$REPO" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
}

# ensure_build: `npm run build` (buf generate + tsc -b); TRAINYARD_SKIP_BUILD=1 skips it.
ensure_build() {
  if [[ ${TRAINYARD_SKIP_BUILD:-0} == 1 ]]; then
    log "TRAINYARD_SKIP_BUILD=1: skipping npm run build"
    return 0
  fi
  local out rc=0
  out="$(cd "$REPO" && npm run --silent build 2>&1)" || rc=$?
  if ((rc != 0)); then
    printf '%s\n' "$out" >&2
    die "npm run build failed (exit $rc); see the errors above (TRAINYARD_SKIP_BUILD=1 skips the build)"
  fi
  [[ -n $out ]] && printf '%s\n' "$out" >&2
  # npm links a workspace's bin only when its target exists at install time (before the first build).
  [[ -e "$REPO/node_modules/.bin/trainyard" ]] || ln -sf ../@trainyard/client/dist/cli/main.js "$REPO/node_modules/.bin/trainyard"
  return 0
}

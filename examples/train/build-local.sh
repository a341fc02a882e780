#!/usr/bin/env bash
# Builds the training example's image with no registry: a minimal Debian bookworm rootfs with
# python3-minimal + python3-numpy made by mmdebstrap from this machine's apt mirror, plus
# train.py, imported with `docker import` as $TRAINYARD_TRAIN_IMAGE (default trainyard/train:local).
# The same image the Dockerfile next to this script builds from python:3.12-slim + pip.
#
# Idempotent: when the image exists and its label trainyard.train.hash matches train.py (and
# this script's BUILD_REV), it only says so. Needs root (mmdebstrap's root mode, apt-get) or
# passwordless sudo, and a reachable Debian mirror (read from the apt configuration).
#
#   bash examples/train/build-local.sh            # build when missing or stale
#   FORCE=1 bash examples/train/build-local.sh    # rebuild anyway
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh disable=SC1091
source "$HERE/../../scripts/lib.sh"

IMAGE="${TRAINYARD_TRAIN_IMAGE:-trainyard/train:local}"
# Bump when the package set or the layout below changes, so existing machines rebuild.
BUILD_REV=1
SUITE=bookworm
PACKAGES=python3-minimal,python3-numpy

hash="$( { echo "rev=$BUILD_REV suite=$SUITE packages=$PACKAGES"; cat "$HERE/train.py"; } | sha256sum | cut -c1-16)"

current="$(docker image inspect -f '{{ index .Config.Labels "trainyard.train.hash" }}' "$IMAGE" 2>/dev/null || true)"
if [[ ${FORCE:-0} != 1 && $current == "$hash" ]]; then
  log "training image $IMAGE is current (train.py hash $hash)"
  exit 0
fi

apt_install mmdebstrap
[[ ${EUID:-$(id -u)} -eq 0 ]] || need_root_or_sudo "mmdebstrap (root mode)"

# The mirrors this machine's apt uses (sources.list and sources.list.d, deb822 or one-line),
# restricted to the suite we build: bookworm, bookworm-updates, bookworm-security.
# shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
mapfile -t sources < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
  awk -v s="$SUITE" '$3 == "main" && ($2 == s || $2 == s"-updates" || $2 == s"-security") { print "deb " $1 " " $2 " main" }' | sort -u)
if ((${#sources[@]} == 0)); then
  log "no $SUITE mirror in the apt configuration; using http://deb.debian.org/debian"
  sources=("deb http://deb.debian.org/debian $SUITE main")
fi
log "building $IMAGE with mmdebstrap ($PACKAGES) from: ${sources[*]}"

old="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
t0=$SECONDS
tmp="$(mktemp -d "${TMPDIR:-/tmp}/trainyard-train.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "${sources[@]}" >"$tmp/sources.list"

# variant essential: Essential:yes packages + the --include set (no apt, no init system);
# merged-usr hook: /usr-merged without the usrmerge package (which would pull in perl);
# docs, man pages and locales are never unpacked; numpy's test suites (removed after install:
# excluding them at unpack time breaks python3-numpy's py3compile) and apt lists are dropped.
# The hooks' "$1" is the rootfs directory, expanded by mmdebstrap, not by this shell.
# shellcheck disable=SC2016
$SUDO mmdebstrap --quiet --variant=essential --include="$PACKAGES" \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='mkdir -p "$1/opt/trainyard"' \
  --customize-hook="upload $HERE/train.py /opt/trainyard/train.py" \
  --customize-hook='rm -rf "$1"/usr/lib/python3/dist-packages/numpy/*/tests "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/cache/ldconfig/aux-cache' \
  "$SUITE" "$tmp/rootfs.tar" - <"$tmp/sources.list" >"$tmp/mmdebstrap.log" 2>&1 || {
  grep -v 'Reading database' "$tmp/mmdebstrap.log" | tail -n 40 >&2
  die "mmdebstrap failed (output above)"
}

docker import \
  -c 'CMD ["python3", "/opt/trainyard/train.py"]' \
  -c 'WORKDIR /opt/trainyard' \
  -c 'ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1' \
  -c "LABEL trainyard.train.hash=$hash" \
  -m "trainyard training example: debian $SUITE $PACKAGES + train.py" \
  "$tmp/rootfs.tar" "$IMAGE" >/dev/null || die "docker import failed"

new="$(docker image inspect -f '{{.Id}}' "$IMAGE")"
# The previous build is now untagged: drop it unless a container still uses it.
if [[ -n $old && $old != "$new" ]]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
log "built $IMAGE in $((SECONDS - t0)) s: $((size / 1000000)) MB (train.py hash $hash)"

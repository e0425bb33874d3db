#!/usr/bin/env bash
# Test equipment, not part of make test: run the project's own set-up on a Debian 12 root that has
# only what a new machine of this project's kind has, then the plain lab and one molecule scenario
# there, so a package or step the set-up forgets fails here (docs/testing.md, "Fresh machine").
#
#   FRESH_DIR=/work/fresh scripts/fresh-machine-check.sh [step ...]
#     bootstrap  debootstrap bookworm into $FRESH_DIR/root with the kind's preinstalled packages
#     start      start that root as the podman container mediastack-fresh (privileged, its own
#                network namespace and its own /var/lib/containers for the podman inside)
#     run        clone the committed HEAD inside it and run, each into $FRESH_DIR/logs/<step>.log:
#                scripts/setup-host.sh, make lab, make molecule SCENARIO=default
#     stop       remove the container mediastack-fresh (the root and its storage stay)
#     (no step: bootstrap start run)
#   FRESH_STEPS="setup-host lab molecule"   what `run` runs, in that order; `test` runs what CI
#                runs (.ci/run, the whole make test)
#   FRESH_KEEP=1   `run` keeps the clone of the last run (its .venv and lab state): a rerun
#   FRESH_TOOLS=prebuilt|build   prebuilt (default): copy this machine's built tools cache
#                (~/.cache/homelab-mediastack/bin) into the root, so no cold Go build (about 30
#                CPU minutes) runs; build: the root builds them itself
#
# Only the container mediastack-fresh is touched on this machine: nothing is installed here and no
# other container or network is used but podman's default network (for the mirror and PyPI).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FRESH_DIR=${FRESH_DIR:-/var/tmp/mediastack-fresh}
FRESH_DIR=$(mkdir -p "$FRESH_DIR" && cd "$FRESH_DIR" && pwd)
FRESH_TOOLS=${FRESH_TOOLS:-prebuilt}
FRESH_STEPS=${FRESH_STEPS:-setup-host lab molecule}
name=mediastack-fresh
rootfs=$FRESH_DIR/root
logs=$FRESH_DIR/logs

log() { echo "fresh-machine-check: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# What a new machine of this kind (polyglot: Debian 12 with Python, Go, gcc and make, git, ...)
# has before any session, taken from its package list (docs/testing.md "Fresh machine": the ones
# the project's scripts, Makefile, molecule or the lab could call). Everything else the project
# needs must come from its own set-up. Go is not a Debian package there: /usr/local/go is
# mounted read-only from this machine, where the kind preinstalls it.
preinstalled=systemd,systemd-sysv,dbus,python3,python3-venv,python3-pip,python3-dev,git,make,gcc,g++,build-essential,ca-certificates,curl,wget,jq,openssh-client,procps,iproute2,gnupg,less,file,unzip,xz-utils,locales,netbase,openssl,tzdata,psmisc,lsb-release

# The mirror this machine uses for Debian's main (the way setup-host.sh finds it), so the root
# reaches what this machine reaches.
mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

bootstrap() {
  local main security tmp=$rootfs.tmp
  main=$(mirror)
  security=${main%/debian}/debian-security
  if [[ -f $rootfs/etc/os-release ]]; then
    log "bootstrap: $rootfs exists (remove it for a new root)"
  else
    command -v debootstrap >/dev/null || die "bootstrap: debootstrap is missing (Debian package debootstrap)"
    rm -rf "$tmp"
    log "bootstrap: debootstrap bookworm into $rootfs from $main (a few minutes)"
    nice -n 10 debootstrap --variant=minbase --include="$preinstalled" bookworm "$tmp" "$main" >"$FRESH_DIR/debootstrap.log" 2>&1 ||
      die "bootstrap: debootstrap failed, see $FRESH_DIR/debootstrap.log"
    mv "$tmp" "$rootfs"
  fi
  tmp=$rootfs
  # The sources of a new machine: main only, deb822, as this kind's image has them.
  rm -f "$tmp/etc/apt/sources.list"
  cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $main
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # The kind's machines reach the registries through this workplace's TLS proxy: its CA
  # certificates and pip's pointer to the system bundle are there before any session, so the
  # root gets the same (public certificates only, nothing else of this machine).
  local crt
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -f $crt ]] && cp "$crt" "$tmp/usr/local/share/ca-certificates/"
  done
  [[ ! -f /etc/pip.conf ]] || cp /etc/pip.conf "$tmp/etc/pip.conf"
  chroot "$tmp" update-ca-certificates >/dev/null
  echo fresh >"$tmp/etc/hostname"
  : >"$tmp/etc/machine-id"
}

start() {
  [[ -f $rootfs/etc/os-release ]] || die "start: no root at $rootfs (run the bootstrap step)"
  if podman container exists "$name"; then
    [[ $(podman inspect -f '{{.State.Running}}' "$name") == true ]] || podman start "$name" >/dev/null
    log "start: $name runs"
    return 0
  fi
  mkdir -p "$FRESH_DIR/containers" "$logs"
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/homelab-mediastack/bin shared
  # shared/ beside the clone (/root/mediastack), read-only, as CI has it.
  shared=$(cd "$ROOT/../shared" 2>/dev/null && pwd -P) || die "start: no ../shared beside the checkout"
  if [[ $FRESH_TOOLS == prebuilt ]]; then
    [[ -d $cache ]] || die "start: FRESH_TOOLS=prebuilt but $cache does not exist (make tools here first, or FRESH_TOOLS=build)"
    # A copy, not a mount: build-tools.sh takes a lock file in the cache.
    mkdir -p "$rootfs/root/.cache/homelab-mediastack"
    rm -rf "$rootfs/root/.cache/homelab-mediastack/bin"
    cp -a "$cache" "$rootfs/root/.cache/homelab-mediastack/bin"
    rm -f "$rootfs/root/.cache/homelab-mediastack/bin/.lock"
    log "start: copied the built tools cache ($cache) into the root"
  fi
  # The kind's machine has no systemd as PID 1 (podman there uses cgroupfs): neither has the
  # root's; bash as PID 1 reaps the orphans conmon leaves. Its own network namespace, so the
  # networks of the lab and of molecule inside never meet this machine's.
  podman run -d --name "$name" --hostname fresh --privileged \
    --label io.homelab.mediastack.fresh=true \
    -v "$FRESH_DIR/containers:/var/lib/containers" \
    -v /usr/local/go:/usr/local/go:ro \
    -v "$logs:/fresh-logs" \
    -v "$shared:/root/shared:ro" \
    -e PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    -e HOME=/root -e LANG=C.UTF-8 -e SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    -e REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt -e PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    --rootfs "$rootfs" /bin/bash -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done' >/dev/null
  log "start: $name started (root $rootfs, podman storage $FRESH_DIR/containers)"
}

run() {
  podman container exists "$name" || die "run: no container $name (run the start step)"
  mkdir -p "$logs"
  # The committed HEAD, as a bundle cloned inside: what a user's `git clone` gets, nothing
  # uncommitted.
  git -C "$ROOT" bundle create "$logs/repo.bundle" HEAD >/dev/null 2>&1
  # FRESH_KEEP=1: the clone of the last run stays (its .venv, .lab): a second `make lab`.
  [[ ${FRESH_KEEP:-0} == 1 ]] || podman exec "$name" bash -c 'set -e; rm -rf /root/mediastack; git -c advice.detachedHead=false clone -q /fresh-logs/repo.bundle /root/mediastack;
    git -C /root/mediastack log -1 --format="clone: %h %s"' | tee "$logs/clone.log"
  local step cmd start rc
  for step in $FRESH_STEPS; do
    case $step in
    setup-host) cmd="bash scripts/setup-host.sh" ;;
    lab) cmd="make lab" ;;
    molecule) cmd="make molecule SCENARIO=default MOLECULE_JOBS=1" ;;
    # What CI runs (.ci/run: make test and nothing else), with its own set-up and tools build.
    test) cmd="CI=true bash .ci/run" ;;
    *) die "run: unknown step $step (setup-host lab molecule test)" ;;
    esac
    log "run: $step: $cmd (log $logs/$step.log)"
    start=$(date +%s)
    rc=0
    nice -n 10 podman exec -w /root/mediastack "$name" bash -c "$cmd" >"$logs/$step.log" 2>&1 || rc=$?
    echo "==> fresh-machine-check: $step: '$cmd' exit $rc in $(($(date +%s) - start)) s" | tee -a "$logs/$step.log" >&2
    ((rc == 0)) || die "run: $step failed (exit $rc): see $logs/$step.log"
  done
}

stop() {
  podman rm -f -t 5 "$name" >/dev/null 2>&1 || true
  log "stop: $name removed ($rootfs and $FRESH_DIR/containers stay)"
}

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, a privileged container)"
steps=("$@")
((${#steps[@]})) || steps=(bootstrap start run)
for s in "${steps[@]}"; do
  case $s in
  bootstrap | start | run | stop) "$s" ;;
  *) die "unknown step $s (bootstrap start run stop)" ;;
  esac
done

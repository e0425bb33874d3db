#!/usr/bin/env bash
# Prepare this machine (Debian 12, root) for the lab and the molecule scenarios: Debian's
# contrib and non-free components, podman with runc and netavark (with the iptables it runs),
# debootstrap, and the container settings this sandbox needs. Ends with a smoke check: one
# throw-away container on a network of its own, so a missing piece shows here and not as a
# molecule error later.
# Idempotent: every step checks before it changes anything.
# Checked against a new machine's package list: see "Fresh machine" in docs/testing.md.
set -euo pipefail

die() {
  echo "setup-host: $*" >&2
  exit 1
}
as_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (run as root, or do it by hand: $2)"
}

# --- Debian contrib and non-free -------------------------------------------------------------
# sabnzbdplus (the real SABnzbd) is in contrib and unrar in non-free. Debian serves them from
# the same hosts as main: add a sources entry of our own, reusing the mirrors this machine is
# configured with; nothing else in /etc/apt is touched.
apt_uri() {
  # The first URI configured for a suite: deb822 files first, then one-line sources.
  local suite=$1 uri
  # shellcheck disable=SC2016 # an awk program: its $ are awk's
  uri=$(find /etc/apt/sources.list.d -maxdepth 1 -name '*.sources' ! -name 'mediastack-*' -print0 |
    sort -z | xargs -0r awk -v s="$suite" '
    FNR==1 || /^[[:space:]]*$/ {if (found && u) {print u; exit} u=""; found=0}
    /^URIs:/ {u=$2} /^Suites:/ {for (i=2;i<=NF;i++) if ($i==s) found=1}
    END {if (found && u) print u}' | head -n1)
  [ -n "$uri" ] || uri=$(awk -v s="$suite" '$1=="deb" {for (i=2;i<=NF;i++) if ($i==s) {
    for (j=2;j<i;j++) if ($j ~ /^[a-z]+:\/\//) {print $j; exit}}}' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  echo "$uri"
}
codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
[ "$codename" = bookworm ] || echo "setup-host: warning: written for Debian 12 (bookworm), this is '${codename:-unknown}'" >&2
main_uri=$(apt_uri "$codename")
security_uri=$(apt_uri "$codename-security")
[ -n "$main_uri" ] || main_uri=http://deb.debian.org/debian
[ -n "$security_uri" ] || security_uri=http://deb.debian.org/debian-security
extra_sources=/etc/apt/sources.list.d/mediastack-contrib-nonfree.sources
want_sources="# managed by homelab.mediastack scripts/setup-host.sh: contrib and non-free
# (sabnzbdplus, unrar) from the mirrors this machine already uses for main.
Types: deb
URIs: $main_uri
Suites: $codename $codename-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_uri
Suites: $codename-security
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
apt_updated=false
if [ "$(cat "$extra_sources" 2>/dev/null)" != "$want_sources" ]; then
  as_root "adding $extra_sources" "create it with Components: contrib non-free"
  printf '%s\n' "$want_sources" >"$extra_sources"
  echo "setup-host: wrote $extra_sources ($main_uri, $security_uri)"
  apt-get update -qq
  apt_updated=true
fi

# --- packages --------------------------------------------------------------------------------
# A new Debian 12 machine has none of these (docs/testing.md, "Fresh machine"):
# - podman, runc (crun fails here: "cgroups in hybrid mode"), conmon comes with podman;
# - netavark + aardvark-dns: podman's network backend and its name server, so hosts on a
#   scenario's or the lab's network resolve each other by name; netavark runs iptables to set
#   up NAT and forwarding ("netavark: No such file or directory" without it);
# - uidmap, slirp4netns: podman's user namespace and rootless helpers;
# - debootstrap: builds the base image (no image registry is reachable);
# - openssh-client, rsync: the lab is reached over SSH, ansible.posix.synchronize uses rsync;
# - git: ansible-test sanity needs the collection in a git repository;
# - shellcheck: ansible-test sanity (make sanity) runs it on scripts/.
need=()
for pkg in podman runc conmon netavark aardvark-dns iptables uidmap slirp4netns \
  debootstrap openssh-client rsync git \
  shellcheck ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  as_root "installing packages" "apt-get install ${need[*]}"
  echo "setup-host: installing ${need[*]}"
  $apt_updated || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# crun fails here ("cgroups in hybrid mode") and the default ulimits cannot be raised inside
# this sandbox ("setrlimit RLIMIT_NOFILE: Operation not permitted"): pin runc and lower limits.
# Pin netavark too: the podman package ships a CNI config, and CNI has no name resolution here.
conf=/etc/containers/containers.conf
want='# managed by homelab.mediastack scripts/setup-host.sh
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"

[network]
network_backend = "netavark"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  as_root "writing $conf" "see ENVIRONMENT notes in docs/testing.md"
  if [ -s "$conf" ] && ! grep -q 'managed by homelab.mediastack' "$conf"; then
    cp "$conf" "$conf.orig-$(date +%s)"
  fi
  mkdir -p /etc/containers
  printf '%s\n' "$want" >"$conf"
  echo "setup-host: wrote $conf"
fi

# A network made before name resolution was available keeps it off for good: remove our own
# networks that lack it and that no container uses; molecule and the lab create them again.
# (Another set-up may run at the same time and remove its own networks: a network gone by the
# time it is inspected is skipped.)
for net in $(podman network ls --format '{{.Name}}' | grep '^mediastack-' | grep -v '^mediastack-smoke-' || true); do
  dns=$(podman network inspect "$net" --format '{{.DNSEnabled}}' 2>/dev/null) || continue
  if [ "$dns" != "true" ] && [ -z "$(podman ps -aq --filter "network=$net")" ]; then
    podman network rm "$net" >/dev/null 2>&1 && echo "setup-host: removed network $net (made without name resolution)"
  fi
done

# --- inotify instances -----------------------------------------------------------------------
# systemd in every lab and molecule container takes inotify instances of the one user (root) that
# runs them all; the kernel's default of 128 per user is gone at about twenty such containers, and
# the next container's systemd then waits for ever ("Failed to create inotify object: Too many open
# files", its mount units never start, so dbus never does). Seeds' labs side by side need more.
inotify_conf=/etc/sysctl.d/60-mediastack-inotify.conf
inotify_want="# managed by homelab.mediastack scripts/setup-host.sh: systemd in many containers
fs.inotify.max_user_instances = 1024"
if [ "$(cat "$inotify_conf" 2>/dev/null)" != "$inotify_want" ]; then
  as_root "writing $inotify_conf" "sysctl -w fs.inotify.max_user_instances=1024"
  mkdir -p /etc/sysctl.d
  printf '%s\n' "$inotify_want" >"$inotify_conf"
  echo "setup-host: wrote $inotify_conf"
fi
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 1024 ]; then
  as_root "raising fs.inotify.max_user_instances" "sysctl -w fs.inotify.max_user_instances=1024"
  # make test runs a few containers at a time, within the default; only several labs side by side
  # need the higher limit, so a read-only /proc/sys (a container) is a warning, not a failure.
  if echo 1024 2>/dev/null >/proc/sys/fs/inotify/max_user_instances; then
    echo "setup-host: fs.inotify.max_user_instances raised to 1024"
  else
    echo "setup-host: warning: cannot raise fs.inotify.max_user_instances (read-only /proc/sys?);" \
      "several labs side by side may need it: set it to 1024 on the host" >&2
  fi
fi

# --- smoke check -----------------------------------------------------------------------------
# One throw-away container on a user-created network, from a tiny root file system made of the
# host's own /bin/sh (no image needed, none can be pulled). It exercises the runtime (runc),
# conmon, netavark with iptables and aardvark-dns: the pieces molecule and the lab use.
for piece in podman:podman runc:runc conmon:conmon iptables:iptables; do
  command -v "${piece%%:*}" >/dev/null 2>&1 || [ -x "/usr/libexec/podman/${piece%%:*}" ] ||
    [ -x "/usr/bin/${piece%%:*}" ] || [ -x "/usr/sbin/${piece%%:*}" ] ||
    die "smoke check: '${piece%%:*}' is missing (Debian package ${piece##*:}); install it and run again"
done
for helper in netavark aardvark-dns; do
  [ -x "/usr/lib/podman/$helper" ] || [ -x "/usr/libexec/podman/$helper" ] || command -v "$helper" >/dev/null ||
    die "smoke check: podman's network helper '$helper' is missing (Debian package $helper)"
done

# Names of this run's own: several set-ups (one per checkout) may run at once.
smoke_net=mediastack-smoke-$$
smoke_rootfs=$(mktemp -d /var/tmp/mediastack-smoke.XXXXXX)
smoke_cleanup() {
  podman rm -f "$smoke_net" >/dev/null 2>&1 || true
  podman network rm -f "$smoke_net" >/dev/null 2>&1 || true
  rm -rf "$smoke_rootfs"
}
trap smoke_cleanup EXIT
mkdir -p "$smoke_rootfs/bin" "$smoke_rootfs/etc" "$smoke_rootfs/proc" "$smoke_rootfs/sys" \
  "$smoke_rootfs/dev" "$smoke_rootfs/tmp"
cp /bin/sh "$smoke_rootfs/bin/sh"
for lib in $(ldd /bin/sh | grep -o '/[^ ]*'); do
  mkdir -p "$smoke_rootfs$(dirname "$lib")"
  cp -L "$lib" "$smoke_rootfs$lib"
done
podman network exists "$smoke_net" || podman network create "$smoke_net" >/dev/null ||
  die "smoke check: 'podman network create' failed: see the error above"
# The container proves it has an address on the network (more than loopback in /proc/net/dev
# would not: read the route table the network backend wrote) and that its resolver points at
# the network's name server.
if ! out=$(podman run --rm --name "$smoke_net" --network "$smoke_net" --rootfs "$smoke_rootfs" \
  /bin/sh -c 'while read -r l; do echo "$l"; done </proc/net/route; while read -r l; do echo "$l"; done </etc/resolv.conf' 2>&1); then
  case "$out" in
  *netavark*"No such file"*) hint="netavark cannot run a program it needs: iptables (Debian package iptables) or netavark itself" ;;
  *iptables*) hint="iptables (Debian package iptables; netavark runs it for NAT and forwarding)" ;;
  *aardvark*) hint="aardvark-dns (Debian package aardvark-dns: name resolution on podman networks)" ;;
  *crun*|*"cgroups in hybrid mode"*) hint="runc as the runtime ($conf: [engine] runtime = \"runc\")" ;;
  *setrlimit*) hint="lower default ulimits ($conf: default_ulimits)" ;;
  *runc*) hint="runc (Debian package runc)" ;;
  *conmon*) hint="conmon (Debian package conmon)" ;;
  *) hint="unknown: read podman's error above" ;;
  esac
  printf '%s\n' "$out" >&2
  die "smoke check FAILED: a container on network $smoke_net did not start. Missing piece: $hint"
fi
grep -q '^eth0' <<<"$out" || grep -qE '^[a-z0-9]+[[:space:]]+00000000' <<<"$out" ||
  die "smoke check FAILED: the container started without a route on network $smoke_net (netavark did not set up its interface)"
grep -q '^nameserver' <<<"$out" ||
  die "smoke check FAILED: no name server in the container on $smoke_net (aardvark-dns)"
echo "setup-host: smoke check passed: a container ran on network $smoke_net (runc, netavark, iptables, aardvark-dns)"

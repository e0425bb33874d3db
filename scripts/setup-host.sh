#!/usr/bin/env bash
# Prepare this machine (Debian 12, root) for the lab and the molecule scenarios:
# podman with runc, debootstrap, and the container settings this sandbox needs.
# Idempotent: every step checks before it changes anything.
set -euo pipefail

need=()
# netavark + aardvark-dns (podman's default network backend) and the CNI dnsname plugin (used
# when podman on this machine already chose CNI): either way hosts on a scenario's or the lab's
# network resolve each other by name.
for pkg in podman runc debootstrap uidmap slirp4netns openssh-client rsync git shellcheck \
  netavark aardvark-dns golang-github-containernetworking-plugin-dnsname; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup-host: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: installing packages needs root (run as root, or install: ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# crun fails here ("cgroups in hybrid mode") and the default ulimits cannot be raised inside
# this sandbox ("setrlimit RLIMIT_NOFILE: Operation not permitted"): pin runc and lower limits.
conf=/etc/containers/containers.conf
want='# managed by homelab.mediastack scripts/setup-host.sh
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  if [ -s "$conf" ] && ! grep -q 'managed by homelab.mediastack' "$conf"; then
    cp "$conf" "$conf.orig-$(date +%s)"
  fi
  mkdir -p /etc/containers
  printf '%s\n' "$want" >"$conf"
  echo "setup-host: wrote $conf"
fi

# A network made before name resolution was available keeps it off for good: remove our own
# networks that lack it and that no container uses; molecule and the lab create them again.
for net in $(podman network ls --format '{{.Name}}' | grep '^mediastack-' || true); do
  if [ "$(podman network inspect "$net" --format '{{.DNSEnabled}}')" != "true" ] &&
    [ -z "$(podman ps -aq --filter "network=$net")" ]; then
    podman network rm "$net" >/dev/null
    echo "setup-host: removed network $net (made without name resolution)"
  fi
done

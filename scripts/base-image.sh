#!/usr/bin/env bash
# Build the Debian 12 base image shared by the lab hosts and every molecule scenario:
# systemd as PID 1, sshd, python3. No image registry is reachable here, so it is built with
# debootstrap and imported into podman. The tag carries a hash of this script, so an edit
# rebuilds it; otherwise an existing image is reused (about 70 s saved per run).
# Prints the image name on stdout.
set -euo pipefail

packages="python3,python3-apt,systemd,systemd-sysv,dbus,openssh-server,iproute2,procps,sudo,ca-certificates,gnupg,curl,less"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
hash=$(sha256sum "$0" | cut -c1-10)
image="localhost/mediastack-base:${suite}-${hash}"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

rootfs=$(mktemp -d /var/tmp/mediastack-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "base-image: debootstrap $suite into $rootfs (a minute or two, done once)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >&2

# Per-host identity is made at container start (lab) or by systemd (machine-id), never
# baked into the image: every host would share it otherwise.
rm -f "$rootfs"/etc/ssh/ssh_host_* "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
: >"$rootfs/etc/machine-id"
# Regenerate missing SSH host keys before sshd starts, on every host made from this image.
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat >"$rootfs/etc/systemd/system/ssh.service.d/hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# Units that cannot work in a container only slow boot down or fail the system state.
for unit in systemd-remount-fs.service getty@tty1.service console-getty.service \
  systemd-firstboot.service sys-kernel-config.mount sys-kernel-debug.mount; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
ln -sf /lib/systemd/system/ssh.service "$rootfs/etc/systemd/system/multi-user.target.wants/ssh.service"
# contrib and non-free as on the set-up host: sabnzbdplus (contrib) and unrar (non-free) install
# on the test hosts like on a user's Debian with those components enabled.
components="main contrib non-free"
printf 'deb %s %s %s\ndeb %s %s-updates %s\ndeb %s %s-security %s\n' \
  "$mirror" "$suite" "$components" "$mirror" "$suite" "$components" \
  "$security_mirror" "$suite" "$components" >"$rootfs/etc/apt/sources.list"
mkdir -p "$rootfs/root/.ssh" && chmod 700 "$rootfs/root/.ssh"

tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["/sbin/init"]' --change 'ENV container=podman' --change 'STOPSIGNAL SIGRTMIN+3' \
  - "$image" >&2
echo "$image"

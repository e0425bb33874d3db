#!/usr/bin/env bash
# Start or remove the local lab: the hosts of inventory/lab as podman containers with systemd
# and sshd, on their own podman network, reached over SSH with a key made for this lab.
#   scripts/lab.sh up     create what is missing, start what is stopped, reuse what runs
#   scripts/lab.sh down   remove every lab container, volume and network (the plain lab's and
#                         every seed's: they carry the lab label) and .lab/; with a seed's LAB_PREFIX
#                         (make lab-down SEED=000) only that seed's containers, networks and state;
#                         with LAB_DOWN_SCOPE=own (make lab-down-plain) only the plain lab's
#                         containers, volumes, network, control planes and state (not .lab/seed-*)
# A seed's lab (make lab SEED=004) sets LAB_INVENTORY to the seed's inventory and the lab's
# overlay, separated by ':', LAB_STATE to .lab/seed-004 and LAB_PREFIX to mediastack-seed004-.
set -euo pipefail
root="${MEDIASTACK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
inventory="${LAB_INVENTORY:-$root/inventory/lab}"
state="${LAB_STATE:-$root/.lab}"
prefix="${LAB_PREFIX:-mediastack-lab-}"
label="io.homelab.mediastack.lab=true"
inventory_args=()
IFS=: read -r -a _sources <<<"$inventory"
for _source in "${_sources[@]}"; do inventory_args+=(-i "$_source"); done

lab_model() {
  # One line per host: name ip network subnet podman-args (from the inventory, the one source).
  ansible-inventory "${inventory_args[@]}" --list | python3 -c '
import json, shlex, sys
inv = json.load(sys.stdin)
for name, hv in sorted(inv["_meta"]["hostvars"].items()):
    if not hv.get("lab_container", True):
        continue  # a host only a stand-in knows (Talos nodes): no container
    net = hv["lab_network"]
    args = list(hv.get("lab_podman_args", []))
    for vol in hv.get("lab_volumes", []):
        # A podman volume of the lab (made by up() with the lab label) at path, read-only if asked.
        args += ["--mount", "type=volume,src=%s,dst=%s%s" % (vol["name"], vol["path"], ",ro" if vol.get("ro") else "")]
    extra = " ".join(shlex.quote(a) for a in args)
    print(name, hv["ansible_host"], net["name"], net["subnet"], extra)
'
}

lab_volume_names() {
  # The podman volumes the hosts share (lab_volumes: the lab's storage in place of NFS shares).
  ansible-inventory "${inventory_args[@]}" --list | python3 -c '
import json, sys
hostvars = json.load(sys.stdin)["_meta"]["hostvars"].values()
print("\n".join(sorted({v["name"] for hv in hostvars for v in hv.get("lab_volumes", [])})))
'
}

wait_for_ssh() {
  local container=$1
  for _ in $(seq 1 60); do
    if podman exec "$container" systemctl is-active --quiet ssh 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  echo "lab: sshd did not start in $container within 60 s; see: podman exec $container journalctl -u ssh" >&2
  return 1
}

up() {
  local image
  image=$(bash "$root/scripts/base-image.sh")
  mkdir -p "$state/ssh"
  chmod 700 "$state" "$state/ssh"
  [ -f "$state/ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C mediastack-lab -f "$state/ssh/id_ed25519"

  local model known
  model=$(lab_model)
  known="$state/ssh/known_hosts.new"
  : >"$known"
  for volume in $(lab_volume_names); do
    podman volume exists "$volume" || podman volume create --label "$label" "$volume" >/dev/null
  done
  while read -r name ip network subnet extra; do
    [ -n "$name" ] || continue  # no host is a container (seed 000: Talos node records only)
    podman network exists "$network" || podman network create --label "$label" --subnet "$subnet" "$network" >/dev/null
    local container="$prefix$name"
    if podman container exists "$container"; then
      [ "$(podman inspect -f '{{.State.Running}}' "$container")" = true ] || podman start "$container" >/dev/null
    else
      echo "lab: creating $name ($ip)"
      # shellcheck disable=SC2086 # extra holds already-quoted podman arguments
      eval podman run -d --name "$container" --hostname "$name" --label "$label" \
        --network "$network" --ip "$ip" --systemd=always $extra "$image" >/dev/null
    fi
    wait_for_ssh "$container"
    podman exec -i "$container" sh -c 'umask 077; mkdir -p /root/.ssh; cat > /root/.ssh/authorized_keys' \
      <"$state/ssh/id_ed25519.pub"
    # Host keys come from inside the container, not from the network: no trust on first use.
    podman exec "$container" sh -c 'cat /etc/ssh/ssh_host_*_key.pub' |
      awk -v ip="$ip" '{print ip, $1, $2}' >>"$known"
  done <<<"$model"
  mv "$known" "$state/ssh/known_hosts"
  echo "lab: $(grep -c . <<<"$model") host(s) up"
}

down() {
  local ids networks d v seed_only=false
  [ "$prefix" = mediastack-lab- ] || seed_only=true
  # LAB_DOWN_SCOPE=own (make lab-down-plain): only this lab, also for the plain lab, whose plain
  # down otherwise removes every lab on the machine.
  [ "${LAB_DOWN_SCOPE:-}" = own ] && seed_only=true
  # The local Kubernetes control planes (tests/lab/standins/kube_lab.yml) run on the controller;
  # the plain lab's down stops the seeds' too, as it removes their state.
  for d in "$state"/kube-lab-* $([ "$seed_only" = true ] || echo "$root"/.lab/seed-*/kube-lab-*); do
    [ -d "$d" ] && bash "$root/scripts/kube-lab.sh" down "$d"
  done
  if [ "$seed_only" = true ]; then
    ids=$(podman ps -aq --filter "label=$label" --filter "name=^$prefix")
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      podman rm -f -v -t 5 $ids >/dev/null
    fi
    # The seed's networks come from its inventory: without them its network would stay behind.
    model=$(lab_model) || {
      echo "lab: cannot read the lab's inventory ($inventory) for its networks: run 'make lab-down' (it uses the project's venv)" >&2
      exit 1
    }
    # Besides the hosts' networks, the networks and volumes the seed's stand-ins made with its
    # prefix (tests/lab/standins/cluster_apps.yml: <prefix>apps, <prefix>media).
    networks="$(awk '{print $3}' <<<"$model") $(podman network ls --format '{{.Name}}' --filter "label=$label" | grep "^$prefix" || true)"
    for n in $(tr ' ' '\n' <<<"$networks" | sort -u); do
      if podman network exists "$n"; then podman network rm "$n" >/dev/null; fi
    done
    for v in $(podman volume ls -q --filter "label=$label" | grep "^$prefix" || true); do
      podman volume rm -f "$v" >/dev/null
    done
    if [ "$prefix" = mediastack-lab- ]; then
      # The plain lab's own volumes (its lab_volumes) and state; the seeds' state under .lab/seed-*
      # stays.
      for v in $(lab_volume_names); do
        if podman volume exists "$v"; then podman volume rm -f "$v" >/dev/null; fi
      done
      find "$state" -mindepth 1 -maxdepth 1 ! -name 'seed-*' -exec rm -rf {} +
    else
      rm -rf "$state"
    fi
    echo "lab: removed ${prefix%-}"
    return 0
  fi
  ids=$(podman ps -aq --filter "label=$label")
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    podman rm -f -v -t 5 $ids >/dev/null
  fi
  ids=$(podman volume ls -q --filter "label=$label")
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    podman volume rm -f $ids >/dev/null
  fi
  networks=$(podman network ls -q --filter "label=$label")
  if [ -f "$inventory/hosts.yml" ] && command -v ansible-inventory >/dev/null; then
    # Networks made before they carried the label.
    networks="$networks $(lab_model | awk '{print $3}')"
  fi
  for n in $(tr ' ' '\n' <<<"$networks" | sort -u); do
    if podman network exists "$n"; then podman network rm "$n" >/dev/null; fi
  done
  rm -rf "$root/.lab" "$state"
  echo "lab: removed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac

"""Proxmox config parsing and diff logic: property strings, net/mp sub-keys, digest, pending, root@pam."""

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _proxmox as px
from ansible_collections.homelab.mediastack.plugins.module_utils._pve_conf import set_raw_lines, split_conf

NET_CURRENT = "name=eth0,bridge=vmbr0,gw=192.0.2.1,hwaddr=BC:24:11:AA:BB:CC,ip=192.0.2.56/24,type=veth"


def test_parse_net_keeps_all_sub_keys():
    parsed = px.parse_property_string("net0", NET_CURRENT)
    assert parsed["hwaddr"] == "BC:24:11:AA:BB:CC"
    assert parsed["type"] == "veth"
    assert list(parsed) == ["name", "bridge", "gw", "hwaddr", "ip", "type"]


def test_parse_mount_point_default_key_and_booleans():
    parsed = px.parse_property_string("mp0", "/srv/media/movies,mp=/media/movies,ro=true")
    assert parsed == {"volume": "/srv/media/movies", "mp": "/media/movies", "ro": "1"}
    assert px.format_property_string("mp0", parsed) == "/srv/media/movies,mp=/media/movies,ro=1"


def test_parse_dict_form_and_dev_default_key():
    assert px.parse_property_string("dev0", {"path": "/dev/dri/renderD128", "gid": 104}) == {
        "path": "/dev/dri/renderD128", "gid": "104"}
    assert px.parse_property_string("dev0", "/dev/dri/renderD128,gid=104")["path"] == "/dev/dri/renderD128"


def test_same_net_with_pve_added_hwaddr_is_no_change():
    updates, before, after = px.compare_config(
        {"net0": "name=eth0,bridge=vmbr0,ip=192.0.2.56/24,gw=192.0.2.1"}, {"net0": NET_CURRENT})
    assert updates == {} and before == {} and after == {}


def test_changed_net_sub_key_keeps_hwaddr_and_type():
    updates, before, after = px.compare_config({"net0": {"ip": "192.0.2.57/24"}}, {"net0": NET_CURRENT})
    sent = px.parse_property_string("net0", updates["net0"])
    assert sent["ip"] == "192.0.2.57/24"
    assert sent["hwaddr"] == "BC:24:11:AA:BB:CC"
    assert sent["type"] == "veth"
    assert before["net0"] == NET_CURRENT
    assert after["net0"] == updates["net0"]


def test_mp_ro_flag_change_is_detected():
    current = {"mp0": "/srv/media/movies,mp=/media/movies"}
    updates, _b, _a = px.compare_config({"mp0": "/srv/media/movies,mp=/media/movies,ro=1"}, current)
    assert px.parse_property_string("mp0", updates["mp0"])["ro"] == "1"


def test_mp_path_change_is_detected_even_if_other_values_match():
    current = {"mp0": "/srv/media/movies,mp=/media/movies,ro=1"}
    updates, _b, _a = px.compare_config({"mp0": "/srv/media/tv,mp=/media/movies,ro=1"}, current)
    assert updates["mp0"].startswith("/srv/media/tv,")


def test_scalars_compare_as_proxmox_returns_them():
    current = {"memory": 4096, "onboot": 1, "tags": "media;jellyfin", "description": "Jellyfin\n"}
    desired = {"memory": "4096", "onboot": True, "tags": "jellyfin,media", "description": "Jellyfin"}
    assert px.compare_config(desired, current) == ({}, {}, {})
    updates, before, after = px.compare_config({"memory": 2048}, current)
    assert updates == {"memory": "2048"} and before == {"memory": "4096"} and after == {"memory": "2048"}


def test_qemu_nic_model_without_mac_matches_any_mac():
    current = {"net0": "virtio=BC:24:11:00:11:22,bridge=vmbr0,tag=20"}
    assert px.compare_config({"net0": "virtio,bridge=vmbr0,tag=20"}, current)[0] == {}
    updates = px.compare_config({"net0": "virtio,bridge=vmbr0,tag=30"}, current)[0]
    assert updates["net0"] == "virtio=BC:24:11:00:11:22,bridge=vmbr0,tag=30"


def test_missing_key_is_added_and_unset_keys_are_never_removed():
    updates, before, after = px.compare_config({"mp1": "/srv/media/tv,mp=/media/tv,ro=1"}, {"memory": 512})
    assert list(updates) == ["mp1"] and before == {"mp1": None}
    assert px.keys_to_delete(["mp3", "dev0"], {"mp3": "x", "memory": 1}) == ["mp3"]
    assert px.keys_to_delete([], {"mp3": "x"}) == []


@pytest.mark.parametrize("kind,key,value,current,needs_root", [
    ("lxc", "mp0", "/srv/media,mp=/media", {}, True),
    ("lxc", "mp0", "local-lvm:8,mp=/data", {}, False),
    ("lxc", "dev0", "/dev/dri/renderD128,gid=104", {}, True),
    ("lxc", "features", "nesting=1", {"unprivileged": 1}, False),
    ("lxc", "features", "nesting=1,keyctl=1", {"unprivileged": 1}, True),
    ("lxc", "features", "nesting=1", {"unprivileged": 0}, True),
    ("lxc", "memory", "2048", {}, False),
    ("vm", "hostpci0", "0000:01:00.0,pcie=1", {}, True),
    ("vm", "hostpci0", "mapping=igpu,pcie=1", {}, False),
])
def test_root_only_rules(kind, key, value, current, needs_root):
    reason = px.root_only_reason("lxc" if kind == "lxc" else "qemu", key, value, current)
    assert (reason is not None) == needs_root


def test_root_only_problems_names_keys_and_reasons():
    problems = px.root_only_problems("lxc", {"dev0": "/dev/dri/renderD128,gid=104", "memory": "1"}, {})
    assert problems == ["dev0 (configuring device passthrough is only allowed for root@pam)"]


def test_pending_keys_from_api_entries():
    pending = [{"key": "memory", "value": "512"}, {"key": "features", "value": "nesting=1", "pending": "nesting=1,keyctl=1"},
               {"key": "mp3", "value": "/x,mp=/y", "delete": 1}]
    assert px.pending_keys(pending) == ["features", "mp3"]
    assert not px.needs_restart("lxc", "memory")
    assert px.needs_restart("qemu", "memory") and not px.needs_restart("qemu", "net0")


CONF = """arch: amd64
hostname: gpu
lxc.cgroup2.devices.allow: c 226:0 rwm
memory: 2048

[pve:pending]
memory: 4096

[before-gpu]
arch: amd64
memory: 1024
"""


def test_split_conf_stops_at_first_section():
    head, tail = split_conf(CONF)
    assert head[-1] == "memory: 2048"
    assert tail[0] == "[pve:pending]"


def test_raw_lines_go_before_snapshot_sections_and_replace_their_key():
    wanted = ["lxc.cgroup2.devices.allow: c 226:128 rwm",
              "lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none bind,optional,create=file"]
    text, before, after = set_raw_lines(CONF, wanted)
    head, tail = split_conf(text)
    assert before == ["lxc.cgroup2.devices.allow: c 226:0 rwm"]
    assert after == wanted
    start = head.index(wanted[0])  # in place of the key's old line, inside the container's own section
    assert head[start:start + 2] == wanted
    assert "lxc.cgroup2.devices.allow: c 226:0 rwm" not in text
    assert tail == ["[pve:pending]", "memory: 4096", "", "[before-gpu]", "arch: amd64", "memory: 1024"]
    again, _b, _a = set_raw_lines(text, wanted)
    assert again == text


def test_raw_lines_reject_non_lxc_keys():
    with pytest.raises(ValueError):
        set_raw_lines(CONF, ["memory: 1"])


def test_two_raw_line_owners_do_not_move_each_other():
    """proxmox_guest writes lxc.idmap, gpu_passthrough the device lines: each rerun is no change (point 9)."""
    idmap = ["lxc.idmap: u 0 100000 65536", "lxc.idmap: g 0 100000 104", "lxc.idmap: g 104 993 1",
             "lxc.idmap: g 105 100105 65431"]
    devices = ["lxc.cgroup2.devices.allow: c 226:128 rwm",
               "lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none bind,optional,create=file"]
    text, _b, _a = set_raw_lines("arch: amd64\nmemory: 512\n", idmap)
    text, _b, _a = set_raw_lines(text, devices)
    again, _b, _a = set_raw_lines(text, idmap)
    assert again == text
    again, _b, _a = set_raw_lines(again, devices)
    assert again == text
    changed, _b, _a = set_raw_lines(text, idmap[:1] + ["lxc.idmap: g 0 100000 65536"])
    assert changed.splitlines()[2:4] == ["lxc.idmap: u 0 100000 65536", "lxc.idmap: g 0 100000 65536"]
    assert changed.splitlines()[-2:] == devices

"""Read the Proxmox layer back from the stand-in: through the API and through the config files."""

import json

testinfra_hosts = ["ansible://proxmox_hosts"]

TOKEN = "automation@pve!ansible=0b5e7a1c-1111-4222-8333-944445555666"  # test-only stand-in token

API = """
import json, ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
req = urllib.request.Request("https://127.0.0.1:8006/api2/json" + sys.argv[1],
                             headers={"Authorization": "PVEAPIToken=%s"})
print(json.dumps(json.load(urllib.request.urlopen(req, context=ctx))["data"]))
"""


def api(host, path):
    out = host.check_output("python3 -c '%s' '%s'" % (API % TOKEN, path))
    return json.loads(out)


def conf(host, path):
    head, _sep, tail = host.file(path).content_string.partition("\n[")
    lines = dict(line.split(": ", 1) for line in head.splitlines() if line and not line.startswith(("#", "lxc.")))
    return head, "[" + tail if tail else "", lines


def test_service_runs_and_answers_https(host):
    assert host.service("pve-standin").is_running
    assert api(host, "/version")["version"].startswith("9.")


def test_guests_exist_with_fixed_ids_and_run(host):
    guests = {g["vmid"]: g for g in api(host, "/cluster/resources?type=vm")}
    assert set(guests) == {123, 156, 159, 209, 210, 9000}
    for vmid in (123, 156, 159, 209, 210):
        assert guests[vmid]["status"] == "running"
    assert guests[156]["type"] == "lxc" and guests[209]["type"] == "qemu"


def test_jellyfin_lxc_config_file(host):
    head, _tail, cfg = conf(host, "/etc/pve/lxc/156.conf")
    assert cfg["memory"] == "4096" and cfg["cores"] == "4" and cfg["swap"] == "1024"
    assert cfg["unprivileged"] == "1"
    assert cfg["features"] == "nesting=1"
    assert cfg["rootfs"] == "local-lvm:vm-156-disk-0,size=64G"
    assert cfg["mp0"] == "/srv/media/movies,mp=/media/movies,ro=1"
    assert cfg["mp3"] == "/srv/media/downloads/complete,mp=/media/downloads,ro=1"
    net = dict(part.split("=", 1) for part in cfg["net0"].split(","))
    assert net["ip"] == "192.0.2.56/24" and net["gw"] == "192.0.2.1" and net["bridge"] == "vmbr0"
    assert net["type"] == "veth" and len(net["hwaddr"]) == 17


def test_qbittorrent_has_a_rw_mount(host):
    _head, _tail, cfg = conf(host, "/etc/pve/lxc/159.conf")
    assert cfg["mp0"] == "/srv/media/downloads,mp=/srv/downloads,ro=0"
    assert cfg["memory"] == "2048"


def test_gpu_dev_entry_is_hot_plugged_into_the_running_container(host):
    # PVE 8/9 (pve-container vmconfig_hotplug_pending): a new devN on a running CT is plugged at once
    config = api(host, "/nodes/pve/lxc/156/config?current=1")
    assert config["dev0"] == "/dev/dri/renderD128,gid=104,mode=0660"
    assert len(config["digest"]) == 40
    assert not [p for p in api(host, "/nodes/pve/lxc/156/pending") if "pending" in p or p.get("delete")]
    _head, _tail, cfg = conf(host, "/etc/pve/lxc/156.conf")
    assert cfg["dev0"] == "/dev/dri/renderD128,gid=104,mode=0660"


def test_gpu_raw_lines_and_group_mapping(host):
    head, _tail, _cfg = conf(host, "/etc/pve/lxc/159.conf")
    raw = [line for line in head.splitlines() if line.startswith("lxc.")]
    # lxc.idmap from the proxmox layer (its one owner), the device lines from the gpu layer
    assert raw == [
        "lxc.idmap: u 0 100000 65536",
        "lxc.idmap: g 0 100000 104",
        "lxc.idmap: g 104 993 1",
        "lxc.idmap: g 105 100105 65431",
        "lxc.cgroup2.devices.allow: c 226:128 rwm",
        "lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none bind,optional,create=file",
    ]
    assert "root:993:1" in host.file("/etc/subgid").content_string.splitlines()
    assert api(host, "/nodes/pve/lxc/159/config")["lxc"][4] == ["lxc.cgroup2.devices.allow", "c 226:128 rwm"]


def test_seed_002_privileged_gpu_container(host):
    head, _tail, cfg = conf(host, "/etc/pve/lxc/123.conf")
    assert cfg.get("unprivileged", "0") == "0" and cfg["hostname"] == "k3s-w3"
    assert cfg["memory"] == "8192" and cfg["tags"] == "gpu;k3s"
    raw = [line for line in head.splitlines() if line.startswith("lxc.")]
    assert raw == ["lxc.cgroup2.devices.allow: c 226:* rwm",
                   "lxc.mount.entry: /dev/dri dev/dri none bind,optional,create=dir"]
    assert api(host, "/nodes/pve/lxc/123/status/current")["status"] == "running"


def test_vms_cloned_and_configured(host):
    for vmid, name, memory, address in ((209, "download-stack", 16384, "198.51.100.209/24"),
                                        (210, "streaming-stack", 8192, "198.51.100.210/24")):
        config = api(host, "/nodes/pve/qemu/%d/config" % vmid)
        assert config["name"] == name
        assert config["memory"] == str(memory)  # a VM's memory is a property string
        assert config["sshkeys"].startswith("ssh-ed25519%20AAAA")  # create keys reach the clone
        assert config["ipconfig0"] == "ip=%s,gw=198.51.100.1" % address
        assert config["ciuser"] == "media"
        assert "template" not in config
        assert config["scsi0"] == "local-lvm:vm-%d-disk-0,size=8G" % vmid
        assert config["net0"].startswith("virtio=") and config["net0"].endswith(",bridge=vmbr0")
        assert config["net0"] != "virtio=BC:24:11:00:90:00,bridge=vmbr0"


def test_host_side_kernel_args_and_modules(host):
    assert host.file("/etc/kernel/cmdline").content_string.split() == [
        "root=ZFS=rpool/ROOT/pve-1", "boot=zfs", "intel_iommu=on", "iommu=pt"]
    assert host.file("/etc/modules-load.d/vfio.conf").content_string.splitlines()[1:] == [
        "vfio", "vfio_iommu_type1", "vfio_pci"]
    calls = [line.split(" ", 1)[1].strip() for line in host.file("/var/log/pve-standin-commands.log").content_string.splitlines()]
    # converge: systemd-boot refresh + initramfs once (idempotence and drift added none); grub.yml: GRUB on
    # ESPs refreshed by proxmox-boot-tool, then plain GRUB by update-grub
    assert calls == ["proxmox-boot-tool refresh", "update-initramfs -u -k all", "proxmox-boot-tool refresh",
                     "update-grub"]


def test_vm_gets_pci_device_and_q35_pending_until_restart(host):
    config = api(host, "/nodes/pve/qemu/210/config")
    assert config["hostpci0"] == "0000:01:00.0,pcie=1" and config["machine"] == "q35"
    pending = {p["key"]: p for p in api(host, "/nodes/pve/qemu/210/pending")}
    assert pending["hostpci0"]["pending"] == "0000:01:00.0,pcie=1"
    assert pending["machine"]["pending"] == "q35"
    assert "hostpci0" not in api(host, "/nodes/pve/qemu/210/config?current=1")

"""GuestManager end to end against the Proxmox VE stand-in (real proxmoxer, real HTTPS, in-process).

The stand-in answers from the upstream sources (tests/standins/proxmox), so these tests fail
where the module would break a real node (issue 14's points, noted per test).
"""

import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import pve_harness  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.homelab.mediastack.plugins.module_utils import _proxmox_guest as pg  # noqa: E402

pytest.importorskip("proxmoxer")
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


class Done(Exception):
    pass


class Failed(Exception):
    pass


class Module:
    def __init__(self, connection, check_mode=False, **params):
        self.check_mode = check_mode
        self.params = dict(node="pve", vmid=156, kind="lxc", state="present", running=None, config={}, create={},
                           password=None, clone=None, clone_full=True, storage=None, absent_keys=[], owned_keys=[],
                           restart=False, confirm_destroy=False, timeout=20)
        self.params.update(connection)
        self.params.update(params)
        self.warnings = []

    def exit_json(self, **kwargs):
        raise Done(kwargs)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)

    def warn(self, msg):
        self.warnings.append(msg)


@pytest.fixture(scope="module", name="server")
def fixture_server(tmp_path_factory):
    return pve_harness.Standin(tmp_path_factory.mktemp("pve"))


@pytest.fixture(name="pve")
def fixture_pve(server):
    return server.reset()


def run(pve, token=False, **params):
    module = Module(pve.token_params() if token else pve.params(), **params)
    try:
        pg.GuestManager(module).run()
    except Done as done:
        return "ok", done.args[0], module
    except Failed as failed:
        return "failed", failed.args[0], module
    raise AssertionError("module neither exited nor failed")


def ct(pve, vmid=156, running=True, extra=""):
    pve.write_conf("lxc", vmid, "arch: amd64\ncores: 2\nhostname: ct%d\nmemory: 2048\n"
                   "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth\nostype: debian\n"
                   "rootfs: local-lvm:vm-%d-disk-0,size=8G\nswap: 512\nunprivileged: 1\n%s" % (vmid, vmid, extra))
    pve.set_running(vmid, running)


def vm(pve, vmid=209, running=True, extra=""):
    pve.write_conf("qemu", vmid, "agent: 1\nboot: order=scsi0\ncores: 2\nide2: local-lvm:vm-%d-cloudinit,media=cdrom\n"
                   "memory: 2048\nname: vm%d\nnet0: virtio=BC:24:11:00:90:01,bridge=vmbr0\nostype: l26\n"
                   "scsi0: local-lvm:vm-%d-disk-0,size=8G\nscsihw: virtio-scsi-single\n%s" % (vmid, vmid, vmid, extra))
    pve.set_running(vmid, running)


def conf_lines(pve, kind, vmid):
    head = pve.read_conf(kind, vmid).split("\n[")[0]
    return dict(line.split(": ", 1) for line in head.splitlines() if ": " in line and not line.startswith("#"))


# -------------------------------------------------------------------- point 1: q35 for pcie=1

def test_pcie_on_i440fx_is_refused_before_any_change(pve):
    vm(pve, running=False)
    before = pve.read_conf("qemu", 209)
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"hostpci0": "0000:01:00.0,pcie=1"}, running=True)
    assert outcome == "failed" and "q35" in result["msg"] and "machine: q35" in result["msg"]
    assert pve.read_conf("qemu", 209) == before


def test_pcie_with_q35_starts(pve):
    vm(pve, running=False)
    outcome, result, _m = run(pve, vmid=209, kind="vm", running=True,
                              config={"hostpci0": "0000:01:00.0,pcie=1", "machine": "q35"})
    assert outcome == "ok", result
    assert conf_lines(pve, "qemu", 209)["machine"] == "q35"
    assert pve.mod.is_running(209)


# -------------------------------------------------------------------- point 2: allocation syntax

def test_mount_point_allocation_is_not_resent(pve):
    ct(pve, extra="mp1: local-lvm:vm-156-disk-1,mp=/data,size=8G\n")
    outcome, result, _m = run(pve, config={"mp1": "local-lvm:8,mp=/data", "rootfs": "local-lvm:8"})
    assert outcome == "ok" and result["changed"] is False, result
    assert "unused0" not in conf_lines(pve, "lxc", 156)


def test_vm_disk_grows_by_resize_not_by_a_new_volume(pve):
    vm(pve, extra="scsi1: local-lvm:vm-209-disk-1,size=32G\n")
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"scsi1": "local-lvm:40"})
    assert outcome == "ok" and result["changed"] is True, result
    lines = conf_lines(pve, "qemu", 209)
    assert lines["scsi1"] == "local-lvm:vm-209-disk-1,size=40G" and "unused0" not in lines
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"scsi1": "local-lvm:40"})
    assert result["changed"] is False


def test_volume_shrink_or_move_is_refused(pve):
    vm(pve, extra="scsi1: local-lvm:vm-209-disk-1,size=32G\n")
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"scsi1": "local-lvm:16"})
    assert outcome == "failed" and "shrink" in result["msg"]
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"scsi1": "tank:32"})
    assert outcome == "failed" and "move" in result["msg"]


def test_new_mount_point_is_allocated_once(pve):
    ct(pve, running=False)
    assert run(pve, config={"mp1": "local-lvm:8,mp=/data"})[1]["changed"] is True
    assert conf_lines(pve, "lxc", 156)["mp1"] == "local-lvm:vm-156-disk-1,mp=/data,size=8G"
    outcome, result, _m = run(pve, config={"mp1": "local-lvm:8,mp=/data"})
    assert outcome == "ok" and result["changed"] is False
    assert "unused0" not in conf_lines(pve, "lxc", 156)


# -------------------------------------------------------------------- point 17: NIC model, cloud-init drive

def test_vm_nic_model_can_change_and_keeps_its_mac(pve):
    vm(pve, running=False)
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"net0": "e1000,bridge=vmbr0"})
    assert outcome == "ok", result
    assert conf_lines(pve, "qemu", 209)["net0"] == "e1000=BC:24:11:00:90:01,bridge=vmbr0"
    assert run(pve, vmid=209, kind="vm", config={"net0": "e1000,bridge=vmbr0"})[1]["changed"] is False


def test_cloudinit_drive_in_config_is_no_change(pve):
    vm(pve, running=False)
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"ide2": "local-lvm:cloudinit"})
    assert outcome == "ok" and result["changed"] is False, result


# -------------------------------------------------------------------- point 3: clones

def test_clone_receives_create_keys_and_storage(pve):
    vm(pve, 9000, running=False, extra="template: 1\n")
    outcome, result, _m = run(pve, vmid=210, kind="vm", clone=9000, storage="local-lvm", running=True,
                              config={"name": "web", "ciuser": "media", "ipconfig0": "ip=192.0.2.10/24,gw=192.0.2.1"},
                              create={"sshkeys": "ssh-ed25519%20AAAAC3Nz%20admin"})
    assert outcome == "ok", result
    lines = conf_lines(pve, "qemu", 210)
    assert lines["sshkeys"] == "ssh-ed25519%20AAAAC3Nz%20admin" and lines["ciuser"] == "media"
    assert lines["ipconfig0"] == "ip=192.0.2.10/24,gw=192.0.2.1"
    assert lines["scsi0"] == "local-lvm:vm-210-disk-0,size=8G"
    again = run(pve, vmid=210, kind="vm", clone=9000, storage="local-lvm", running=True,
                config={"name": "web", "ciuser": "media", "ipconfig0": "ip=192.0.2.10/24,gw=192.0.2.1"},
                create={"sshkeys": "ssh-ed25519%20AAAAC3Nz%20admin"})
    assert again[1]["changed"] is False, again


# -------------------------------------------------------------------- point 6: no longer declared

def test_owned_keys_and_sub_keys_are_removed_when_no_longer_declared(pve):
    ct(pve, running=False, extra="startup: order=2\nmp0: /srv/old,mp=/old\n")
    pve.write_conf("lxc", 156, pve.read_conf("lxc", 156).replace("ip=dhcp", "ip=192.0.2.5/24,gw=192.0.2.1,tag=20"))
    outcome, result, _m = run(pve, config={"net0": "name=eth0,bridge=vmbr0,ip=dhcp"},
                              owned_keys=["net0", "startup", "mp0", "mp1", "tags"])
    assert outcome == "ok" and result["changed"] is True, result
    lines = conf_lines(pve, "lxc", 156)
    assert "startup" not in lines and "mp0" not in lines
    net = dict(p.split("=", 1) for p in lines["net0"].split(","))
    assert "tag" not in net and "gw" not in net and net["hwaddr"] == "BC:24:11:AA:BB:CC"
    assert run(pve, config={"net0": "name=eth0,bridge=vmbr0,ip=dhcp"},
               owned_keys=["net0", "startup", "mp0", "mp1", "tags"])[1]["changed"] is False


def test_keys_not_owned_are_never_removed(pve):
    ct(pve, running=False, extra="startup: order=2\n")
    assert run(pve, config={"memory": 2048})[1]["changed"] is False
    assert conf_lines(pve, "lxc", 156)["startup"] == "order=2"


# -------------------------------------------------------------------- point 8: tags

def test_mixed_case_tags_converge(pve):
    ct(pve)
    assert run(pve, config={"tags": "Media;Streaming;media"})[1]["changed"] is True
    assert conf_lines(pve, "lxc", 156)["tags"] == "media;streaming"
    assert run(pve, config={"tags": "Media;Streaming;media"})[1]["changed"] is False


# -------------------------------------------------------------------- point 12: root@pam rules, hotplug

def test_token_may_change_nesting_next_to_existing_flags(pve):
    ct(pve, extra="features: keyctl=1,nesting=0\n")
    outcome, result, _m = run(pve, token=True, config={"features": "keyctl=1,nesting=1"})
    assert outcome == "ok", result


def test_token_deleting_a_device_is_refused_before_the_write(pve):
    ct(pve, extra="dev0: /dev/dri/renderD128\n")
    outcome, result, _m = run(pve, token=True, config={}, absent_keys=["dev0"])
    assert outcome == "failed" and "delete dev0" in result["msg"] and "Nothing was changed" in result["msg"]


def test_token_replacing_a_raw_pci_device_is_refused(pve):
    vm(pve, extra="hostpci0: 0000:01:00.0\n")
    outcome, result, _m = run(pve, token=True, vmid=209, kind="vm", config={"hostpci0": "mapping=igpu"})
    assert outcome == "failed" and "old value" in result["msg"]
    vm(pve)
    outcome, result, _m = run(pve, token=True, vmid=209, kind="vm", config={"hostpci0": "mapping=igpu,romfile=a.rom"})
    assert outcome == "failed" and "romfile" in result["msg"]


def test_lxc_hotplug_prediction_matches_the_node(pve):
    ct(pve)
    config = {"nameserver": "192.0.2.1", "dev0": "/dev/dri/renderD128,gid=104", "memory": 4096}
    outcome, result, _m = run(pve, check_mode=True, config=config)
    assert outcome == "ok" and result["pending"] == ["nameserver"] and result["restart_needed"] is True
    outcome, result, _m = run(pve, config=config)
    assert result["pending"] == ["nameserver"] and result["restart_needed"] is True


def test_vm_check_mode_prediction_matches_the_node(pve):
    vm(pve)
    config = {"agent": "0", "boot": "order=ide2;scsi0", "cipassword": "x", "description": "hi"}
    outcome, predicted, _m = run(pve, check_mode=True, vmid=209, kind="vm", config=config)
    assert outcome == "ok"
    outcome, real, _m = run(pve, vmid=209, kind="vm", config=config)
    assert sorted(predicted["pending"]) == sorted(real["pending"]), (predicted["pending"], real["pending"])
    assert "agent" in real["pending"] and "boot" in real["pending"]


# -------------------------------------------------------------------- point 11: cloud-init pending

def test_cloudinit_change_on_a_running_vm_is_reported(pve):
    vm(pve, extra="ciuser: old\n")
    outcome, result, module = run(pve, vmid=209, kind="vm", config={"ciuser": "media"})
    assert outcome == "ok" and result["changed"] is True
    assert "cloudinit:ciuser" in result["pending"] and result["restart_needed"] is True
    assert module.warnings
    outcome, result, _m = run(pve, vmid=209, kind="vm", config={"ciuser": "media"}, restart=True)
    assert "restart" in result["actions"] and result["pending"] == []


# -------------------------------------------------------------------- point 13: transport, task errors

def test_unreachable_api_gives_a_clear_message(pve):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    module = Module(pve.params(api_port=port, api_timeout=2))
    with pytest.raises(Failed) as info:
        pg.GuestManager(module)
    assert "cannot connect" in info.value.args[0]["msg"] and "Traceback" not in info.value.args[0]["msg"]


def test_task_403_says_so(pve, monkeypatch):
    ct(pve, running=False)
    monkeypatch.setattr(pve.mod, "task_status", lambda user, upid: (_unused for _unused in ()).throw(pve.mod.perm_exc("/nodes/pve, Sys.Audit")))
    start = time.time()
    outcome, result, _m = run(pve, running=True, timeout=60)
    assert outcome == "failed" and "403" in result["msg"] and time.time() - start < 10


def test_task_595_says_so(pve, monkeypatch):
    ct(pve, running=False)
    monkeypatch.setattr(pve.mod, "task_status", lambda user, upid: (_unused for _unused in ()).throw(pve.mod.ApiError(595, "No route to host")))
    start = time.time()
    outcome, result, _m = run(pve, running=True, timeout=60)
    assert outcome == "failed" and "595" in result["msg"] and "could not be reached" in result["msg"]
    assert time.time() - start < 10


def test_destroy_reads_the_live_status(pve, monkeypatch):
    ct(pve, running=True)
    monkeypatch.setattr(pve.mod, "resources", lambda rtype=None: [
        {"id": "lxc/156", "type": "lxc", "node": "pve", "vmid": 156, "name": "ct156", "status": "stopped"}])
    outcome, result, _m = run(pve, state="absent", confirm_destroy=True)
    assert outcome == "ok", result
    assert 156 not in pve.mod.all_guests()


# -------------------------------------------------------------------- point 10: TLS with the node's CA

def test_ca_path_keeps_certificate_checks_on(pve):
    ct(pve)
    outcome, result, _m = run(pve, config={"memory": 2048}, validate_certs=True, ca_path=pve.cert)
    assert outcome == "ok" and result["changed"] is False
    module = Module(pve.params(validate_certs=True))
    with pytest.raises(Failed) as info:
        pg.GuestManager(module)
    assert "TLS certificate check failed" in info.value.args[0]["msg"] and "ca_path" in info.value.args[0]["msg"]


def test_roles_pass_ca_path():
    root = Path(__file__).resolve().parents[4]
    for role, var in (("proxmox_guest", "proxmox_guest_ca_path"), ("gpu_passthrough", "gpu_passthrough_ca_path")):
        tasks = "".join(p.read_text() for p in (root / "roles" / role / "tasks").glob("*.yml"))
        assert "ca_path: \"{{ %s" % var in tasks
        assert var in (root / "roles" / role / "meta" / "argument_specs.yml").read_text()

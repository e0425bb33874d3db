"""Contract test of the Proxmox VE stand-in: it answers as the recorded real node does.

Each check replays a fact recorded in ../shared/reference/proxmox (FACTS.md quotes real
responses and error texts; pve-api-schema.json is the official schema) or a rule of the upstream
sources the stand-in cites, over real HTTPS with proxmoxer, as the collection talks to a node.
"""

import json
import re
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pve_harness  # noqa: E402  pylint: disable=wrong-import-position

proxmoxer = pytest.importorskip("proxmoxer")
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module", name="server")
def fixture_server(tmp_path_factory):
    return pve_harness.Standin(tmp_path_factory.mktemp("pve"))


@pytest.fixture(name="pve")
def fixture_pve(server):
    return server.reset()


@pytest.fixture(name="facts", scope="module")
def fixture_facts():
    if not pve_harness.FACTS.is_file():
        pytest.skip("FACTS.md not found")
    return pve_harness.FACTS.read_text()


def raw(pve, method, path, headers=None, **data):
    url = "https://127.0.0.1:%d/api2/json%s" % (pve.port, path)
    return requests.request(method, url, data=data or None, headers=headers or {}, verify=False, timeout=10)


def token_headers():
    return {"Authorization": "PVEAPIToken=%s=%s" % (pve_harness.TOKEN_ID, pve_harness.TOKEN_SECRET)}


def root_api(pve):
    return proxmoxer.ProxmoxAPI("127.0.0.1", port=pve.port, user="root@pam", password=pve_harness.ROOT_PASSWORD,
                                verify_ssl=False)


def token_api(pve):
    return proxmoxer.ProxmoxAPI("127.0.0.1", port=pve.port, user="automation@pve", token_name="ansible",
                                token_value=pve_harness.TOKEN_SECRET, verify_ssl=False)


def wait(api, upid):
    for _unused in range(100):
        status = api.nodes("pve").tasks(upid).status.get()
        if status["status"] == "stopped":
            return status
        time.sleep(0.05)
    raise AssertionError("task did not end")


def ct(pve, vmid=156, running=False, extra=""):
    pve.write_conf("lxc", vmid, "arch: amd64\ncores: 2\nhostname: ct%d\nmemory: 2048\n"
                   "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth\nostype: debian\n"
                   "rootfs: local-lvm:vm-%d-disk-0,size=8G\nswap: 512\nunprivileged: 1\n%s" % (vmid, vmid, extra))
    pve.set_running(vmid, running)


def vm(pve, vmid=209, running=False, extra=""):
    pve.write_conf("qemu", vmid, "agent: 1\nboot: order=scsi0\ncores: 2\nide2: local-lvm:vm-%d-cloudinit,media=cdrom\n"
                   "memory: 2048\nname: vm%d\nnet0: virtio=BC:24:11:00:90:01,bridge=vmbr0\nostype: l26\n"
                   "scsi0: local-lvm:vm-%d-disk-0,size=8G\nscsihw: virtio-scsi-single\n%s" % (vmid, vmid, vmid, extra))
    pve.set_running(vmid, running)


# ---------------------------------------------------------------- envelope, auth, errors (FACTS 2.1)

def test_envelope_and_server_header(pve):
    resp = raw(pve, "GET", "/version", token_headers())
    assert resp.status_code == 200 and resp.headers["Server"] == "pve-api-daemon/3.0"
    assert resp.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert set(resp.json()) == {"data"} and resp.json()["data"]["version"].startswith("9.")


def test_ticket_shape_and_csrf(pve, facts):
    resp = raw(pve, "POST", "/access/ticket", username="root@pam", password=pve_harness.ROOT_PASSWORD)
    data = resp.json()["data"]
    assert re.match(r"^PVE:root@pam:[0-9A-F]{8}::", data["ticket"]) and "PVE:root@pam:4EEC61E2::" in facts
    assert re.match(r"^[0-9A-F]{8}:", data["CSRFPreventionToken"]) and data["username"] == "root@pam"
    cookie = {"Cookie": "PVEAuthCookie=" + urllib.parse.quote(data["ticket"])}
    assert raw(pve, "GET", "/version", cookie).status_code == 200
    no_csrf = raw(pve, "PUT", "/nodes/pve/lxc/156/config", cookie, memory="1")
    assert no_csrf.status_code == 401  # a write with a ticket needs the CSRF header


def test_unauthenticated_and_bad_token(pve, facts):
    assert "`No ticket`" in facts
    resp = raw(pve, "GET", "/version")
    assert resp.status_code == 401 and resp.reason == "No ticket"
    bad = raw(pve, "GET", "/version", {"Authorization": "PVEAPIToken=automation@pve!ansible=wrong"})
    assert bad.status_code == 401 and bad.reason == "authentication failure"


def test_token_cannot_get_a_ticket_endpoint_allowtoken_0(pve):
    assert pve.mod.schema_for("/access/ticket")[1]["POST"]["allowtoken"] == 0


def test_parameter_errors_as_recorded(pve, facts):
    ct(pve)
    resp = raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), bogus="1")
    assert resp.status_code == 400 and resp.reason == "Parameter verification failed."
    body = resp.json()
    assert body["data"] is None and body["message"] == "Parameter verification failed.\n"
    assert body["errors"]["bogus"].startswith("property is not defined in schema")
    assert "property is not defined in schema" in facts
    typed = raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), memory="lots")
    assert typed.json()["errors"]["memory"] == "type check ('integer') failed - got 'lots'"


def test_booleans_parse_like_pve(pve):
    ct(pve)
    for value, stored in (("yes", "1"), ("OFF", "0"), ("True", "1")):
        assert raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), onboot=value).status_code == 200
        assert "\nonboot: %s\n" % stored in pve.read_conf("lxc", 156)
    assert raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), onboot="maybe").status_code == 400


def test_missing_config_is_a_500_with_the_recorded_text(pve, facts):
    resp = raw(pve, "GET", "/nodes/pve/qemu/101/config", token_headers())
    assert resp.status_code == 500
    assert resp.reason == "Configuration file 'nodes/pve/qemu-server/101.conf' does not exist"
    assert "Configuration file 'nodes/pve/qemu-server/101.conf' does not exist" in facts


def test_digest_mismatch_as_recorded(pve, facts):
    ct(pve)
    resp = raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), memory="1024", digest="0" * 40)
    assert resp.status_code == 500 and resp.reason in facts
    assert resp.reason == "detected modified configuration - file changed by other user? Try again."


def test_destroy_running_as_recorded(pve, facts):
    vm(pve, 101, running=True)
    resp = raw(pve, "DELETE", "/nodes/pve/qemu/101", token_headers())
    assert resp.status_code == 500 and resp.reason == "VM 101 is running - destroy failed" and resp.reason in facts


def test_existing_vmid_as_recorded(pve, facts):
    try:  # the recorded message came from a node called 'proxmox'
        pve.mod.CONF["node"] = "proxmox"
        pve.mod.configure(pve.mod.CONF)
        (Path(pve.mod.conf_dir("lxc")) / "108.conf").write_text("memory: 512\n")
        resp = raw(pve, "POST", "/nodes/proxmox/lxc", token_headers(), vmid="108", ostemplate=pve_harness.TEMPLATE)
        assert resp.reason == "CT 108 already exists on node 'proxmox'" and resp.reason in facts
    finally:
        pve.mod.CONF["node"] = "pve"
        pve.mod.configure(pve.mod.CONF)


def test_other_node_is_595(pve):
    resp = raw(pve, "GET", "/nodes/pve2/lxc/156/config", token_headers())
    assert resp.status_code == 595


# ---------------------------------------------------------------- tasks (FACTS 2.2, pve-common UPID.pm)

def test_upid_has_nine_fields_and_eight_colons(pve, facts):
    recorded = re.search(r'"data":"(UPID:[^"]+)"', facts).group(1)
    assert recorded.count(":") == 8
    api = token_api(pve)
    upid = api.nodes("pve").lxc.post(vmid=170, ostemplate=pve_harness.TEMPLATE, hostname="x")
    assert upid.count(":") == 8 and upid.endswith(":automation@pve!ansible:")
    assert pve.mod.UPID_RE.match(recorded) and pve.mod.UPID_RE.match(upid)
    from proxmoxer.tools import Tasks  # pylint: disable=import-outside-toplevel
    assert Tasks.decode_upid(upid)["type"] == "vzcreate"
    first = api.nodes("pve").tasks(upid).status.get()
    assert first["status"] == "running" and "exitstatus" not in first
    done = wait(api, upid)
    assert done["exitstatus"] == "OK" and done["type"] == "vzcreate" and done["id"] == "170"
    assert api.nodes("pve").tasks(upid).log.get()[-1]["t"] == "TASK OK"


def test_task_status_forbidden_is_403(pve):
    pve.reset(task_forbidden_users=[pve_harness.TOKEN_ID])
    root = root_api(pve)
    upid = root.nodes("pve").lxc.post(vmid=171, ostemplate=pve_harness.TEMPLATE)
    with pytest.raises(proxmoxer.core.ResourceException) as info:
        token_api(pve).nodes("pve").tasks(upid).status.get()
    assert info.value.status_code == 403


# ---------------------------------------------------------------- config semantics

def test_lxc_net_gets_hwaddr_and_veth_and_a_new_mac_when_none_is_sent(pve):
    ct(pve)
    api = token_api(pve)
    api.nodes("pve").lxc(156).config.put(net0="name=eth0,bridge=vmbr0,ip=dhcp")
    net = api.nodes("pve").lxc(156).config.get()["net0"]
    assert "type=veth" in net and "hwaddr=" in net
    assert "hwaddr=BC:24:11:AA:BB:CC" not in net  # parse_lxc_network: a fresh MAC unless hwaddr is sent


def test_tags_are_lowercased_sorted_and_deduplicated(pve):
    ct(pve)
    api = token_api(pve)
    api.nodes("pve").lxc(156).config.put(tags="Media,streaming;media Zeta")
    assert api.nodes("pve").lxc(156).config.get()["tags"] == "media;streaming;zeta"


def test_memory_type_lxc_integer_vm_string(pve):
    ct(pve)
    vm(pve)
    api = token_api(pve)
    assert api.nodes("pve").lxc(156).config.get()["memory"] == 2048
    assert api.nodes("pve").qemu(209).config.get()["memory"] == "2048"
    assert api.nodes("pve").qemu(209).config.get()["cores"] == 2


def test_lxc_volume_allocation_makes_a_new_volume_and_parks_the_old(pve):
    ct(pve, extra="mp1: local-lvm:vm-156-disk-1,mp=/data,size=8G\n")
    api = root_api(pve)
    api.nodes("pve").lxc(156).config.put(mp1="local-lvm:8,mp=/data")
    conf = api.nodes("pve").lxc(156).config.get()
    assert conf["mp1"] == "local-lvm:vm-156-disk-2,mp=/data,size=8G"
    assert conf["unused0"] == "local-lvm:vm-156-disk-1"


def test_vm_disk_allocation_parks_the_old_disk(pve):
    vm(pve, extra="scsi1: local-lvm:vm-209-disk-1,size=32G\n")
    api = root_api(pve)
    api.nodes("pve").qemu(209).config.put(scsi1="local-lvm:32")
    conf = api.nodes("pve").qemu(209).config.get()
    assert conf["scsi1"] == "local-lvm:vm-209-disk-2,size=32G" and conf["unused0"] == "local-lvm:vm-209-disk-1"


def test_cloudinit_drive_resent_fails_because_the_volume_exists(pve):
    vm(pve)
    resp = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), ide2="local-lvm:cloudinit")
    assert resp.status_code == 500 and "already exists" in resp.reason


def test_vm_nic_model_appended_to_a_mac_is_refused(pve):
    vm(pve)
    resp = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(),
               net0="virtio=BC:24:11:00:90:01,bridge=vmbr0,e1000")
    assert resp.status_code == 400 and "duplicate key" in resp.json()["errors"]["net0"]
    ok = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), net0="e1000=BC:24:11:00:90:01,bridge=vmbr0")
    assert ok.status_code == 200


def test_lxc_pve9_hotplug(pve):
    ct(pve, running=True)
    api = root_api(pve)
    api.nodes("pve").lxc(156).config.put(memory=4096, dev0="/dev/dri/renderD128,gid=104", nameserver="192.0.2.1",
                                         mp0="/srv/media,mp=/media", cores=4, timezone="Europe/Berlin")
    pending = {p["key"]: p for p in api.nodes("pve").lxc(156).pending.get()}
    assert "pending" not in pending["memory"] and "pending" not in pending["cores"]
    assert "pending" not in pending["dev0"] and "pending" not in pending["mp0"]  # new devN/mpN are hot-plugged
    assert pending["nameserver"]["pending"] == "192.0.2.1" and pending["timezone"]["pending"] == "Europe/Berlin"
    api.nodes("pve").lxc(156).config.put(mp0="/srv/other,mp=/media")
    assert {p["key"]: p for p in api.nodes("pve").lxc(156).pending.get()}["mp0"]["pending"] == "/srv/other,mp=/media"


def test_vm_pending_rules(pve):
    vm(pve, running=True)
    api = root_api(pve)
    api.nodes("pve").qemu(209).config.put(agent="enabled=0", boot="order=ide2", ciuser="media", cipassword="x",
                                          memory="4096", description="hello", hostpci0="0000:00:02.0")
    pending = {p["key"]: p for p in api.nodes("pve").qemu(209).pending.get() if "pending" in p}
    assert set(pending) == {"agent", "boot", "memory", "hostpci0"}
    assert pending.get("cipassword") is None


def test_vm_cloudinit_changes_are_tracked_in_special_section(pve):
    vm(pve, running=True, extra="ciuser: old\nipconfig0: ip=dhcp\n")
    api = root_api(pve)
    api.nodes("pve").qemu(209).config.put(ciuser="media", ipconfig0="ip=192.0.2.9/24", sshkeys="ssh-ed25519%20AAAA")
    assert "[special:cloudinit]" in pve.read_conf("qemu", 209)
    assert not [p for p in api.nodes("pve").qemu(209).pending.get() if "pending" in p]  # not in /pending
    ci = {p["key"]: p for p in api.nodes("pve").qemu(209).cloudinit.get()}
    assert ci["ciuser"] == {"key": "ciuser", "value": "old", "pending": "media"}
    assert ci["sshkeys"]["pending"] == "ssh-ed25519%20AAAA" and "value" not in ci["sshkeys"]
    api.nodes("pve").qemu(209).cloudinit.put()
    assert not [p for p in api.nodes("pve").qemu(209).cloudinit.get() if "pending" in p]


def test_q35_check_at_start(pve):
    vm(pve, extra="hostpci0: 0000:01:00.0,pcie=1\n")
    api = root_api(pve)
    status = wait(api, api.nodes("pve").qemu(209).status.start.post())
    assert status["exitstatus"] == "q35 machine model is not enabled"
    assert api.nodes("pve").qemu(209).status.current.get()["status"] == "stopped"
    api.nodes("pve").qemu(209).config.put(machine="q35")
    assert wait(api, api.nodes("pve").qemu(209).status.start.post())["exitstatus"] == "OK"


def test_clone_copies_the_template_and_not_more(pve):
    vm(pve, 9000, extra="template: 1\n")
    api = root_api(pve)
    status = wait(api, api.nodes("pve").qemu(9000).clone.post(newid=210, name="web", full=1, storage="local-lvm"))
    assert status["exitstatus"] == "OK"
    conf = api.nodes("pve").qemu(210).config.get()
    assert conf["name"] == "web" and "template" not in conf and "sshkeys" not in conf
    assert conf["scsi0"] == "local-lvm:vm-210-disk-0,size=8G" and conf["ide2"].startswith("local-lvm:vm-210-cloudinit")
    assert conf["net0"] != "virtio=BC:24:11:00:90:01,bridge=vmbr0"
    linked = raw(pve, "POST", "/nodes/pve/qemu/9000/clone", token_headers(), newid="211", full="0", storage="local-lvm")
    assert linked.status_code == 500 and linked.reason == "parameter 'storage' not allowed for linked clones"


# ---------------------------------------------------------------- root@pam rules (FACTS 2.6)

@pytest.mark.parametrize("params,reason", [
    ({"mp0": "/srv/media,mp=/media"}, "mount point type bind is only allowed for root@pam"),
    ({"dev0": "/dev/dri/renderD128"}, "configuring device passthrough is only allowed for root@pam"),
    ({"features": "nesting=1,keyctl=1"}, "changing feature flags (except nesting) is only allowed for root@pam"),
    ({"hookscript": "local:snippets/x.sh"}, "changing the hookscript is only allowed for root@pam"),
])
def test_lxc_root_only_rules(pve, facts, params, reason):
    ct(pve)
    resp = raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), **params)
    assert resp.status_code == 403 and resp.reason == "Permission check failed (%s)" % reason
    assert reason.split(" is only")[0] in facts or reason in facts


def test_lxc_features_compared_old_vs_new(pve):
    ct(pve, extra="features: keyctl=1,nesting=1\n")
    # the same non-nesting flag kept while nesting changes: allowed for a token
    assert raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), features="keyctl=1,nesting=0").status_code == 200


def test_lxc_deleting_a_device_needs_root(pve):
    ct(pve, extra="dev0: /dev/dri/renderD128\n")
    resp = raw(pve, "PUT", "/nodes/pve/lxc/156/config", token_headers(), delete="dev0")
    assert resp.status_code == 403


def test_lxc_privileged_features_need_root(pve):
    pve.write_conf("lxc", 157, "memory: 512\nostype: debian\nrootfs: local-lvm:vm-157-disk-0,size=8G\n")
    resp = raw(pve, "PUT", "/nodes/pve/lxc/157/config", token_headers(), features="nesting=1")
    assert resp.status_code == 403 and "privileged container" in resp.reason


def test_vm_hostpci_rules(pve):
    vm(pve, extra="hostpci1: 0000:02:00.0\n")
    raw_addr = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), hostpci0="0000:01:00.0")
    assert raw_addr.status_code == 500 and raw_addr.reason == "only root can set 'hostpci0' config for non-mapped devices"
    over_raw = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), hostpci1="mapping=gpu")
    assert over_raw.status_code == 500  # the old raw value is checked too
    rom = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), hostpci0="mapping=gpu,romfile=x.rom")
    assert rom.status_code == 400 and "romfile" in rom.json()["errors"]["hostpci0"]
    assert raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), hostpci0="mapping=gpu").status_code == 200
    args = raw(pve, "PUT", "/nodes/pve/qemu/209/config", token_headers(), args="-foo")
    assert args.status_code == 500 and args.reason == "only root can set 'args' config"


def test_schema_is_read_from_the_reference_not_vendored():
    standin_dir = Path(pve_harness.ROOT) / "tests" / "standins" / "proxmox"
    assert not list(standin_dir.glob("*.json"))
    source = (standin_dir / "pve_standin.py").read_text()
    assert "plugins" not in re.sub(r"#.*|\"\"\"[\s\S]*?\"\"\"", "", source)
    assert json.loads(pve_harness.SCHEMA.read_text())


def test_lxc_create_is_unprivileged_unless_asked_and_writes_the_key_only_when_set(pve):
    # API2/LXC.pm create_vm: unprivileged defaults to 1 (not on restore), and the config gets
    # `unprivileged: 1` only when set; a privileged container has no such key.
    root = root_api(pve)
    wait(root, root.nodes("pve").lxc.post(vmid=172, ostemplate=pve_harness.TEMPLATE))
    wait(root, root.nodes("pve").lxc.post(vmid=173, ostemplate=pve_harness.TEMPLATE, unprivileged=0))
    assert root.nodes("pve").lxc(172).config.get()["unprivileged"] == 1
    assert "unprivileged" not in root.nodes("pve").lxc(173).config.get()

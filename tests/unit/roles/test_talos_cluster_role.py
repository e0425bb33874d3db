"""The talos_cluster role, run by Ansible on the controller against the talosctl node stand-in.

Talos has no SSH: the role only runs talosctl on the controller, so the whole flow (state at the
start, install, bootstrap, rolling changes, upgrades) runs here with stand-in nodes
(tests/standins/talos) whose rules follow siderolabs/talos. The configs are the real generator's
output (the golden files of ../shared/reference, replayed by tests/unit/standins/golden_talosctl.py).
The schema check (validate.yml, issue 12: the real `talosctl validate`) is left out here; molecule's
cluster scenario runs the role whole.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
STANDIN = ROOT / "tests" / "standins" / "talos" / "talosctl_standin.py"
REPLAY = ROOT / "tests" / "unit" / "standins" / "golden_talosctl.py"
TASKS = ["facts", "preflight", "talosctl", "secrets", "config", "state", "install", "bootstrap", "roll", "kubeconfig"]

pytestmark = pytest.mark.skipif(not (REFERENCE / "k8s" / "talos" / "golden").is_dir(),
                                reason="needs ../shared/reference (MEDIASTACK_REFERENCE)")


class Lab:
    """Stand-in nodes, an inventory and ansible-playbook runs of the role."""

    def __init__(self, tmp_path, version="v1.13.9"):
        self.tmp = tmp_path
        self.state = tmp_path / "state"
        replay = tmp_path / "talosctl-real"
        replay.write_text("#!/bin/sh\nexec %s %s \"$@\"\n" % (sys.executable, REPLAY))
        replay.chmod(0o755)
        self.talosctl = tmp_path / "talosctl"
        self.talosctl.write_text("#!/bin/sh\nexec %s %s \"$@\"\n" % (sys.executable, STANDIN))
        self.talosctl.chmod(0o755)
        self.env = {"TALOS_STANDIN_STATE": str(self.state), "MEDIASTACK_REFERENCE": str(REFERENCE),
                    "TALOSCTL_REAL": str(replay), "GOLDEN_TALOSCTL_VERSION": version,
                    "TALOS_STANDIN_INSTALL_SECONDS": "0.5", "TALOS_STANDIN_REBOOT_SECONDS": "0.5",
                    "TALOS_STANDIN_BOOT_SECONDS": "0.5"}
        self.vars = {"talos_cluster_name": "seed", "talos_cluster_version": version,
                     "talos_cluster_talosctl_path": str(self.talosctl), "talos_cluster_environment": self.env,
                     "talos_cluster_bundle_file": str(tmp_path / "inv" / "talos" / "seed-secrets.yaml"),
                     "talos_cluster_talosconfig": str(tmp_path / "inv" / "talos" / "seed-talosconfig"),
                     "talos_cluster_kubeconfig": str(tmp_path / "inv" / "artifacts" / "kubeconfig"),
                     "talos_cluster_reboot_timeout": 30, "talos_cluster_health_timeout": 30}
        self.hosts = {"talos_controlplane": {}, "talos_workers": {}}

    def node(self, group, name, address, version="v1.13.9", disks=("nvme0n1:nvme:512",), usb_first=False, **hostvars):
        args = ["__standin", "add-node", address, "--version", version, "--hostname", name]
        for disk in disks:
            args += ["--disk", disk]
        if usb_first:
            args.append("--usb-boot-first")
        self.standin(*args)
        self.hosts[group][name] = dict({"ansible_host": address}, **hostvars)

    def standin(self, *args):
        result = subprocess.run([sys.executable, str(STANDIN)] + list(args), env=dict(os.environ, **self.env),
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def show(self, address):
        return json.loads(self.standin("__standin", "show", address))

    def calls(self):
        """The talosctl command (apply-config, health, ...) of every node call, in order."""
        path = self.state / "calls.log"
        commands = ("apply-config", "bootstrap", "upgrade", "upgrade-k8s", "health", "get", "etcd", "version", "read",
                    "kubeconfig")
        return [next((w for w in line.split()[1:] if w in commands), "?")
                for line in path.read_text().splitlines()] if path.exists() else []

    def run(self, extra=None, check_mode=False):
        inv = self.tmp / "inv"
        inv.mkdir(exist_ok=True)
        (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {
            "vars": dict(self.vars, **(extra or {})),
            "children": {"talos_nodes": {"children": {g: {"hosts": h} for g, h in self.hosts.items()}}}}}))
        tasks = [{"name": "talos_cluster " + t, "ansible.builtin.include_role": {
            "name": "homelab.mediastack.talos_cluster", "tasks_from": t}} for t in TASKS]
        (self.tmp / "play.yml").write_text(yaml.safe_dump([{
            "hosts": "talos_nodes", "connection": "local", "gather_facts": False,
            "environment": self.env, "tasks": tasks}]))
        result = run_playbook(self.tmp / "play.yml", "-i", inv / "hosts.yml", *(["--check"] if check_mode else []),
                              env={"ANSIBLE_STDOUT_CALLBACK": "default"}, timeout=600)
        result.changed = sum(int(part.split("=")[1]) for line in result.stdout.splitlines() if " : ok=" in line
                             for part in line.split() if part.startswith("changed="))
        return result


def why(result):
    """The part of a run's output that says what failed (or its end)."""
    out = result.stdout
    index = max(out.find("fatal: ["), out.find("FAILED!"))
    return out[max(0, index - 1500):index + 1500] if index >= 0 else out[-3000:]


def applied_docs(lab, address):
    return [d for d in yaml.safe_load_all(lab.show(address)["config_text"]) if d]


@pytest.fixture(name="lab")
def fixture_lab(tmp_path):
    return Lab(tmp_path)


def test_seed_000_on_talos_111_converges_once(tmp_path):
    # seed 000: 3 control planes + 3 workers, Talos 1.11, a VIP; the nodes list loop devices
    # (no transport) and the first has the installer stick in (not first in the boot order).
    lab = Lab(tmp_path, "v1.11.6")
    for index in range(1, 4):
        lab.node("talos_controlplane", "talos-cp-%d" % index, "192.0.2.1%d" % index, "v1.11.6",
                 disks=("nvme0n1:nvme:512", "loop0:0") + (("sda:usb:32",) if index == 1 else ()))
        lab.node("talos_workers", "talos-w-%d" % index, "192.0.2.2%d" % index, "v1.11.6",
                 disks=("nvme0n1:nvme:512", "loop0:0"))
    first = lab.run({"talos_cluster_vip": "192.0.2.10", "talos_cluster_vip_link": "enp1s0"})
    assert first.returncode == 0, why(first)
    cp1 = applied_docs(lab, "192.0.2.11")
    assert [d.get("kind") for d in cp1] == [None]  # 1.11 knows no HostnameConfig / Layer2VIPConfig
    assert cp1[0]["persist"] is True
    assert cp1[0]["machine"]["network"]["hostname"] == "talos-cp-1"
    assert cp1[0]["machine"]["network"]["interfaces"] == [{"interface": "enp1s0", "dhcp": True,
                                                          "vip": {"ip": "192.0.2.10"}}]
    assert "interfaces" not in applied_docs(lab, "192.0.2.21")[0]["machine"]["network"]
    assert sum(lab.show("192.0.2.1%d" % i).get("bootstraps", 0) for i in range(1, 4)) == 1
    assert "WARNING: the Talos secrets bundle" in first.stdout
    calls = len(lab.calls())
    again = lab.run({"talos_cluster_vip": "192.0.2.10", "talos_cluster_vip_link": "enp1s0"})
    assert again.returncode == 0, why(again)
    assert again.changed == 0
    assert not [c for c in lab.calls()[calls:] if c in ("apply-config", "bootstrap", "upgrade")]


def test_talos_113_gets_one_hostnameconfig_and_the_vip_on_its_link(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    lab.node("talos_workers", "w-1", "192.0.2.21", disks=("loop0:0", "nvme0n1:nvme:512"))
    result = lab.run({"talos_cluster_vip": "192.0.2.10", "talos_cluster_vip_link": "enp1s0"})
    assert result.returncode == 0, why(result)
    docs = applied_docs(lab, "192.0.2.11")
    assert [d for d in docs if d.get("kind") == "HostnameConfig"] == [
        {"apiVersion": "v1alpha1", "kind": "HostnameConfig", "hostname": "cp-1"}]
    assert [d for d in docs if d.get("kind") == "Layer2VIPConfig"] == [
        {"apiVersion": "v1alpha1", "kind": "Layer2VIPConfig", "name": "192.0.2.10", "link": "enp1s0"}]
    assert len([d for d in applied_docs(lab, "192.0.2.21") if d.get("kind") == "HostnameConfig"]) == 1


@pytest.mark.parametrize("case,extra,message", [
    ("vip_without_link", {"talos_cluster_vip": "192.0.2.10"}, "needs talos_cluster_vip_link"),
    ("unsupported_release", {"talos_cluster_version": "v1.10.7"}, "is not supported: the collection supports Talos"),
])
def test_bad_settings_are_refused_before_any_node_call(lab, case, extra, message):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    result = lab.run(extra)
    assert result.returncode != 0, case
    assert message in result.stdout
    assert not lab.calls()


def test_usb_install_disk_is_refused_unless_allowed(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11", disks=("sda:usb:32", "loop0:0"),
             talos_cluster_install_disk="/dev/sda")
    refused = lab.run()
    assert refused.returncode != 0
    assert "is a USB disk, likely the installer stick" in refused.stdout
    assert "apply-config" not in lab.calls()
    allowed = lab.run({"talos_cluster_allow_usb_install_disk": True})
    assert allowed.returncode == 0, why(allowed)


def test_installer_stick_first_halts_and_the_advice_says_so(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11", disks=("nvme0n1:nvme:512", "sda:usb:32"), usb_first=True)
    result = lab.run({"talos_cluster_reboot_timeout": 6})
    assert result.returncode != 0
    assert "halted on purpose (talos.halt_if_installed): take the stick out" in result.stdout
    assert "boot it from the Talos installer" not in result.stdout.lower()
    # On the next run the node does not answer at all: the same advice, not "boot the installer".
    again = lab.run()
    assert "Talos is already installed to disk but booted from another media" in again.stdout
    assert "do not boot the installer again" in again.stdout


def test_reinstalled_control_plane_of_a_running_cluster_is_not_bootstrapped(lab):
    for index in range(1, 4):
        lab.node("talos_controlplane", "cp-%d" % index, "192.0.2.1%d" % index)
    assert lab.run().returncode == 0
    # cp-1 (the first control plane, the one bootstrap would go to) is reset (`talosctl reset`: disk
    # wiped, maintenance mode) to be installed again.
    lab.standin("__standin", "set", "192.0.2.11", 'mode="maintenance"', "installed=false", "etcd=null",
                'disks=[{"name": "nvme0n1", "transport": "nvme", "size": 512000000000, "partitions": []}]')
    result = lab.run()
    assert result.returncode == 0, why(result)
    assert sum(lab.show("192.0.2.1%d" % i).get("bootstraps", 0) for i in range(1, 4)) == 1
    etcds = {lab.show("192.0.2.1%d" % i)["etcd"] for i in range(1, 4)}
    assert len(etcds) == 1 and None not in etcds


def test_release_bump_is_refused_with_the_command_then_rolled_one_node_at_a_time(tmp_path):
    lab = Lab(tmp_path, "v1.12.11")
    lab.node("talos_controlplane", "cp-1", "192.0.2.11", "v1.12.11")
    lab.node("talos_workers", "w-1", "192.0.2.21", "v1.12.11")
    lab.node("talos_workers", "w-2", "192.0.2.22", "v1.12.11")
    assert lab.run().returncode == 0
    lab.env["GOLDEN_TALOSCTL_VERSION"] = "v1.13.9"
    refused = lab.run({"talos_cluster_version": "v1.13.9"})
    assert refused.returncode != 0
    assert "upgrade --image ghcr.io/siderolabs/installer:v1.13.9" in refused.stdout
    assert "upgrade" not in lab.calls()
    start = len(lab.calls())
    rolled = lab.run({"talos_cluster_version": "v1.13.9", "talos_cluster_upgrade": True})
    assert rolled.returncode == 0, why(rolled)
    steps = [c for c in lab.calls()[start:] if c in ("upgrade", "health")]
    assert steps[:6] == ["upgrade", "health", "upgrade", "health", "upgrade", "health"]
    assert {lab.show(a)["version"] for a in ("192.0.2.11", "192.0.2.21", "192.0.2.22")} == {"v1.13.9"}


def test_config_change_rolls_with_a_health_wait_between_nodes(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    lab.node("talos_workers", "w-1", "192.0.2.21")
    lab.node("talos_workers", "w-2", "192.0.2.22")
    assert lab.run().returncode == 0
    start = len(lab.calls())
    changed = lab.run({"talos_cluster_patches": [{"machine": {"sysctls": {"vm.nr_hugepages": "128"}}}]})
    assert changed.returncode == 0, why(changed)
    steps = [c for c in lab.calls()[start:] if c in ("apply-config", "health")]
    assert steps == ["apply-config", "health", "apply-config", "health", "apply-config", "health", "health"]


def test_encrypted_bundle_gets_no_warning(lab, tmp_path):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    assert "WARNING: the Talos secrets bundle" in lab.run().stdout
    (tmp_path / "vault-pass").write_text("test-only\n")
    subprocess.run([str(Path(sys.executable).parent / "ansible-vault"), "encrypt", "--vault-password-file",
                    str(tmp_path / "vault-pass"), lab.vars["talos_cluster_bundle_file"]], check=True,
                   capture_output=True)
    os.environ["ANSIBLE_VAULT_PASSWORD_FILE"] = str(tmp_path / "vault-pass")
    try:
        quiet = lab.run()
    finally:
        del os.environ["ANSIBLE_VAULT_PASSWORD_FILE"]
    assert quiet.returncode == 0, why(quiet)
    assert "WARNING: the Talos secrets bundle" not in quiet.stdout


def test_client_certificates_are_renewed_before_they_expire(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    lab.env.update(GOLDEN_TALOSCTL_CERT_DAYS="10", TALOS_STANDIN_KUBECONFIG_DAYS="10")
    assert lab.run().returncode == 0
    sys.path.insert(0, str(ROOT / ".build" / "collections"))
    from ansible_collections.homelab.mediastack.plugins.filter.x509 import x509_days_left  # pylint: disable=import-outside-toplevel

    def days_left():
        talosconfig = yaml.safe_load(Path(lab.vars["talos_cluster_talosconfig"]).read_text())
        kubeconfig = yaml.safe_load(Path(lab.vars["talos_cluster_kubeconfig"]).read_text())
        return (x509_days_left(talosconfig["contexts"][talosconfig["context"]]["crt"]),
                x509_days_left(kubeconfig["users"][0]["user"]["client-certificate-data"]))
    assert max(days_left()) < 11
    lab.env.update(GOLDEN_TALOSCTL_CERT_DAYS="365", TALOS_STANDIN_KUBECONFIG_DAYS="365")
    fetched = lab.calls().count("kubeconfig")
    renewed = lab.run()
    assert renewed.returncode == 0, why(renewed)
    assert min(days_left()) > 364
    assert lab.calls().count("kubeconfig") == fetched + 1  # fetched again, once
    again = lab.run()
    assert again.changed == 0
    assert lab.calls().count("kubeconfig") == fetched + 1


def test_kubernetes_bump_is_refused_with_the_command_then_run_once(lab):
    lab.node("talos_controlplane", "cp-1", "192.0.2.11")
    lab.node("talos_workers", "w-1", "192.0.2.21")
    assert lab.run().returncode == 0
    refused = lab.run({"talos_cluster_kubernetes_version": "v1.35.0"})
    assert refused.returncode != 0
    assert "upgrade-k8s --to 1.35.0" in " ".join(refused.stdout.split())
    assert "upgrade-k8s" not in lab.calls()
    upgraded = lab.run({"talos_cluster_kubernetes_version": "v1.35.0", "talos_cluster_kubernetes_upgrade": True})
    assert upgraded.returncode == 0, why(upgraded)
    assert lab.calls().count("upgrade-k8s") == 1
    kubelet = applied_docs(lab, "192.0.2.21")[0]["machine"]["kubelet"]["image"]
    assert kubelet.endswith(":v1.35.0")
    again = lab.run({"talos_cluster_kubernetes_version": "v1.35.0", "talos_cluster_kubernetes_upgrade": True})
    assert again.changed == 0

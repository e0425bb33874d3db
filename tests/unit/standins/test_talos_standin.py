"""Contract tests of the talosctl node stand-in: real talosctl output replayed against it.

The machine configs are the real generator's output recorded in
../shared/reference/k8s/talos/golden (Talos's stability test data for v1.11, v1.12, v1.13); the
rules the node applies to them follow siderolabs/talos (named in the stand-in's comments).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
GOLDEN = REFERENCE / "k8s" / "talos" / "golden"
STANDIN = [sys.executable, str(ROOT / "tests" / "standins" / "talos" / "talosctl_standin.py")]
REPLAY = ROOT / "tests" / "unit" / "standins" / "golden_talosctl.py"
STEP = 0.3  # reboot and boot seconds of the stand-in in these tests
INSTALL = 1.5  # install seconds (long enough for a few calls while installing)

pytestmark = pytest.mark.skipif(not GOLDEN.is_dir(), reason="needs ../shared/reference (MEDIASTACK_REFERENCE)")


def real_talosctl(tmp_path):
    """The real talosctl when the build scripts made it, else the golden replay."""
    tools = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "homelab-mediastack" / "bin"
    for candidate in (os.environ.get("TALOSCTL_REAL", ""), tools / "talosctl", cache / "talosctl-v1.13.9"):
        if candidate and os.access(str(candidate), os.X_OK):
            return str(candidate)
    wrapper = tmp_path / "talosctl-golden"
    wrapper.write_text("#!/bin/sh\nexec %s %s \"$@\"\n" % (sys.executable, REPLAY))
    wrapper.chmod(0o755)
    return str(wrapper)


def golden(version, kind):
    return (GOLDEN / version / ("base-%s.yaml" % kind)).read_text()


def install(text, disk="/dev/nvme0n1"):
    docs = list(yaml.safe_load_all(text))
    docs[0]["machine"]["install"]["disk"] = disk
    return yaml.safe_dump_all(docs, sort_keys=False)


class Talos:
    def __init__(self, tmp_path, install=INSTALL, boot=STEP, reboot=STEP):
        self.tmp = tmp_path
        self.env = dict(os.environ, TALOS_STANDIN_STATE=str(tmp_path / "state"), MEDIASTACK_REFERENCE=str(REFERENCE),
                        TALOS_STANDIN_INSTALL_SECONDS=str(install), TALOS_STANDIN_REBOOT_SECONDS=str(reboot),
                        TALOS_STANDIN_BOOT_SECONDS=str(boot), TALOSCTL_REAL=real_talosctl(tmp_path))
        secrets = yaml.safe_load((GOLDEN / "v1.13.9" / "secrets.yaml").read_text())
        (tmp_path / "talosconfig").write_text(yaml.safe_dump({"context": "base", "contexts": {"base": {
            "endpoints": ["127.0.0.1"], "ca": secrets["certs"]["os"]["crt"], "crt": "x", "key": "x"}}}))

    def run(self, *args, stdin=None):
        return subprocess.run(STANDIN + list(args), env=self.env, input=stdin, capture_output=True, text=True,
                              check=False)

    def add(self, address, version="v1.13.9", *extra):
        assert self.run("__standin", "add-node", address, "--version", version, *extra).returncode == 0

    def insecure(self, address, *args, stdin=None):
        return self.run(*args, "--insecure", "-n", address, "-e", address, stdin=stdin)

    def secure(self, address, *args, stdin=None):
        return self.run(*args, "--talosconfig", str(self.tmp / "talosconfig"), "-n", address, "-e", address,
                        stdin=stdin)

    def apply(self, address, text):
        return self.insecure(address, "apply-config", "--file", "/dev/stdin", stdin=text)

    def wait_running(self, address, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.secure(address, "get", "machinestatus", "-o", "yaml")
            if status.returncode == 0 and yaml.safe_load(status.stdout)["spec"]["stage"] == "running":
                return
            time.sleep(0.1)
        raise AssertionError("%s never came up running" % address)


@pytest.fixture(name="talos")
def fixture_talos(tmp_path):
    return Talos(tmp_path)


@pytest.mark.parametrize("version", ["v1.11.6", "v1.12.11", "v1.13.9"])
def test_real_gen_config_output_is_accepted_with_persist(talos, version):
    # Every release's generator writes the deprecated `persist: true`; the node takes it.
    text = install(golden(version, "controlplane"))
    assert "persist: true" in text
    talos.add("192.0.2.11", version)
    applied = talos.apply("192.0.2.11", text)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == "Applied configuration with a reboot"


def test_a_second_hostnameconfig_is_refused(talos):
    text = install(golden("v1.12.11", "worker"))
    assert "kind: HostnameConfig" in text  # the generator's own, from 1.12
    talos.add("192.0.2.21", "v1.12.11")
    extra = text + "---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: \"off\"\nhostname: w1\n"
    result = talos.apply("192.0.2.21", extra)
    assert result.returncode != 0
    assert "code = InvalidArgument desc = duplicate document v1alpha1/HostnameConfig/ is not allowed (line" in result.stderr


def test_hostname_and_auto_together_are_refused(talos):
    docs = list(yaml.safe_load_all(install(golden("v1.13.9", "worker"))))
    docs[1]["hostname"] = "w1"  # auto: stable stays
    talos.add("192.0.2.21")
    result = talos.apply("192.0.2.21", yaml.safe_dump_all(docs))
    assert "'auto' and 'hostname' cannot be set at the same time" in result.stderr


def test_a_kind_the_release_does_not_know_is_refused(talos):
    talos.add("192.0.2.11", "v1.11.6")
    newer = talos.apply("192.0.2.11", install(golden("v1.12.11", "controlplane")))
    assert newer.returncode != 0
    assert 'desc = "HostnameConfig" "v1alpha1": not registered' in newer.stderr
    assert talos.apply("192.0.2.11", install(golden("v1.11.6", "controlplane"))).returncode == 0


def test_disks_without_transport_print_none(talos):
    talos.add("192.0.2.11", "v1.11.6", "--disk", "nvme0n1:nvme:512", "--disk", "loop0:0", "--disk", "sda:usb:32")
    disks = list(yaml.safe_load_all(talos.insecure("192.0.2.11", "get", "disks", "-o", "yaml").stdout))
    by_id = {d["metadata"]["id"]: d for d in disks}
    assert by_id["loop0"]["node"] == "192.0.2.11"
    assert "transport" not in by_id["loop0"]["spec"]
    assert by_id["sda"]["spec"]["transport"] == "usb"


def test_maintenance_apply_answers_before_the_reboot_then_boots_installed(tmp_path):
    talos = Talos(tmp_path, install=15, reboot=4)  # long enough for the calls below on a loaded machine
    talos.add("192.0.2.11")
    assert talos.insecure("192.0.2.11", "read", "/proc/sys/kernel/random/boot_id").returncode != 0
    assert talos.apply("192.0.2.11", install(golden("v1.13.9", "controlplane"))).returncode == 0
    during = talos.insecure("192.0.2.11", "get", "machinestatus", "-o", "yaml")
    assert during.returncode == 0  # the API still answers: not installed yet
    assert yaml.safe_load(during.stdout)["spec"]["stage"] == "installing"
    assert "unknown authority" in talos.secure("192.0.2.11", "get", "machinestatus", "-o", "yaml").stderr
    deadline = time.time() + 30
    while "connection refused" not in talos.secure("192.0.2.11", "version").stderr:  # the reboot
        assert time.time() < deadline
        time.sleep(0.05)
    talos.wait_running("192.0.2.11")
    first = talos.secure("192.0.2.11", "read", "/proc/sys/kernel/random/boot_id").stdout.strip()
    assert len(first) == 36
    assert "certificate required" in talos.insecure("192.0.2.11", "get", "disks", "-o", "yaml").stderr


def test_usb_installer_first_in_boot_order_halts_because_installed(talos):
    # seed 000: the installer stick stayed first; since Talos 1.8 the ISO halts when Talos is installed.
    talos.add("192.0.2.11", "v1.11.6", "--disk", "nvme0n1:nvme:512", "--disk", "sda:usb:32", "--usb-boot-first")
    assert talos.apply("192.0.2.11", install(golden("v1.11.6", "controlplane"))).returncode == 0
    time.sleep(INSTALL + STEP * 2)
    assert "connection refused" in talos.insecure("192.0.2.11", "get", "disks", "-o", "yaml").stderr
    assert "connection refused" in talos.secure("192.0.2.11", "version").stderr
    shown = talos.run("__standin", "show", "192.0.2.11").stdout
    assert "already installed to disk but booted from another media" in shown


def test_bootstrap_waits_then_once_per_etcd(tmp_path):
    talos = Talos(tmp_path, boot=3)
    talos.add("192.0.2.11")
    talos.apply("192.0.2.11", install(golden("v1.13.9", "controlplane")))
    talos.wait_running("192.0.2.11")
    answers = []
    deadline = time.time() + 20
    while time.time() < deadline:
        result = talos.secure("192.0.2.11", "bootstrap")
        answers.append(result.stderr.strip().rpartition("desc = ")[2] if result.returncode else "ok")
        if result.returncode == 0:
            break
        time.sleep(0.05)
    assert answers[-1] == "ok"
    assert "bootstrap is not available yet" in answers or "time is not in sync yet" in answers
    second = talos.secure("192.0.2.11", "bootstrap")
    assert "error executing bootstrap: rpc error: code = AlreadyExists desc = etcd data directory is not empty" \
        in second.stderr
    members = talos.secure("192.0.2.11", "etcd", "members").stdout.splitlines()
    assert members[0].split("\t") == ["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"]
    assert len(members) == 2


def test_reinstalled_control_plane_bootstrapped_again_splits_etcd(talos):
    text = install(golden("v1.13.9", "controlplane"))
    for address in ("192.0.2.11", "192.0.2.12"):
        talos.add(address)
        talos.apply(address, text)
    talos.wait_running("192.0.2.11")
    time.sleep(STEP * 2)
    assert talos.secure("192.0.2.11", "bootstrap").returncode == 0
    talos.wait_running("192.0.2.12")
    time.sleep(STEP * 1.5)
    assert len(talos.secure("192.0.2.11", "etcd", "members").stdout.splitlines()) == 3  # .12 joined on its own
    # .12 re-installed: maintenance again, applied, comes up with an empty etcd data directory.
    talos.run("__standin", "set", "192.0.2.12", 'mode="maintenance"', "installed=false")
    talos.apply("192.0.2.12", text)
    talos.wait_running("192.0.2.12")
    time.sleep(STEP * 2)
    wrong = talos.secure("192.0.2.12", "bootstrap")
    if wrong.returncode == 0:  # it had not joined yet: a second cluster
        health = talos.secure("192.0.2.11", "health", "--wait-timeout", "1s",
                              "--control-plane-nodes", "192.0.2.11,192.0.2.12")
        assert "etcd members to be consistent" in health.stderr
    else:
        assert "AlreadyExists" in wrong.stderr


def test_upgrade_reboots_into_the_new_release(talos):
    talos.add("192.0.2.11", "v1.12.11")
    talos.apply("192.0.2.11", install(golden("v1.12.11", "controlplane")))
    talos.wait_running("192.0.2.11")
    before = talos.secure("192.0.2.11", "read", "/proc/sys/kernel/random/boot_id").stdout
    assert talos.secure("192.0.2.11", "upgrade", "--image", "ghcr.io/siderolabs/installer:v1.13.9").returncode == 0
    talos.wait_running("192.0.2.11")
    assert talos.secure("192.0.2.11", "read", "/proc/sys/kernel/random/boot_id").stdout != before
    assert "Tag:         v1.13.9" in talos.secure("192.0.2.11", "version").stdout


def test_calls_without_a_node_go_to_the_real_talosctl(talos, tmp_path):
    result = talos.run("gen", "secrets", "-o", str(tmp_path / "s.yaml"))
    assert result.returncode == 0, result.stderr
    assert "certs" in yaml.safe_load((tmp_path / "s.yaml").read_text())
    env = dict(talos.env, TALOSCTL_REAL="")
    missing = subprocess.run(STANDIN + ["gen", "config", "c", "https://x:6443"], env=env, capture_output=True,
                             text=True, check=False)
    assert missing.returncode != 0 and "TALOSCTL_REAL" in missing.stderr


def test_missing_install_disk_is_refused_in_maintenance(talos):
    talos.add("192.0.2.11", "v1.13.9", "--disk", "nvme0n1:nvme:512")
    result = talos.apply("192.0.2.11", install(golden("v1.13.9", "worker"), disk="/dev/sdz"))
    assert result.returncode == 1
    assert 'specified install disk does not exist: "/dev/sdz"' in result.stderr

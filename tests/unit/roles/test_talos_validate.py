"""The real talosctl (built from siderolabs/talos by scripts/build-tools.sh) and the role's validation.

The golden files are Talos's own config-encoding stability outputs (../shared/reference/k8s/talos/golden):
the binary must print them for the test secrets bundle, and accept them (hidden `persist: true`, the
HostnameConfig document of 1.12+). The role's validate.yml runs `talosctl validate --mode metal --strict`
through Ansible: what a node refuses stops the run with talosctl's message.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, role_play, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
GOLDEN = REFERENCE / "k8s" / "talos" / "golden"
TOOLS = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))


def _tools_env():
    env = {}
    for line in (ROOT / "scripts" / "tools.env").read_text().splitlines():
        match = re.match(r"^([A-Z_]+)=\"?([^\"]*)\"?$", line)
        if match:
            env[match.group(1)] = match.group(2)
    return env


TOOLS_ENV = _tools_env()
TALOSCTL = TOOLS / "talosctl"
TALOSCTL_OLDEST = TOOLS / ("talosctl-" + TOOLS_ENV["TALOS_OLDEST_VERSION"])


def _need(path):
    if not path.exists():
        pytest.fail("%s is missing: run `make tools` (scripts/build-tools.sh)" % path)
    return str(path)


def talosctl(*args, binary=TALOSCTL, stdin=None):
    return subprocess.run([_need(binary)] + list(args), input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)


def gen(kind, version, binary=TALOSCTL):
    """`talosctl gen config` as the stability test calls the generator (golden/<tag>/base-<kind>.yaml)."""
    tag = [d.name for d in GOLDEN.iterdir() if d.name.startswith(version + ".")][0]
    result = talosctl("gen", "config", "base", "https://base:6443", "--with-secrets", str(GOLDEN / tag / "secrets.yaml"),
                      "--talos-version", version, "--kubernetes-version", "1.28.0", "--with-docs=false",
                      "--with-examples=false", "--output-types", kind, "-o", "-", binary=binary)
    assert result.returncode == 0, result.stderr
    return result.stdout, tag


def test_role_targets_the_pinned_talosctl():
    defaults = yaml.safe_load((ROOT / "roles" / "talos_cluster" / "defaults" / "main.yml").read_text())
    assert defaults["talos_cluster_version"] == TOOLS_ENV["TALOS_VERSION"]
    result = talosctl("version", "--client", "--short")
    assert result.returncode == 0, result.stderr
    assert "Talos " + TOOLS_ENV["TALOS_VERSION"] in result.stdout


@pytest.mark.parametrize("version", ["v1.11", "v1.12", "v1.13"])
@pytest.mark.parametrize("kind", ["controlplane", "worker"])
def test_gen_config_prints_the_golden_output(kind, version):
    # The CLI adds its flag defaults machine.install.disk (/dev/sda) and .image (SOURCES.md).
    text, tag = gen(kind, version)
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    golden = [d for d in yaml.safe_load_all((GOLDEN / tag / ("base-%s.yaml" % kind)).read_text()) if d is not None]
    install = docs[0]["machine"]["install"]
    assert install.pop("disk") == "/dev/sda"
    assert install.pop("image") == "ghcr.io/siderolabs/installer:" + TOOLS_ENV["TALOS_VERSION"]
    assert docs == golden


@pytest.mark.parametrize("version", ["v1.11", "v1.12", "v1.13"])
@pytest.mark.parametrize("kind", ["controlplane", "worker"])
def test_validate_accepts_real_gen_config_output(kind, version):
    text, _unused = gen(kind, version)
    assert "persist: true" in text
    assert ("kind: HostnameConfig" in text) == (version != "v1.11")
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=text)
    assert result.returncode == 0, result.stderr


def _docs(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _dump(docs):
    return "\n---\n".join(json.dumps(d) for d in docs)


def test_validate_refuses_what_a_node_refuses():
    docs = _docs(gen("worker", "v1.13")[0])
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=_dump(docs))
    assert result.returncode == 0, result.stderr
    unknown = json.loads(json.dumps(docs))
    unknown[0]["machine"]["kubelet"]["bogusField"] = True
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=_dump(unknown))
    assert result.returncode != 0
    assert "bogusField" in result.stderr
    second_hostname = docs + [{"apiVersion": "v1alpha1", "kind": "HostnameConfig", "auto": "off", "hostname": "w1"}]
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=_dump(second_hostname))
    assert result.returncode != 0
    assert "HostnameConfig" in result.stderr
    no_disk = json.loads(json.dumps(docs))
    del no_disk[0]["machine"]["install"]
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=_dump(no_disk))
    assert result.returncode != 0
    assert "install" in result.stderr


def test_oldest_talosctl_refuses_documents_its_release_does_not_know():
    # Seed 000 runs Talos 1.11: HostnameConfig is registered from 1.12.0, a 1.11 node refuses it.
    text, _unused = gen("worker", "v1.11", binary=TALOSCTL_OLDEST)
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=text,
                      binary=TALOSCTL_OLDEST)
    assert result.returncode == 0, result.stderr
    hostname = _docs(text) + [{"apiVersion": "v1alpha1", "kind": "HostnameConfig", "auto": "off", "hostname": "w1"}]
    result = talosctl("validate", "--config", "/dev/stdin", "--mode", "metal", "--strict", stdin=_dump(hostname),
                      binary=TALOSCTL_OLDEST)
    assert result.returncode != 0
    assert "HostnameConfig" in result.stderr


PLAY = role_play("homelab.mediastack.talos_cluster", "validate")


def run_validate_task(tmp_path, docs):
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps({"_talos_cluster_docs": docs,
                                                    "talos_cluster_talosctl_path": _need(TALOSCTL)}))
    return run_playbook(tmp_path / "play.yml", "-e", "@" + str(tmp_path / "vars.json"))


def test_role_validation_passes_a_good_config_and_stops_on_a_bad_one(tmp_path):
    docs = _docs(gen("controlplane", "v1.13")[0])
    docs[0]["machine"]["install"]["disk"] = "/dev/nvme0n1"
    docs.append({"apiVersion": "v1alpha1", "kind": "Layer2VIPConfig", "name": "192.0.2.10", "link": "enp1s0"})
    result = run_validate_task(tmp_path, docs)
    assert result.returncode == 0, result.stdout + result.stderr
    docs[0]["machine"]["kubelet"]["bogusField"] = True
    result = run_validate_task(tmp_path, docs)
    assert result.returncode != 0
    assert "talosctl validate refused the machine config" in result.stdout
    assert "bogusField" in result.stdout

"""talos_config_errors (against Talos v1.13's schema, bundled in the role) and metallb_pool_check."""

import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.mediastack.plugins.filter.metallb import metallb_pool_check
from ansible_collections.homelab.mediastack.plugins.filter.talos import talos_config_errors

ROOT = Path(__file__).resolve().parents[4]
SCHEMA_FILE = ROOT / "roles" / "talos_cluster" / "files" / "config.schema.json.gz"
with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as _handle:
    SCHEMA = json.load(_handle)
_SPEC = importlib.util.spec_from_file_location("talosctl_standin", ROOT / "tests" / "standins" / "talos" / "talosctl_standin.py")
talosctl_standin = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(talosctl_standin)

OPTS = {"kubernetes_version": "v1.34.1", "talos_version": "v1.13.9", "install_disk": "/dev/nvme0n1"}
HOSTNAME = {"apiVersion": "v1alpha1", "kind": "HostnameConfig", "auto": "off", "hostname": "talos-cp-1"}
VIP = {"apiVersion": "v1alpha1", "kind": "Layer2VIPConfig", "name": "192.0.2.10", "link": "eth0"}


@pytest.fixture(name="secrets", scope="module")
def fixture_secrets():
    return talosctl_standin.gen_secrets()


@pytest.mark.parametrize("kind", ["controlplane", "worker"])
def test_generated_configs_with_typed_documents_are_valid(secrets, kind):
    config = talosctl_standin.machine_config(kind, "seed000", "https://192.0.2.10:6443", secrets, OPTS)
    config["machine"]["kubelet"]["extraMounts"] = [
        {"destination": "/var/mnt/media", "type": "bind", "source": "/var/mnt/media", "options": ["bind", "rw"]}]
    config["machine"]["nodeTaints"] = {"gpu": "true:NoSchedule"}
    assert talos_config_errors([config, HOSTNAME, VIP], SCHEMA) == []


def test_unknown_field_is_reported_by_path(secrets):
    config = talosctl_standin.machine_config("worker", "seed000", "https://192.0.2.10:6443", secrets, OPTS)
    config["machine"]["kubelet"]["bogusField"] = True
    errors = talos_config_errors(config, SCHEMA)
    assert len(errors) == 1
    assert errors[0].startswith("document 0 (v1alpha1): machine.kubelet: ")
    assert "'bogusField' was unexpected" in errors[0]


def test_wrong_type_and_unknown_kind_are_reported(secrets):
    config = talosctl_standin.machine_config("worker", "seed000", "https://192.0.2.10:6443", secrets, OPTS)
    config["machine"]["install"]["wipe"] = "yes"
    errors = talos_config_errors([config, {"apiVersion": "v1alpha1", "kind": "NoSuchConfig"}], SCHEMA)
    assert any("machine.install.wipe" in e for e in errors)
    assert any("no schema for apiVersion 'v1alpha1' kind 'NoSuchConfig'" in e for e in errors)


def test_typed_document_with_unknown_field_fails():
    assert talos_config_errors([dict(HOSTNAME, hostnme="x")], SCHEMA)


def test_schema_from_its_gzip_file():
    assert talos_config_errors([HOSTNAME], str(SCHEMA_FILE)) == []
    assert talos_config_errors([dict(HOSTNAME, hostnme="x")], str(SCHEMA_FILE))


def test_schema_must_be_loaded_or_a_path():
    with pytest.raises(AnsibleFilterError):
        talos_config_errors([HOSTNAME], "config.schema")
    with pytest.raises(AnsibleFilterError):
        talos_config_errors([HOSTNAME], "/nonexistent/config.schema.json")


def test_pool_fits_requested_ips_plus_spare():
    result = metallb_pool_check(["192.0.2.150-192.0.2.165"], ["192.0.2.154", "192.0.2.161"], 4)
    assert result == {"size": 16, "requested": 2, "needed": 6, "outside": [], "duplicates": [], "big_enough": True}


def test_seed_000_pool_too_small_and_ip_outside():
    # seed 000: the pool ended at .160 and SABnzbd asked for .161.
    requested = ["192.0.2.%d" % n for n in range(154, 162)]
    result = metallb_pool_check(["192.0.2.150-192.0.2.160"], requested, 4)
    assert result["outside"] == ["192.0.2.161"]
    assert not result["big_enough"]


def test_cidr_and_duplicates():
    result = metallb_pool_check(["198.51.100.0/29"], ["198.51.100.3", "198.51.100.3", "192.0.2.1"])
    assert result["size"] == 8
    assert result["duplicates"] == ["198.51.100.3"]
    assert result["outside"] == ["192.0.2.1"]


@pytest.mark.parametrize("bad", ["192.0.2.20-192.0.2.10", "192.0.2.300", "pool"])
def test_bad_ranges_are_refused(bad):
    with pytest.raises(AnsibleFilterError):
        metallb_pool_check([bad])

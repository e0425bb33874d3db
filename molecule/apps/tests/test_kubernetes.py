"""The kubernetes runtime of the apps, read back from the local control plane (scripts/kube-lab.sh).

The real API server, controller manager and scheduler decided what is asserted here: the role's
objects were accepted (server-side apply, admission), the claims bound (the media tree's static
volume under the storage class the cluster layer made, the config claims on local-path volumes at
scheduling), each pod was scheduled where its node selector and tolerations allow and runs (kwok).
Runs on the controller (no host fixture). Check mode and the second converge are molecule's own
steps (check_wrote_nothing.yml, idempotence). What breaks a real cluster (a storage class nobody
makes, a missing toleration, a PodSecurity label) is shown against seeds 000-002 in
tests/unit/roles/test_k8s_seeds_cluster.py.
"""

import base64
import os
import sys
from pathlib import Path

import pytest

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(PROJECT / "tests" / "kube_lab"))
from readback import MANAGER, KubeLab, applied_by_the_role, wait  # noqa: E402  pylint: disable=wrong-import-position

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
LAB = KubeLab(EPHEMERAL / "kube-lab" / "kubeconfig")
APPS = ("nzbget", "qbittorrent", "sabnzbd")
# apps-cluster's test-only credentials (molecule.yml)
QBT_PASSWORD, NZBGET_PASSWORD = "molecule-k8s-qbt-password", "molecule-k8s-nzbget-password"
SAB_KEY = "fedcba9876543210fedcba9876543210"


def kubectl(*args):
    return LAB.run(*args).stdout


get = LAB.get


@pytest.fixture(name="pods", scope="module")
def fixture_pods():
    """app -> its pod, once every app has one Running."""
    def running():
        pods = get("pods", "-n", "media")["items"]
        by_app = {p["metadata"]["labels"].get("app.kubernetes.io/name"): p for p in pods
                  if p["status"].get("phase") == "Running"}
        return by_app if set(APPS) <= set(by_app) else None
    pods = wait(running, timeout=90)
    assert pods, kubectl("get", "pods,pvc,events", "-n", "media", "-o", "wide")
    return pods


def test_the_role_applied_its_objects():
    for kind in ("deployment", "service", "pvc"):
        names = sorted(o["metadata"]["name"] for o in get(kind, "-n", "media")["items"] if applied_by_the_role(o))
        expected = {"deployment": list(APPS), "service": list(APPS),
                    "pvc": sorted(["media-data"] + ["%s-config" % a for a in APPS])}[kind]
        assert names == expected, (kind, names)
    assert applied_by_the_role(get("pv", "media-media-data"))
    namespace = get("namespace", "media")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_secret_keys_belong_to_their_app():
    """One Secret, each key prefixed by its app; each credential under its own app's keys only."""
    secret = get("secret", "-n", "media", "media-apps-secrets")
    assert applied_by_the_role(secret)
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert all(key.split(".", 1)[0] in APPS for key in data), sorted(data)
    owners = {value: sorted({key.split(".", 1)[0] for key, v in data.items() if v == value})
              for value in (SAB_KEY, NZBGET_PASSWORD)}
    assert owners == {SAB_KEY: ["sabnzbd"], NZBGET_PASSWORD: ["nzbget"]}, owners
    # qBittorrent gets its password only as the PBKDF2 hash its config file stores
    assert QBT_PASSWORD not in data.values()
    assert data["qbittorrent.QBITTORRENT_WEBUI_PASSWORD_PBKDF2"].startswith('"@ByteArray(')
    # every key a pod reads exists (a missing key keeps the pod from starting on a real kubelet)
    for deployment in get("deployment", "-n", "media")["items"]:
        spec = deployment["spec"]["template"]["spec"]
        for container in spec["containers"] + spec.get("initContainers", []):
            for env in container.get("env", []):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "media-apps-secrets" and ref["key"] in data, (container["name"], ref)
                    assert ref["key"].startswith(deployment["metadata"]["name"] + "."), ref


def test_media_claim_bound_under_the_cluster_layers_class():
    """The claim names the class cluster_addons made (nfs-media), and the PV controller bound it."""
    claim = get("pvc", "-n", "media", "media-data")
    assert wait(lambda: get("pvc", "-n", "media", "media-data")["status"].get("phase") == "Bound", timeout=90), claim
    storage_class = get("storageclass", claim["spec"]["storageClassName"])
    assert storage_class["provisioner"] == "nfs.csi.k8s.io"
    assert any(f.get("manager") == MANAGER for f in storage_class["metadata"]["managedFields"])  # the cluster layer's
    pv = get("pv", "media-media-data")
    assert pv["spec"]["storageClassName"] == claim["spec"]["storageClassName"]
    assert pv["spec"]["csi"]["volumeAttributes"] == {"server": "nas.example.com", "share": "/data"}


def test_config_claims_bound_when_their_pods_were_placed(pods):
    for app in APPS:
        claim = get("pvc", "-n", "media", "%s-config" % app)
        assert claim["status"]["phase"] == "Bound", claim["status"]
        assert claim["spec"]["storageClassName"] == "local-path"
        # WaitForFirstConsumer: bound by the scheduler when it placed the pod, to a volume of the class
        assert claim["spec"]["volumeName"].startswith("local-path-vol-"), claim["spec"]
        assert pods[app]["spec"]["nodeName"]


def test_pods_run_where_their_scheduling_fields_allow(pods):
    nodes = {n["metadata"]["name"]: n for n in get("nodes")["items"]}
    assert set(nodes) == {"apps-k3s-server", "apps-k3s-storage", "apps-k3s-worker"}
    placed = {app: pods[app]["spec"]["nodeName"] for app in APPS}
    # qBittorrent: selector and toleration of the tainted storage node; NZBGet pinned by name;
    # SABnzbd has neither, so never on the tainted node
    assert placed["qbittorrent"] == "apps-k3s-storage", placed
    assert placed["nzbget"] == "apps-k3s-worker", placed
    assert placed["sabnzbd"] in ("apps-k3s-server", "apps-k3s-worker"), placed
    for app in APPS:
        ready = [c for c in pods[app]["status"].get("conditions", []) if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", (app, pods[app]["status"])

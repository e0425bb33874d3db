"""Read the add-ons back from each cluster's local control plane (scripts/kube-lab.sh, started in prepare).

The real API server, controller manager and scheduler decided what is asserted here: the objects
were accepted (server-side apply, MetalLB's CRD schemas, admission), the Deployment and DaemonSet
pods were scheduled onto the kwok nodes the inventory describes (taints, node selectors) and run.
Runs on the controller (no host fixture): verify comes after join.yml, so the k3s cluster has its
GPU agent and Talos its fourth worker.
"""

import json
import os
import sys
from pathlib import Path

import pytest

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(PROJECT / "tests" / "kube_lab"))
from readback import KubeLab, applied_by_the_role, wait  # noqa: E402  pylint: disable=wrong-import-position

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
LABS = {cluster: KubeLab(EPHEMERAL / ("kube-lab-%s" % cluster) / "kubeconfig") for cluster in ("talos", "k3s")}


def kubectl(cluster, *args, check=True, stdin=None):
    return LABS[cluster].run(*args, check=check, stdin=stdin)


def get(cluster, *args):
    return LABS[cluster].get(*args)


@pytest.fixture(name="cluster", params=["talos", "k3s"])
def fixture_cluster(request):
    return request.param


def test_namespaces_carry_their_podsecurity_level(cluster):
    media = get(cluster, "namespace", "media")
    assert applied_by_the_role(media)
    labels = media["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
    assert labels["pod-security.kubernetes.io/enforce-version"] == "latest"
    assert get(cluster, "namespace", "metallb-system")["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"] == "privileged"


def test_podsecurity_admission_takes_a_privileged_pod_in_media_only(cluster):
    """The label decides (the API server's PodSecurity admission, dry-run): media admits NET_ADMIN, a baseline namespace does not."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "netadmin-probe", "namespace": "media"},
           "spec": {"containers": [{"name": "c", "image": "busybox",
                                    "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}}
    admitted = kubectl(cluster, "create", "--dry-run=server", "-f", "-", check=False, stdin=json.dumps(pod))
    assert admitted.returncode == 0, admitted.stderr
    pod["metadata"]["namespace"] = "kube-public"
    kubectl(cluster, "label", "--overwrite", "namespace", "kube-public", "pod-security.kubernetes.io/enforce=baseline")
    try:
        refused = kubectl(cluster, "create", "--dry-run=server", "-f", "-", check=False, stdin=json.dumps(pod))
    finally:
        kubectl(cluster, "label", "namespace", "kube-public", "pod-security.kubernetes.io/enforce-")
    assert refused.returncode != 0 and "violates PodSecurity" in refused.stderr, refused.stderr


def test_metallb_pool_and_advertisement(cluster):
    pool = get(cluster, "ipaddresspool", "-n", "metallb-system", "media")
    assert applied_by_the_role(pool)
    assert pool["spec"]["addresses"] == ["192.0.2.150-192.0.2.165"]
    assert pool["spec"]["autoAssign"] is False
    assert get(cluster, "l2advertisement", "-n", "metallb-system", "media")["spec"]["ipAddressPools"] == ["media"]
    # one pool per cluster
    assert [p["metadata"]["name"] for p in get(cluster, "ipaddresspool", "-A")["items"]] == ["media"]


def test_nfs_storage_class(cluster):
    sc = get(cluster, "storageclass", "nfs-media")
    assert applied_by_the_role(sc)
    assert sc["provisioner"] == "nfs.csi.k8s.io"
    assert sc["parameters"] == {"server": "nas.example.com", "share": "/data"}
    assert sc["reclaimPolicy"] == "Retain"


def test_local_storage_for_config_on_talos_only(cluster):
    """Talos has no local storage class of its own: the role installs the local-path provisioner; k3s ships one."""
    if cluster == "k3s":
        assert kubectl(cluster, "get", "namespace", "local-path-storage", check=False).returncode != 0
        return
    sc = get(cluster, "storageclass", "local-path")
    assert sc["provisioner"] == "rancher.io/local-path" and applied_by_the_role(sc)

    def running():
        pods = get(cluster, "pods", "-n", "local-path-storage")["items"]
        return [p for p in pods if p["status"].get("phase") == "Running"]
    pods = wait(running)
    assert pods, kubectl(cluster, "get", "pods", "-n", "local-path-storage", "-o", "wide").stdout
    # Talos taints its control planes: the provisioner runs on a worker
    assert pods[0]["spec"]["nodeName"].startswith("talos-w-")


def test_gpu_plugin_runs_on_the_gpu_node_only(cluster):
    """The DaemonSet's node selector and toleration: on k3s the GPU agent is tainted gpu=true:NoSchedule."""
    gpu_node = {"talos": "talos-w-3", "k3s": "cluster-k3s-agent2"}[cluster]
    assert applied_by_the_role(get(cluster, "daemonset", "-n", "kube-system", "intel-gpu-plugin"))

    def running():
        pods = get(cluster, "pods", "-n", "kube-system", "-l", "app=intel-gpu-plugin")["items"]
        return pods if pods and all(p["status"].get("phase") == "Running" for p in pods) else None
    pods = wait(running)
    assert pods, kubectl(cluster, "get", "pods", "-n", "kube-system", "-o", "wide").stdout
    assert [p["spec"]["nodeName"] for p in pods] == [gpu_node]

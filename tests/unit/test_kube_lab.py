"""The local control plane (scripts/kube-lab.sh) decides as a real cluster does.

Real kube-apiserver (admission: PodSecurity, NodeRestriction, ...), kube-scheduler, kube-controller-manager
(PV binder, deployments, namespaces) and etcd, built from their upstream modules; kwok plays the kubelets.
Each test breaks one thing the add-ons and apps layers must get right (a PodSecurity level, a toleration,
an extended resource, a storage class name) and expects the refusal a cluster gives: forbidden at
admission, Unschedulable, a claim left Pending. The roles' own objects are applied to this control plane
by the cluster and apps tests (fixture ``kube_lab`` in conftest.py).
"""

import json
import time

import pytest
import yaml

# Seed 002's shape: a k3s server, a storage agent with a taint, the GPU node with its device plugin resource.
NODES = [
    {"name": "k3s-s1", "address": "198.51.100.10", "control_plane": True,
     "labels": {"node.longhorn.io/primary": "true"}},
    {"name": "k3s-w1", "address": "198.51.100.21", "labels": {"node.longhorn.io/storage": "enabled"},
     "taints": ["node.longhorn.io/storage=enabled:NoSchedule"]},
    {"name": "k3s-w3", "address": "198.51.100.23", "labels": {"gpu": "true"},
     "taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}],
     "allocatable": {"cpu": "8", "memory": "32Gi", "gpu.intel.com/i915": "1"}},
]


@pytest.fixture(name="lab", scope="module")
def fixture_lab(kube_lab):
    kube_lab.nodes(NODES)
    return kube_lab


def apply(lab, docs, check=True):
    return lab.kubectl("apply", "-f", "-", stdin="\n---\n".join(json.dumps(d) for d in docs), check=check)


def get(lab, *args):
    return json.loads(lab.kubectl("get", "-o", "json", *args).stdout)


def wait(what, probe, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(1)


def pod(name, namespace, node_selector=None, tolerations=None, resources=None, privileged=False, claim=None):
    container = {"name": "app", "image": "lscr.io/linuxserver/sonarr:latest"}
    if resources:
        container["resources"] = {"limits": resources, "requests": resources}
    if privileged:
        container["securityContext"] = {"privileged": True}
    spec = {"containers": [container]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    if tolerations:
        spec["tolerations"] = tolerations
    if claim:
        spec["volumes"] = [{"name": "media", "persistentVolumeClaim": {"claimName": claim}}]
        container["volumeMounts"] = [{"name": "media", "mountPath": "/data"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def scheduled_condition(lab, namespace, name):
    conditions = get(lab, "-n", namespace, "pod", name).get("status", {}).get("conditions", [])
    return next((c for c in conditions if c["type"] == "PodScheduled"), None)


def namespace(lab, name, level):
    labels = {"pod-security.kubernetes.io/" + mode: level for mode in ("enforce", "audit", "warn")}
    apply(lab, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}])


def test_nodes_carry_the_inventory_labels_taints_and_resources(lab):
    nodes = {n["metadata"]["name"]: n for n in get(lab, "nodes")["items"]}
    assert sorted(nodes) == ["k3s-s1", "k3s-w1", "k3s-w3"]
    gpu = nodes["k3s-w3"]
    assert gpu["metadata"]["labels"]["gpu"] == "true"
    assert gpu["spec"]["taints"] == [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]
    assert gpu["status"]["allocatable"]["gpu.intel.com/i915"] == "1"
    assert {"type": "InternalIP", "address": "198.51.100.23"} in gpu["status"]["addresses"]
    assert "node-role.kubernetes.io/control-plane" in nodes["k3s-s1"]["metadata"]["labels"]
    for node in nodes.values():
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True"


def test_nodes_follow_the_inventory(kube_lab):
    kube_lab.nodes(NODES + [{"name": "k3s-w9"}])
    assert "k3s-w9" in [n["metadata"]["name"] for n in get(kube_lab, "nodes")["items"]]
    kube_lab.nodes(NODES)
    names = [n["metadata"]["name"] for n in get(kube_lab, "nodes")["items"]]
    assert "k3s-w9" not in names or get(kube_lab, "node", "k3s-w9")["metadata"].get("deletionTimestamp")


def test_pod_security_label_refuses_a_privileged_pod(lab):
    namespace(lab, "psa-baseline", "baseline")
    result = apply(lab, [pod("priv", "psa-baseline", privileged=True)], check=False)
    assert result.returncode != 0
    assert 'violates PodSecurity "baseline:latest"' in result.stderr
    assert "privileged" in result.stderr
    namespace(lab, "psa-privileged", "privileged")
    apply(lab, [pod("priv", "psa-privileged", privileged=True)])


def test_tainted_node_needs_a_toleration(lab):
    namespace(lab, "taints", "privileged")
    apply(lab, [pod("no-toleration", "taints", node_selector={"gpu": "true"})])
    condition = wait("the scheduler's verdict", lambda: scheduled_condition(lab, "taints", "no-toleration"))
    assert condition["status"] == "False"
    assert condition["reason"] == "Unschedulable"
    assert "untolerated taint" in condition["message"]
    tolerations = [{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
    apply(lab, [pod("tolerated", "taints", node_selector={"gpu": "true"}, tolerations=tolerations)])
    wait("the pod Running on the GPU node",
         lambda: get(lab, "-n", "taints", "pod", "tolerated").get("status", {}).get("phase") == "Running")
    assert get(lab, "-n", "taints", "pod", "tolerated")["spec"]["nodeName"] == "k3s-w3"


def test_extended_resource_is_counted(lab):
    namespace(lab, "gpu", "privileged")
    tolerations = [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    apply(lab, [pod("plex", "gpu", tolerations=tolerations, resources={"gpu.intel.com/i915": "1"})])
    wait("plex on the GPU node", lambda: get(lab, "-n", "gpu", "pod", "plex")["spec"].get("nodeName") == "k3s-w3")
    apply(lab, [pod("plex2", "gpu", tolerations=tolerations, resources={"gpu.intel.com/i915": "1"})])
    condition = wait("the scheduler's verdict", lambda: scheduled_condition(lab, "gpu", "plex2"))
    assert condition["reason"] == "Unschedulable"
    assert "Insufficient gpu.intel.com/i915" in condition["message"]


def test_claim_binds_only_to_its_storage_class(lab):
    namespace(lab, "storage", "privileged")
    apply(lab, [{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "nfs-media"},
                 "provisioner": "nfs.csi.k8s.io", "reclaimPolicy": "Retain", "volumeBindingMode": "Immediate",
                 "parameters": {"server": "nas.example.com", "share": "/data"}}])

    def static_pv(name, storage_class):
        return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
                "spec": {"capacity": {"storage": "1Ti"}, "accessModes": ["ReadWriteMany"],
                         "persistentVolumeReclaimPolicy": "Retain", "storageClassName": storage_class,
                         "nfs": {"server": "nas.example.com", "path": "/data"}}}

    def claim(name, storage_class, volume):
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "storage"},
                "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": storage_class, "volumeName": volume,
                         "resources": {"requests": {"storage": "1Ti"}}}}

    apply(lab, [static_pv("media-good", "nfs-media"), claim("media", "nfs-media", "media-good"),
                static_pv("media-other", "nfs-media"), claim("media-wrong-class", "nfs-client", "media-other")])
    wait("the claim Bound", lambda: get(lab, "-n", "storage", "pvc", "media").get("status", {}).get("phase") == "Bound")
    apply(lab, [pod("sonarr", "storage", claim="media"), pod("radarr", "storage", claim="media-wrong-class")])
    wait("the pod with a bound claim Running",
         lambda: get(lab, "-n", "storage", "pod", "sonarr").get("status", {}).get("phase") == "Running")
    # The binder refuses a volume whose class differs from the claim's: Pending, and the pod waits.
    wait("the binder's event", lambda: [e for e in get(lab, "-n", "storage", "events")["items"]
                                        if e["involvedObject"].get("name") == "media-wrong-class"], timeout=30)
    assert get(lab, "-n", "storage", "pvc", "media-wrong-class")["status"]["phase"] == "Pending"
    condition = wait("the scheduler's verdict", lambda: scheduled_condition(lab, "storage", "radarr"))
    assert condition["status"] == "False"
    assert "unbound" in condition["message"] or "not bound" in condition["message"]


def test_controllers_run_deployments_and_namespaces(lab):
    namespace(lab, "deploy", "privileged")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "deploy"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}
    apply(lab, [deployment])
    wait("2 replicas available", lambda: get(lab, "-n", "deploy", "deployment", "web").get("status", {})
         .get("availableReplicas") == 2, timeout=90)
    pods = get(lab, "-n", "deploy", "pods", "-l", "app=web")["items"]
    # Untainted worker only: the control plane carries no taint here, the two tainted agents repel.
    assert {p["spec"]["nodeName"] for p in pods} <= {"k3s-s1"}
    lab.kubectl("delete", "namespace", "deploy", "--wait=false")
    wait("the namespace finalized", lambda: lab.kubectl("get", "namespace", "deploy", check=False).returncode != 0,
         timeout=90)


def test_server_side_validation_refuses_unknown_fields(lab):
    namespace(lab, "strict", "privileged")
    bad = pod("typo", "strict")
    bad["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    result = lab.kubectl("apply", "--validate=strict", "-f", "-", stdin=yaml.safe_dump(bad), check=False)
    assert result.returncode != 0
    assert 'unknown field "spec.containers[0].imagePullPolicyy"' in result.stderr

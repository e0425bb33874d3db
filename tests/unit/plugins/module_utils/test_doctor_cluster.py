"""The doctor's cluster rules on objects in the API server's shapes."""

from ansible_collections.homelab.mediastack.plugins.module_utils import _doctor_cluster as cluster


def _node(name, ready="True"):
    return {"metadata": {"name": name}, "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady"}]}}


def _statuses(findings):
    return sorted((f["where"], f["status"]) for f in findings)


def test_nodes_missing_and_not_ready():
    out = cluster.nodes([_node("cp1"), _node("w1", "False")], ["cp1", "w1", "w2"])
    assert _statuses(out) == [("cp1", "ok"), ("w1", "fail"), ("w2", "fail")]


def test_pending_claim_names_its_class():
    pvc = {"metadata": {"namespace": "media", "name": "media-data"}, "spec": {"storageClassName": "nfs-client"},
           "status": {"phase": "Pending"}}
    out = cluster.claims([pvc, {"metadata": {"namespace": "media", "name": "cfg"}, "spec": {"volumeName": "pv1"},
                                "status": {"phase": "Bound"}}])
    assert _statuses(out) == [("media/cfg", "ok"), ("media/media-data", "fail")]
    assert "nfs-client" in [f for f in out if f["status"] == "fail"][0]["message"]


def test_unschedulable_pod_carries_the_schedulers_message():
    pod = {"metadata": {"namespace": "media", "name": "plex-0"}, "spec": {},
           "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                      "message": "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}"}]}}
    running = {"metadata": {"namespace": "media", "name": "sonarr-0"}, "spec": {"nodeName": "w1"},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    out = cluster.pods([pod, running])
    assert _statuses(out) == [("media/plex-0", "fail"), ("media/sonarr-0", "ok")]
    assert "untolerated taint" in [f for f in out if f["status"] == "fail"][0]["message"]


def test_loadbalancer_pending_outside_and_inside_the_pool():
    def svc(name, ips):
        return {"metadata": {"namespace": "media", "name": name}, "spec": {"type": "LoadBalancer"},
                "status": {"loadBalancer": {"ingress": [{"ip": ip} for ip in ips]}}}
    out = cluster.load_balancers([svc("a", ["192.0.2.240"]), svc("b", []), svc("c", ["192.0.2.9"]),
                                  {"metadata": {"name": "x"}, "spec": {"type": "ClusterIP"}}],
                                 ["192.0.2.240-192.0.2.241"])
    assert _statuses(out) == [("media/a", "ok"), ("media/b", "fail"), ("media/c", "fail")]


def test_pod_security_label():
    ns = [{"metadata": {"name": "media", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}},
          {"metadata": {"name": "metallb-system", "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}]
    out = cluster.pod_security(ns, {"media": "privileged", "metallb-system": "privileged", "csi-nfs": "privileged"})
    assert _statuses(out) == [("csi-nfs", "fail"), ("media", "fail"), ("metallb-system", "ok")]


def test_a_cluster_that_cannot_be_read_is_one_named_failure():
    from ansible_collections.homelab.mediastack.plugins.module_utils._doctor_cluster import unreachable
    found = unreachable("no kubeconfig at /nowhere/kubeconfig")
    assert [(f["check"], f["status"]) for f in found] == [("cluster_reachable", "fail")]
    assert "/nowhere/kubeconfig" in found[0]["message"] and "doctor_kubeconfig" in found[0]["fix"]

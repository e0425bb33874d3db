"""Seeds 000, 001 and 002 applied for real: cluster_addons + media_apps against a local control plane.

scripts/kube-lab.sh (k8s-plane) runs the upstream etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok; the kwok nodes are the inventory's cluster nodes with their labels and
taints. What kwok lacks is played here, each after its upstream:
- the local-path provisioner (rancher/local-path-provisioner provisioner.go): a PV on the node the
  scheduler selected (annotation volume.kubernetes.io/selected-node) for every claim of its class;
- k3s's bundled local-path StorageClass (k3s manifests/local-storage.yaml) on k3s seeds;
- the Intel GPU plugin's allocatable (intel-device-plugins-for-kubernetes gpu_plugin: one
  gpu.intel.com/i915 per shared-dev-num on the labelled nodes).
The real API server decides everything else: server-side validation, CRDs, PodSecurity admission,
PV binding, scheduling. Skipped when the tools are not built (make tools).
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, ansible_command, ansible_env, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))
LAB = ROOT / "scripts" / "kube-lab.sh"
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
METALLB_CRDS = [str(REFERENCE / "k8s" / "metallb" / "v0.16.1" / name)
                for name in ("metallb.io_ipaddresspools.yaml", "metallb.io_l2advertisements.yaml")]
SECRETS = {"vault_%s_api_key" % app: "%032x" % (i + 1) for i, app in
           enumerate(["sonarr", "radarr", "lidarr", "prowlarr", "sabnzbd"])}
SECRETS.update(vault_qbittorrent_password="test-only-qbt", vault_wireguard_private_key="test-only-wg",
               vault_wireguard_addresses="10.64.0.2/32", vault_k3s_token="test-only")

pytestmark = pytest.mark.skipif(
    not (LAB.exists() and all((BIN / b).exists() for b in ("kube-apiserver", "kwok", "etcd", "kubectl"))),
    reason="the local control plane is not built (make tools; scripts/kube-lab.sh)")

# Where each seed put its pods: app -> node (None: any worker that is not a control plane).
PLACEMENT = {
    "000": {app: None for app in ("plex", "prowlarr", "radarr", "sonarr", "qbittorrent", "lidarr", "overseerr",
                                  "sabnzbd")},
    "001": {app: "pi5-worker-1" for app in ("qbittorrent", "prowlarr", "flaresolverr", "sonarr", "radarr",
                                            "jellyseerr")},
    "002": {"sonarr": "k3s-w1", "radarr": "k3s-w1", "plex": "k3s-w1", "clusterplex-worker": "k3s-w3",
            "prowlarr": "k3s-s1"},
}


def kubectl(lab, *args, check=True):
    result = subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig")] + list(args),
                            capture_output=True, text=True, check=False, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError("kubectl %s: %s" % (" ".join(args), result.stderr))
    return result


def get(lab, *args):
    return json.loads(kubectl(lab, "get", "-o", "json", *args).stdout)


def inventory_hosts(seed):
    out = subprocess.run([ansible_command("ansible-inventory"), "-i", str(ROOT / "inventory" / ("seed-%s" % seed)), "--list"],
                         capture_output=True, text=True, check=True, env=ansible_env()).stdout
    return json.loads(out)


def kwok_nodes(seed):
    """The cluster nodes of the inventory as kube-lab node records (names, labels, taints, allocatable)."""
    data = inventory_hosts(seed)
    hostvars = data["_meta"]["hostvars"]

    def groups(name):
        return data.get(name, {}).get("hosts", [])
    addons = {}
    for path in (ROOT / "inventory" / ("seed-%s" % seed) / "group_vars" / "all").glob("*.yml"):
        addons.update(yaml.safe_load(path.read_text()) or {})
    gpu_selector = addons.get("cluster_addons_gpu_node_selector", {"gpu": "true"}) if addons.get(
        "cluster_addons_gpu_plugin") else None
    nodes = []
    for host in groups("talos_controlplane") + groups("talos_workers"):
        hv = hostvars.get(host, {})
        control = host in groups("talos_controlplane")
        taints = ["%s=%s" % (k, v) for k, v in (hv.get("talos_cluster_node_taints") or {}).items()]
        if control:  # Talos: allowSchedulingOnControlPlanes false by default
            taints.append("node-role.kubernetes.io/control-plane:NoSchedule")
        nodes.append({"name": hv.get("talos_cluster_hostname") or host, "address": hv.get("ansible_host"),
                      "control_plane": control, "labels": hv.get("talos_cluster_node_labels") or {},
                      "taints": taints})
    for host in groups("k3s_servers") + groups("k3s_agents"):
        hv = hostvars.get(host, {})
        labels = dict(item.split("=", 1) for item in hv.get("k3s_cluster_node_labels") or [])
        nodes.append({"name": hv.get("k3s_cluster_node_name") or host, "address": hv.get("ansible_host"),
                      "control_plane": host in groups("k3s_servers"), "labels": labels,
                      "taints": list(hv.get("k3s_cluster_node_taints") or [])})
    for node in nodes:
        if gpu_selector and all(node["labels"].get(k) == str(v) for k, v in gpu_selector.items()):
            node["allocatable"] = {"gpu.intel.com/i915": str(addons.get("cluster_addons_gpu_shared_dev_num", 1))}
    return nodes


class LocalPathProvisioner(threading.Thread):
    """Plays rancher.io/local-path: a PV for each claim of its class once the scheduler picked a node.

    provisioner.go (Provision): the PV is named after the claim's pvc-<uid>, hostPath
    <path>/pvc-<uid>_<namespace>_<name>, node affinity to the selected node, reclaim policy and
    class from the StorageClass, the claim's access modes and size.
    """

    def __init__(self, lab, classes):
        super().__init__(daemon=True)
        self.lab, self.classes, self.stop = lab, classes, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.once()
            except Exception:  # the API can be restarting; try again
                pass
            self.stop.wait(1)

    def once(self):
        claims = get(self.lab, "pvc", "-A")["items"]
        for claim in claims:
            spec, meta = claim["spec"], claim["metadata"]
            # sig-storage-lib-external-provisioner controller.go: provision once the scheduler set selected-node
            node = (meta.get("annotations") or {}).get("volume.kubernetes.io/selected-node")
            if claim["status"].get("phase") == "Bound" or spec.get("storageClassName") not in self.classes or not node:
                continue
            # controller.go getProvisionedVolumeNameForClaim: "pvc-" + claim UID
            name = "pvc-%s" % meta["uid"]
            # provisioner.go Provision: folder <name>_<namespace>_<claim> under the node's path,
            # hostPath volume (defaultVolumeType), node affinity kubernetes.io/hostname In [node],
            # reclaim policy of the class (local-path: Delete)
            pv = {"apiVersion": "v1", "kind": "PersistentVolume",
                  "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}},
                  "spec": {"capacity": {"storage": spec["resources"]["requests"]["storage"]},
                           "accessModes": spec["accessModes"], "persistentVolumeReclaimPolicy": "Delete",
                           "storageClassName": spec["storageClassName"],
                           "claimRef": {"namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]},
                           "hostPath": {"path": "/opt/local-path-provisioner/%s_%s_%s"
                                                % (name, meta["namespace"], meta["name"]),
                                        "type": "DirectoryOrCreate"},
                           "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                               {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}}}
            subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(self.lab / "kubeconfig"), "create", "-f", "-"],
                           input=json.dumps(pv), capture_output=True, text=True, check=False)


PLAY = """
- name: Cluster add-ons (once per cluster)
  hosts: "k3s_servers[0]:talos_controlplane[0]"
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.mediastack.cluster_addons
- name: Apps
  ansible.builtin.import_playbook: %s
""" % (ROOT / "playbooks" / "apps.yml")


def converge(seed, lab, tmp_path, extra=None, check=False):
    values = dict(SECRETS, talos_cluster_kubeconfig=str(lab / "kubeconfig"), k3s_cluster_kubeconfig=str(lab / "kubeconfig"),
                  cluster_addons_metallb_manifests=METALLB_CRDS, cluster_addons_nfs_csi_manifests=[],
                  cluster_addons_metallb_webhook_timeout=60, ansible_python_interpreter=sys.executable)
    values.update(extra or {})
    (tmp_path / "vars.json").write_text(json.dumps(values))
    (tmp_path / "play.yml").write_text(PLAY)
    return run_playbook(tmp_path / "play.yml", "-i", ROOT / "inventory" / ("seed-%s" % seed),
                        "-e", "@%s" % (tmp_path / "vars.json"), *(["--check"] if check else []), timeout=900)


def recap_changed(output):
    return sum(int(part.split("=")[1]) for line in output.splitlines() if "ok=" in line and "changed=" in line
               for part in line.split() if part.startswith("changed="))


@pytest.fixture(scope="module", params=["000", "001", "002"])
def cluster(request, tmp_path_factory):
    seed = request.param
    lab = tmp_path_factory.mktemp("kube-lab-%s" % seed)
    nodes = lab / "nodes.yaml"
    nodes.write_text(yaml.safe_dump(kwok_nodes(seed)))
    subprocess.run(["bash", str(LAB), "up", str(lab), str(nodes)], check=True, timeout=600)
    classes = {"local-path"}
    if seed in ("001", "002"):
        # k3s's bundled class (k3s manifests/local-storage.yaml)
        subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"], check=True,
                       input=yaml.safe_dump({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                             "metadata": {"name": "local-path", "annotations": {
                                                 "storageclass.kubernetes.io/is-default-class": "true"}},
                                             "provisioner": "rancher.io/local-path",
                                             "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete"}),
                       text=True, capture_output=True)
    provisioner = LocalPathProvisioner(lab, classes)
    provisioner.start()
    work = tmp_path_factory.mktemp("play-%s" % seed)
    check = converge(seed, lab, work, check=True)
    media_after_check = kubectl(lab, "get", "ns", "media", check=False).returncode
    first = converge(seed, lab, work)
    second = converge(seed, lab, work)
    yield {"seed": seed, "lab": lab, "work": work, "check": check, "media_after_check": media_after_check,
           "first": first, "second": second}
    provisioner.stop.set()
    subprocess.run(["bash", str(LAB), "down", str(lab)], check=False, timeout=120)


def only_seed(seed):
    """The test runs on that seed's cluster only, chosen before any cluster is built (not a skip after)."""
    return pytest.mark.parametrize("cluster", [seed], indirect=True)


def _wait(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(2)
    return predicate()


def test_check_mode_creates_nothing(cluster):
    assert cluster["check"].returncode == 0, cluster["check"].stdout[-4000:] + cluster["check"].stderr[-2000:]
    assert cluster["media_after_check"] != 0  # namespace media absent after --check


def test_converges_and_reruns_unchanged(cluster):
    first, second = cluster["first"], cluster["second"]
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    assert second.returncode == 0, second.stdout[-6000:] + second.stderr[-2000:]
    assert recap_changed(second.stdout) == 0, second.stdout[-6000:]


def test_every_claim_bound_media_to_the_nas_tree(cluster):
    lab = cluster["lab"]

    def bound():
        claims = get(lab, "pvc", "-n", "media")["items"]
        return claims if claims and all(c["status"].get("phase") == "Bound" for c in claims) else None
    claims = _wait(bound)
    assert claims, kubectl(lab, "get", "pvc", "-n", "media").stdout
    media = next(c for c in claims if c["metadata"]["name"] == "media-data")
    pv = get(lab, "pv", media["spec"]["volumeName"])
    inventory = yaml.safe_load((ROOT / "inventory" / ("seed-%s" % cluster["seed"]) / "group_vars" / "all"
                                / "main.yml").read_text())
    assert pv["spec"]["csi"]["volumeAttributes"] == {"server": inventory["mediastack_nfs_server"],
                                                     "share": inventory["mediastack_nfs_export"]}


def test_every_pod_runs_where_the_seed_put_it(cluster):
    lab, placement = cluster["lab"], PLACEMENT[cluster["seed"]]
    control_planes = {n["metadata"]["name"] for n in get(lab, "nodes")["items"]
                      if "node-role.kubernetes.io/control-plane" in n["metadata"]["labels"]
                      and any(t["key"] == "node-role.kubernetes.io/control-plane" for t in n["spec"].get("taints") or [])}

    def running():
        pods = get(lab, "pods", "-n", "media")["items"]
        apps = {p["metadata"]["labels"].get("app.kubernetes.io/name"): p for p in pods}
        if set(placement) <= set(apps) and all(apps[a]["status"].get("phase") == "Running" for a in placement):
            return apps
        return None
    apps = _wait(running, 180)
    assert apps, kubectl(lab, "get", "pods", "-n", "media", "-o", "wide").stdout + kubectl(
        lab, "get", "events", "-n", "media").stdout
    for app, node in placement.items():
        where = apps[app]["spec"]["nodeName"]
        if node is None:
            assert where not in control_planes, (app, where)
        else:
            assert where == node, (app, where)


ADDONS_ONLY = """
- name: Cluster add-ons (once per cluster)
  hosts: "k3s_servers[0]:talos_controlplane[0]"
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.mediastack.cluster_addons
"""


def _play(seed, lab, work, play, extra=None):
    values = dict(SECRETS, talos_cluster_kubeconfig=str(lab / "kubeconfig"), k3s_cluster_kubeconfig=str(lab / "kubeconfig"),
                  cluster_addons_metallb_manifests=METALLB_CRDS, cluster_addons_nfs_csi_manifests=[],
                  cluster_addons_metallb_webhook_timeout=60, ansible_python_interpreter=sys.executable)
    values.update(extra or {})
    (work / "vars-extra.json").write_text(json.dumps(values))
    (work / "extra-play.yml").write_text(play)
    return subprocess.Popen([ansible_command("ansible-playbook"), "-i",
                             str(ROOT / "inventory" / ("seed-%s" % seed)), str(work / "extra-play.yml"),
                             "-e", "@%s" % (work / "vars-extra.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ansible_env())


def _events(lab, namespace):
    return kubectl(lab, "get", "events", "-n", namespace, "-o", "custom-columns=R:.reason,M:.message",
                   check=False).stdout


@only_seed("000")
def test_pool_is_retried_until_metallb_webhook_answers(cluster):
    """A pool sent while MetalLB's webhook cannot answer is refused by the API server; the role retries.

    The webhook is made to answer only once the role has really been refused (its retry line is read
    from the running play), never after a fixed delay: the add-ons play needs from a few seconds to
    about a minute to reach the pool task, depending on the machine's load (a fixed 15 s sleep let the
    webhook go before the pool was ever sent, so the test could pass or fail without any retry).
    "Answers" is played by removing the webhook's registration: the API server then admits the pool
    exactly as MetalLB's webhook admits a valid one (no pod of the webhook can run here).
    """
    lab, work = cluster["lab"], cluster["work"]
    kubectl(lab, "delete", "ipaddresspool", "-n", "metallb-system", "media", "--wait=true")
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metallb-webhook-service",
                                                                   "namespace": "metallb-system"},
               "spec": {"ports": [{"port": 443, "targetPort": 9443}], "selector": {"component": "controller"}}}
    # as MetalLB's manifest registers it (config/webhook): failurePolicy Fail on ipaddresspools
    webhook = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
               "metadata": {"name": "metallb-webhook-configuration"},
               "webhooks": [{"name": "ipaddresspoolvalidationwebhook.metallb.io", "admissionReviewVersions": ["v1"],
                             "sideEffects": "None", "failurePolicy": "Fail",
                             "clientConfig": {"service": {"name": "metallb-webhook-service",
                                                          "namespace": "metallb-system",
                                                          "path": "/validate-metallb-io-v1beta1-ipaddresspool"}},
                             "rules": [{"apiGroups": ["metallb.io"], "apiVersions": ["v1beta1"],
                                        "operations": ["CREATE", "UPDATE"], "resources": ["ipaddresspools"]}]}]}
    for obj in (service, webhook):
        subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"],
                       input=json.dumps(obj), text=True, check=True, capture_output=True)
    try:
        # the API server really refuses the pool now
        refused = subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"],
                                 input=json.dumps({"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
                                                   "metadata": {"name": "probe", "namespace": "metallb-system"},
                                                   "spec": {"addresses": ["192.0.2.1/32"]}}),
                                 text=True, capture_output=True, check=False)
        assert refused.returncode != 0 and "failed calling webhook" in refused.stderr, refused.stderr
        play = _play("000", lab, work, ADDONS_ONLY)
        lines, retried = [], False
        for line in play.stdout:  # read as the play runs
            lines.append(line)
            if not retried and line.startswith("FAILED - RETRYING") and "Apply the MetalLB pool" in line:
                retried = True  # refused once by the API server: now the webhook comes up
                kubectl(lab, "delete", "validatingwebhookconfiguration", "metallb-webhook-configuration")
        play.wait(timeout=600)
        out = "".join(lines)
        assert retried, "the role never retried the refused pool:\n" + out[-6000:]
        assert play.returncode == 0, out[-6000:]
    finally:
        kubectl(lab, "delete", "validatingwebhookconfiguration", "metallb-webhook-configuration",
                "--ignore-not-found")
    assert get(lab, "ipaddresspool", "-n", "metallb-system", "media")["spec"]["autoAssign"] is False


@only_seed("000")
def test_a_second_pool_on_the_media_addresses_is_refused(cluster):
    lab, work = cluster["lab"], cluster["work"]
    subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"], check=True,
                   input=json.dumps({"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
                                     "metadata": {"name": "default", "namespace": "metallb-system"},
                                     "spec": {"addresses": ["198.51.100.160/28"]}}), text=True, capture_output=True)
    try:
        play = _play("000", lab, work, ADDONS_ONLY)
        out, _unused = play.communicate(timeout=600)
        assert play.returncode != 0
        assert "MetalLB pools ['metallb-system/default'] hand out addresses of the pool media" in " ".join(out.split())
    finally:
        kubectl(lab, "delete", "ipaddresspool", "-n", "metallb-system", "default")


@only_seed("001")
def test_wrong_storage_class_leaves_the_claims_pending(cluster):
    """As a real cluster would: a class nobody provides, or a claim whose class differs from its volume's."""
    lab, work = cluster["lab"], cluster["work"]
    play = _play("001", lab, work, "- ansible.builtin.import_playbook: %s\n" % (ROOT / "playbooks" / "apps.yml"),
                 {"media_apps_k8s_namespace": "media-sc", "media_apps_k8s_config_storage_class": "nfs-client",
                  "media_apps_enabled": ["sonarr"], "media_apps_overrides": {}})
    out, _unused = play.communicate(timeout=600)
    assert play.returncode == 0, out[-4000:]
    time.sleep(10)
    config = get(lab, "pvc", "-n", "media-sc", "sonarr-config")
    assert config["status"]["phase"] == "Pending"
    assert 'storageclass.storage.k8s.io "nfs-client" not found' in _events(lab, "media-sc")
    pod = get(lab, "pods", "-n", "media-sc")["items"][0]
    assert not pod["spec"].get("nodeName")
    # the old mismatch: a claim asking nfs-client for a media volume of class nfs-media stays Pending,
    # the same claim asking nfs-media binds
    pv = get(lab, "pv", "media-sc-media-data")
    assert pv["spec"]["storageClassName"] == "nfs-media"
    for name, wanted in (("mismatch", "nfs-client"), ("match", "nfs-media")):
        volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "media-sc-%s" % name},
                  "spec": {"capacity": {"storage": "1Ti"}, "accessModes": ["ReadWriteMany"],
                           "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "nfs-media",
                           "csi": pv["spec"]["csi"]}}
        volume["spec"]["csi"] = dict(pv["spec"]["csi"], volumeHandle="%s-%s" % (pv["spec"]["csi"]["volumeHandle"], name))
        claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "media-sc"},
                 "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": wanted, "volumeName": "media-sc-%s" % name,
                          "resources": {"requests": {"storage": "1Ti"}}}}
        for obj in (volume, claim):
            subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"],
                           input=json.dumps(obj), text=True, check=True, capture_output=True)
    assert _wait(lambda: get(lab, "pvc", "-n", "media-sc", "match")["status"]["phase"] == "Bound", 60)
    assert get(lab, "pvc", "-n", "media-sc", "mismatch")["status"]["phase"] == "Pending"


@only_seed("002")
def test_missing_toleration_is_unschedulable(cluster):
    lab = cluster["lab"]
    deployment = get(lab, "deployment", "-n", "media", "clusterplex-worker")
    spec = deployment["spec"]
    spec["template"]["spec"].pop("tolerations")
    labels = {"app.kubernetes.io/name": "no-toleration"}
    spec["selector"] = {"matchLabels": labels}
    spec["template"]["metadata"]["labels"] = labels
    obj = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "no-toleration", "namespace": "media"}, "spec": spec}
    subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(lab / "kubeconfig"), "apply", "-f", "-"],
                   input=json.dumps(obj), text=True, check=True, capture_output=True)

    def unschedulable():
        pods = get(lab, "pods", "-n", "media", "-l", "app.kubernetes.io/name=no-toleration")["items"]
        for pod in pods:
            for cond in pod["status"].get("conditions") or []:
                if cond["type"] == "PodScheduled" and cond.get("reason") == "Unschedulable":
                    return cond["message"]
        return None
    message = _wait(unschedulable, 60)
    assert message and "untolerated taint" in message, message
    kubectl(lab, "delete", "deployment", "-n", "media", "no-toleration")


@only_seed("001")
def test_podsecurity_label_decides_what_may_run(cluster):
    """Baseline (Talos's default for a namespace without the label) forbids the Gluetun sidecar."""
    lab, work = cluster["lab"], cluster["work"]
    kubectl(lab, "label", "--overwrite", "namespace", "media", "pod-security.kubernetes.io/enforce=baseline")
    kubectl(lab, "delete", "pods", "-n", "media", "-l", "app.kubernetes.io/name=qbittorrent", "--wait=true")
    message = _wait(lambda: next((line for line in _events(lab, "media").splitlines()
                                  if "forbidden" in line and "PodSecurity" in line), None), 60)
    assert message and "baseline" in message and "NET_ADMIN" in message, _events(lab, "media")
    # the apps layer puts the label back: the pod runs again
    result = converge("001", lab, work)
    assert result.returncode == 0 and recap_changed(result.stdout) > 0, result.stdout[-4000:]

    def running():
        pods = get(lab, "pods", "-n", "media", "-l", "app.kubernetes.io/name=qbittorrent")["items"]
        return any(p["status"].get("phase") == "Running" for p in pods)
    assert _wait(running, 120)

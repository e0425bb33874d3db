"""The cluster_addons objects, rendered from the role's own template, validated offline and strictly.

Core kinds against the Kubernetes schemas of kubernetes-validate (strict: unknown fields fail),
MetalLB kinds against MetalLB v0.16.1's CRD schemas (../shared/reference/k8s/metallb/v0.16.1, read in
place), with unknown fields refused the way the API server's strict field validation does.
"""

import os
from pathlib import Path

import jinja2
import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "cluster_addons"
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
CRDS = REFERENCE / "k8s" / "metallb" / "v0.16.1"
K8S_VERSION = "1.33.0"  # the oldest release the k3s and Talos defaults run (k3s v1.33, Talos 1.13 ships 1.34)


def _defaults():
    """The role defaults with the templated ones resolved as the inventory below would."""
    with (ROLE / "defaults" / "main.yml").open(encoding="utf-8") as handle:
        values = yaml.safe_load(handle)
    return {name: value for name, value in values.items() if not (isinstance(value, str) and "{{" in value)}


def render(**overrides):
    values = _defaults()
    values.update({"cluster_addons_metallb_addresses": ["192.0.2.150-192.0.2.165", "198.51.100.0/28"],
                   "cluster_addons_nfs_server": "nas.example.com", "cluster_addons_nfs_share": "/data",
                   "cluster_addons_gpu_plugin": True, "cluster_addons_nfs_storage_class": "nfs-media",
                   "cluster_addons_local_storage_class": "local-path", "cluster_addons_local_path_provisioner": False,
                   "cluster_addons_metallb_pool_name": "media"})
    values.update(overrides)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=False,
                             loader=jinja2.FileSystemLoader(str(ROLE / "templates")))
    text = env.get_template("addons.yml.j2").render(**values)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _crd_schemas():
    schemas = {}
    for path in CRDS.glob("*.yaml"):
        with path.open(encoding="utf-8") as handle:
            crd = yaml.safe_load(handle)
        for version in crd["spec"]["versions"]:
            key = ("%s/%s" % (crd["spec"]["group"], version["name"]), crd["spec"]["names"]["kind"])
            schemas[key] = version["schema"]["openAPIV3Schema"]
    return schemas


CRD_SCHEMAS = _crd_schemas()


def unknown_fields(schema, value, path=""):
    """Fields the structural schema does not declare (the API server prunes them, or refuses them when strict)."""
    found = []
    if isinstance(value, dict) and schema.get("type") == "object":
        props = schema.get("properties")
        if props is None:
            return found  # free-form map (additionalProperties or x-kubernetes-preserve-unknown-fields)
        for key, item in value.items():
            if key not in props:
                if path == "" and key in ("apiVersion", "kind", "metadata"):
                    continue
                found.append("%s.%s" % (path, key))
            else:
                found.extend(unknown_fields(props[key], item, "%s.%s" % (path, key)))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found.extend(unknown_fields(schema["items"], item, "%s[%d]" % (path, index)))
    return found


def validate(doc):
    key = (doc["apiVersion"], doc["kind"])
    if key in CRD_SCHEMAS:
        schema = CRD_SCHEMAS[key]
        jsonschema.Draft7Validator(schema).validate(doc)
        extra = unknown_fields(schema, doc)
        if extra:
            raise jsonschema.ValidationError("unknown fields: %s" % extra)
        return
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_object_validates_strictly():
    docs = render()
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == [("DaemonSet", "intel-gpu-plugin"), ("IPAddressPool", "media"), ("L2Advertisement", "media"),
                     ("Namespace", "media"), ("Namespace", "metallb-system"), ("StorageClass", "nfs-media")]
    for doc in docs:
        validate(doc)


def test_pool_and_advertisement_carry_the_inventory_ranges():
    docs = {d["kind"]: d for d in render()}
    assert docs["IPAddressPool"]["spec"]["addresses"] == ["192.0.2.150-192.0.2.165", "198.51.100.0/28"]
    assert docs["IPAddressPool"]["metadata"]["namespace"] == "metallb-system"
    assert docs["L2Advertisement"]["spec"]["ipAddressPools"] == ["media"]


def test_namespace_gets_the_pod_security_labels():
    docs = render(cluster_addons_namespaces=[{"name": "media", "pod_security": "privileged"},
                                             {"name": "tools", "pod_security": "baseline"}])
    labels = {d["metadata"]["name"]: d["metadata"]["labels"] for d in docs if d["kind"] == "Namespace"}
    assert labels["media"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert labels["tools"]["pod-security.kubernetes.io/warn"] == "baseline"


def test_storage_class_uses_csi_driver_nfs_with_soft_mounts():
    sc = [d for d in render() if d["kind"] == "StorageClass"][0]
    assert sc["provisioner"] == "nfs.csi.k8s.io"
    assert sc["parameters"] == {"server": "nas.example.com", "share": "/data"}
    assert "soft" in sc["mountOptions"]
    assert sc["reclaimPolicy"] == "Retain"


def test_gpu_plugin_runs_only_on_labelled_nodes_with_a_pinned_image():
    ds = [d for d in render(cluster_addons_gpu_node_selector={"gpu": "true"}) if d["kind"] == "DaemonSet"][0]
    spec = ds["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"gpu": "true"}
    assert spec["tolerations"][0]["key"] == "gpu"
    image = spec["containers"][0]["image"]
    assert ":" in image and not image.endswith(":latest")


def test_optional_objects_can_be_left_out():
    docs = render(cluster_addons_nfs_server="", cluster_addons_gpu_plugin=False, cluster_addons_metallb=False)
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [("Namespace", "media")]


def test_pool_hands_out_no_address_by_itself():
    """autoAssign: false, the apps ask for theirs (metallb.io/loadBalancerIPs)."""
    pool = [d for d in render() if d["kind"] == "IPAddressPool"][0]
    assert pool["spec"]["autoAssign"] is False
    namespace = [d for d in render() if d["kind"] == "Namespace" and d["metadata"]["name"] == "metallb-system"][0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_local_storage_class_on_talos_validates_strictly():
    docs = render(cluster_addons_local_path_provisioner=True, cluster_addons_local_storage_class="local-path",
                  cluster_addons_local_path_image="docker.io/rancher/local-path-provisioner:v0.0.36",
                  cluster_addons_local_path_helper_image="docker.io/library/busybox:1.37.0",
                  cluster_addons_local_path_dir="/var/mnt/local-path-provisioner")
    for doc in docs:
        validate(doc)
    classes = {d["metadata"]["name"]: d for d in docs if d["kind"] == "StorageClass"}
    assert classes["local-path"]["provisioner"] == "rancher.io/local-path"
    assert classes["local-path"]["volumeBindingMode"] == "WaitForFirstConsumer"
    config = [d for d in docs if d["kind"] == "ConfigMap"][0]
    assert "/var/mnt/local-path-provisioner" in config["data"]["config.json"]
    images = [c["image"] for d in docs if d["kind"] == "Deployment" for c in d["spec"]["template"]["spec"]["containers"]]
    assert images and all(":" in i and not i.endswith(":latest") for i in images)


def test_validation_can_fail_on_an_unknown_pool_field():
    pool = [d for d in render() if d["kind"] == "IPAddressPool"][0]
    pool["spec"]["adresses"] = pool["spec"].pop("addresses")
    with pytest.raises(jsonschema.ValidationError):
        validate(pool)


def test_validation_can_fail_on_an_unknown_core_field():
    ns = [d for d in render() if d["kind"] == "Namespace"][0]
    ns["metadata"]["lables"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(ns)


def test_versions_are_pinned():
    defaults = _defaults()
    assert defaults["cluster_addons_metallb_version"].startswith("v0.16.")
    assert defaults["cluster_addons_nfs_csi_version"].startswith("v4.")

"""Rendering of seed 004's two Compose stacks and seed 000's Kubernetes manifests, validated offline.

Compose projects against the Compose Specification schema, Kubernetes objects with
kubernetes-validate in strict mode, MetalLB objects against the MetalLB v0.16.1 CRD schemas. The
schemas are read in place from ../shared/reference/k8s (or $MEDIASTACK_REFERENCE/k8s), never copied into
the repository. A manifest
with a typo must fail the strict validation.
"""

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps as m

ROOT = Path(__file__).resolve().parents[4]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference")) / "k8s"
# MetalLB v0.16.1 CRDs (the release the cluster_addons role installs).
METALLB = REFERENCE / "metallb" / "v0.16.1"
CATALOG = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
K8S_VERSION = "1.33.0"
KEYS = {name: "%032x" % (i + 1) for i, name in enumerate(["sonarr", "radarr", "lidarr", "prowlarr", "sabnzbd"])}
VPN = {"provider": "custom", "type": "wireguard", "outbound_subnets": ["198.51.100.0/24", "10.42.0.0/16", "10.43.0.0/16"],
       "secrets": {"WIREGUARD_PRIVATE_KEY": "test-only-key"}}


def _compose_schema():
    return json.loads((REFERENCE / "compose-spec.json").read_text())


def _stack(names, name, media_mode="", overrides=None):
    apps = m.merge_catalog(CATALOG, names, overrides=overrides or {}, config_root="/srv/mediastack/config")
    return apps, m.compose_project(name, apps, "/srv/mediastack/config", "/data", 2000, 2000, "Etc/UTC",
                                   api_keys=KEYS, vpn=VPN, media_mode=media_mode)


# Seed 004: VM 209 (download stack, media rw, qBittorrent behind Gluetun) and VM 210 (streaming, media ro).
DOWNLOAD = ["sabnzbd", "qbittorrent", "radarr", "sonarr", "lidarr", "prowlarr", "flaresolverr", "gluetun"]
STREAMING = ["jellyfin", "jellyseerr", "bazarr"]


@pytest.fixture(scope="module")
def download():
    return _stack(DOWNLOAD, "download", "rw", {"qbittorrent": {"vpn": True}})


@pytest.fixture(scope="module")
def streaming():
    # each app's own mode: Jellyfin and Jellyseerr read, Bazarr writes subtitles (issue 17 item 10)
    return _stack(STREAMING, "streaming", "")


@pytest.mark.parametrize("which", ["download", "streaming"])
def test_compose_stacks_match_the_compose_spec(which, request):
    _apps, project = request.getfixturevalue(which)
    # round-trip through YAML, as the role writes it
    project = yaml.safe_load(yaml.safe_dump(project))
    jsonschema.Draft7Validator(_compose_schema()).validate(project)


def test_compose_spec_refuses_a_typo(download):
    _apps, project = download
    broken = copy.deepcopy(project)
    broken["services"]["sonarr"]["volumes_from_typo"] = ["x"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_compose_schema()).validate(broken)


def test_download_stack_content(download):
    _apps, project = download
    services = project["services"]
    assert project["name"] == "download"
    assert set(services) == set(DOWNLOAD)
    for name, service in services.items():
        assert not service["image"].endswith(":latest"), name
        assert service["environment"]["PUID"] == "2000" and service["environment"]["TZ"] == "Etc/UTC"
    # config local, media mounted once read-write at /data
    assert services["sonarr"]["volumes"] == ["/srv/mediastack/config/sonarr:/config", "/data:/data"]
    assert services["prowlarr"]["volumes"] == ["/srv/mediastack/config/prowlarr:/config"]
    # secrets come from the env file, never from the project file
    text = yaml.safe_dump(project)
    for key in KEYS.values():
        assert key not in text
    assert "test-only-key" not in text
    assert services["sonarr"]["env_file"] == ["env/sonarr.env"]
    assert "env_file" not in services["flaresolverr"]
    # health checks and the FlareSolverr memory floor
    assert services["radarr"]["healthcheck"]["test"] == ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:7878/ping || exit 1"]
    assert services["flaresolverr"]["deploy"]["resources"]["limits"]["memory"] == "1024m"
    assert services["sabnzbd"]["ports"] == ["8085:8080"]


def test_download_stack_vpn_sidecar(download):
    _apps, project = download
    qbt, gluetun = project["services"]["qbittorrent"], project["services"]["gluetun"]
    assert qbt["network_mode"] == "service:gluetun"
    assert "ports" not in qbt
    assert qbt["depends_on"] == {"gluetun": {"condition": "service_healthy", "restart": True}}
    assert "8080:8080" in gluetun["ports"] and "6881:6881/udp" in gluetun["ports"]
    assert gluetun["cap_add"] == ["NET_ADMIN"] and gluetun["devices"] == ["/dev/net/tun:/dev/net/tun"]
    assert "FIREWALL" not in gluetun["environment"]  # not read by Gluetun since v3.39
    assert gluetun["environment"]["FIREWALL_OUTBOUND_SUBNETS"] == "198.51.100.0/24,10.42.0.0/16,10.43.0.0/16"


def test_streaming_stack_reads_media_only(streaming):
    _apps, project = streaming
    assert "/data:/data:ro" in project["services"]["jellyfin"]["volumes"]
    assert "/data:/data" in project["services"]["bazarr"]["volumes"]
    assert project["services"]["jellyseerr"]["volumes"] == ["/srv/mediastack/config/jellyseerr:/app/config"]
    assert project["services"]["jellyseerr"]["healthcheck"]["test"][1].startswith("wget ")


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose (Debian) not installed")
def test_docker_compose_config_accepts_the_stacks(tmp_path, download, streaming):
    for _apps, project in (download, streaming):
        (tmp_path / "compose.yaml").write_text(yaml.safe_dump(project))
        (tmp_path / "env").mkdir(exist_ok=True)
        for service, text in m.compose_env_files(_apps, KEYS, vpn_secrets=VPN["secrets"]).items():
            (tmp_path / "env" / ("%s.env" % service)).write_text(text)
        subprocess.run(["docker-compose", "-f", str(tmp_path / "compose.yaml"), "config", "-q"], check=True)


# Seed 000: Kubernetes, privileged namespace, one LoadBalancer IP per app from a 16-address pool,
# media on one NFS claim mounted once at /data, config on local storage.
POOL = ["192.0.2.150-192.0.2.165"]
SEED000 = {"plex": "192.0.2.154", "prowlarr": "192.0.2.155", "radarr": "192.0.2.156", "sonarr": "192.0.2.157",
           "qbittorrent": "192.0.2.158", "lidarr": "192.0.2.159", "overseerr": "192.0.2.160",
           "sabnzbd": "192.0.2.161"}


@pytest.fixture(scope="module")
def seed000():
    names = list(SEED000) + ["gluetun"]
    overrides = dict((name, {"lb_ip": ip}) for name, ip in SEED000.items())
    overrides["qbittorrent"]["vpn"] = True
    apps = m.merge_catalog(CATALOG, names, overrides=overrides)
    assert m.preflight_errors(apps, "kubernetes", {"api_keys": KEYS, "passwords": {"qbittorrent": "x"}}, pool=POOL) == []
    objects = m.k8s_manifests(apps, "media", "local-path", "media-data", 2000, 2000, "Etc/UTC", api_keys=KEYS,
                              media_storage_class="nfs-client", vpn=VPN, metallb_pool="media")
    return yaml.safe_load(yaml.safe_dump(objects))


def test_seed000_manifests_validate_strictly(seed000):
    kinds = set()
    for obj in seed000:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        kinds.add(obj["kind"])
    assert kinds == {"Namespace", "Secret", "PersistentVolumeClaim", "Deployment", "Service"}


@pytest.mark.parametrize("where", ["container", "service", "metadata"])
def test_a_manifest_with_a_typo_fails(seed000, where):
    deployment = copy.deepcopy(next(o for o in seed000 if o["kind"] == "Deployment" and o["metadata"]["name"] == "sonarr"))
    service = copy.deepcopy(next(o for o in seed000 if o["kind"] == "Service" and o["metadata"]["name"] == "sonarr"))
    if where == "container":
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        container["volumeMount"] = container.pop("volumeMounts")  # missing 's'
        target = deployment
    elif where == "service":
        service["spec"]["loadBalancerIp"] = "192.0.2.157"  # wrong case
        target = service
    else:
        deployment["metadata"]["lables"] = {"a": "b"}
        target = deployment
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(target, K8S_VERSION, strict=True)


def test_seed000_namespace_pod_security(seed000):
    namespace = seed000[0]
    assert namespace["kind"] == "Namespace" and namespace["metadata"]["name"] == "media"
    for mode in ("enforce", "audit", "warn"):
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/%s" % mode] == "privileged"


def test_seed000_single_data_mount_and_config_off_nfs(seed000):
    claims = {o["metadata"]["name"]: o for o in seed000 if o["kind"] == "PersistentVolumeClaim"}
    assert claims["media-data"]["spec"]["storageClassName"] == "nfs-client"
    assert claims["media-data"]["spec"]["accessModes"] == ["ReadWriteMany"]
    for name in SEED000:
        config = claims["%s-config" % name]
        assert config["spec"]["storageClassName"] == "local-path" and config["spec"]["accessModes"] == ["ReadWriteOnce"]
    for deployment in (o for o in seed000 if o["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        name = deployment["metadata"]["name"]
        data_mounts = [vm for c in pod["containers"] for vm in c.get("volumeMounts", []) if vm["name"] == "data"]
        assert all("subPath" not in vm for c in pod["containers"] for vm in c.get("volumeMounts", [])), name
        if CATALOG[name]["media"] == "none":
            assert data_mounts == [], name
            continue
        assert data_mounts == [{"name": "data", "mountPath": "/data", "readOnly": CATALOG[name]["media"] == "ro"}], name
        assert {"name": "data", "persistentVolumeClaim": {"claimName": "media-data"}} in pod["volumes"]
        main = pod["containers"][0]
        probe = main["readinessProbe"]
        assert main["resources"]["limits"]["memory"] and (probe.get("httpGet") or probe["tcpSocket"])["port"]
        # qBittorrent's API answers 403 without a login: a TCP probe (issue 17 item 3)
        if name == "qbittorrent":
            assert probe["tcpSocket"] == {"port": 8080} and "httpGet" not in probe


def test_seed000_load_balancer_ips_in_the_pool(seed000):
    services = {o["metadata"]["name"]: o for o in seed000 if o["kind"] == "Service"}
    assert set(services) == set(SEED000)
    for name, ip in SEED000.items():
        assert services[name]["spec"]["type"] == "LoadBalancer"
        assert services[name]["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == ip
        assert services[name]["metadata"]["annotations"]["metallb.io/address-pool"] == "media"


def test_seed000_secret_keys_and_vpn_sidecar(seed000):
    secret = next(o for o in seed000 if o["kind"] == "Secret")
    assert secret["stringData"]["SONARR__AUTH__APIKEY"] == KEYS["sonarr"]
    sonarr = next(o for o in seed000 if o["kind"] == "Deployment" and o["metadata"]["name"] == "sonarr")
    env = sonarr["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "SONARR__AUTH__APIKEY",
            "valueFrom": {"secretKeyRef": {"name": "media-apps-secrets", "key": "SONARR__AUTH__APIKEY"}}} in env
    qbt = next(o for o in seed000 if o["kind"] == "Deployment" and o["metadata"]["name"] == "qbittorrent")
    containers = {c["name"]: c for c in qbt["spec"]["template"]["spec"]["containers"]}
    assert containers["gluetun"]["securityContext"]["capabilities"]["add"] == ["NET_ADMIN"]
    gluetun_env = {e["name"]: e.get("value") for e in containers["gluetun"]["env"]}
    assert "10.42.0.0/16" in gluetun_env["FIREWALL_OUTBOUND_SUBNETS"]
    assert not any(o["kind"] == "Deployment" and o["metadata"]["name"] == "gluetun" for o in seed000)


def _crd_schema(name):
    crd = yaml.safe_load((METALLB / name).read_text())
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_metallb_objects_match_the_crds():
    pool, l2 = m.metallb_objects("media", POOL)
    for obj, crd in ((pool, "metallb.io_ipaddresspools.yaml"), (l2, "metallb.io_l2advertisements.yaml")):
        jsonschema.Draft7Validator(_crd_schema(crd)).validate(obj)
    # the seed's LoadBalancer IPs are all inside the pool the objects declare
    assert m.preflight_errors(m.merge_catalog(CATALOG, ["sonarr"], overrides={"sonarr": {"lb_ip": SEED000["sonarr"]}}),
                              "kubernetes", {"api_keys": KEYS}, pool=pool["spec"]["addresses"]) == []


def test_metallb_crd_refuses_a_typo():
    pool, _l2 = m.metallb_objects("media", POOL)
    pool["spec"]["autoAssign"] = "no"  # must be a boolean
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_crd_schema("metallb.io_ipaddresspools.yaml")).validate(pool)

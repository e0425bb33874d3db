"""The kubernetes runtime's manifests (issue 13, "Apps on Kubernetes"), rendered offline.

Every object of seeds 000, 001 and 002 (read from inventory/seed-00x) validates strictly with
kubernetes-validate; the content asserts each fix: the media tree as a static PersistentVolume bound
by name, no fsGroup on pods with the NFS tree, secrets seeded before the first start by an init step
(the seed script run by a real POSIX shell here), probes the programs answer without a login, the
scheduling fields the seeds need (or a refusal), Gluetun as a native sidecar. The same objects go to
a real API server in tests/integration/test_k8s_seeds.py.
"""

import base64
import configparser
import copy
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps as m
from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps_k8s as k
from ansible_collections.homelab.mediastack.plugins.module_utils._secrets import qbittorrent_pbkdf2_matches

ROOT = Path(__file__).resolve().parents[4]
CATALOG = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
K8S_VERSION = "1.33.0"
KEYS = {name: "%032x" % (i + 1) for i, name in enumerate(["sonarr", "radarr", "lidarr", "prowlarr", "sabnzbd"])}
PASSWORDS = {"qbittorrent": "test-only-qbt", "nzbget": "test-only-nzb"}


class _Loader(yaml.SafeLoader):
    """YAML with Ansible's vault references left as text."""


def _inventory_vars(seed):
    """group_vars of the seed inventory merged (all, then cluster_apps), vault references resolved to test values."""
    values = {}
    base = ROOT / "inventory" / ("seed-%s" % seed) / "group_vars"
    for group in ("all", "cluster_apps"):
        for path in sorted((base / group).glob("*.yml")):
            values.update(yaml.load(path.read_text(), Loader=_Loader) or {})
    return values


def render_seed(seed, **changes):
    values = _inventory_vars(seed)
    apps = m.merge_catalog(CATALOG, values["media_apps_enabled"], overrides=values.get("media_apps_overrides", {}),
                           extra=values.get("media_apps_catalog_extra", {}))
    vpn = {"provider": values.get("media_apps_vpn_provider", "custom"), "type": "wireguard",
           "outbound_subnets": ["10.42.0.0/16", "10.43.0.0/16"], "env": values.get("media_apps_vpn_env", {}),
           "secrets": dict((key, "test-only") for key in values.get("media_apps_vpn_secrets", {}))}
    kwargs = dict(api_keys=KEYS, passwords=PASSWORDS, vpn=vpn, metallb_pool="media",
                  media={"server": values["mediastack_nfs_server"], "path": values["mediastack_nfs_export"],
                         "storage_class": values["mediastack_storage_classes"]["media"]},
                  data_root=values["mediastack_data_root"])
    kwargs.update(changes)
    objects = k.k8s_manifests(apps, "media", values["mediastack_storage_classes"]["config"], "media-data",
                              1000, 1000, "Etc/UTC", **kwargs)
    return apps, yaml.safe_load(yaml.safe_dump(objects))


def _find(objects, kind, name):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _pod(objects, name):
    return _find(objects, "Deployment", name)["spec"]["template"]["spec"]


@pytest.mark.parametrize("seed", ["000", "001", "002"])
def test_seed_manifests_validate_strictly(seed):
    _apps, objects = render_seed(seed)
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@pytest.mark.parametrize("where", ["container", "init", "pv"])
def test_a_manifest_with_a_typo_fails(where):
    _apps, objects = render_seed("000")
    if where == "pv":
        target = copy.deepcopy(_find(objects, "PersistentVolume", "media-media-data"))
        target["spec"]["volumeMode "] = "Filesystem"  # a stray space in the field name
    else:
        target = copy.deepcopy(_find(objects, "Deployment", "qbittorrent"))
        pod = target["spec"]["template"]["spec"]
        (pod["containers"][0] if where == "container" else pod["initContainers"][0])["volumeMount"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(target, K8S_VERSION, strict=True)


def test_media_is_a_static_volume_of_the_nas_bound_by_name():
    _apps, objects = render_seed("000")
    pv = _find(objects, "PersistentVolume", "media-media-data")
    pvc = _find(objects, "PersistentVolumeClaim", "media-data")
    assert pv["spec"]["csi"]["volumeAttributes"] == {"server": "198.51.100.163", "share": "/mnt/media"}
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert "claimRef" not in pv["spec"]  # the PV controller writes it when it binds the claim
    assert pvc["spec"]["volumeName"] == "media-media-data"
    # one storage class name on both sides, from mediastack_storage_classes.media
    assert pv["spec"]["storageClassName"] == pvc["spec"]["storageClassName"] == "nfs-media"
    # mounted once, at the data root, in every app that uses the media tree
    mounts = [vm for vm in _pod(objects, "sonarr")["containers"][0]["volumeMounts"] if vm["name"] == "data"]
    assert mounts == [{"name": "data", "mountPath": "/data", "readOnly": False}]


def test_media_volume_needs_the_nfs_server():
    with pytest.raises(m.MediaAppsError, match="mediastack_nfs_server"):
        render_seed("000", media={"server": "", "path": "/mnt/media", "storage_class": "nfs-media"})


@pytest.mark.parametrize("seed", ["000", "001", "002"])
def test_no_fsgroup_on_pods_with_the_nfs_tree(seed):
    apps, objects = render_seed(seed)
    for name, app in apps.items():
        if name == "gluetun":
            continue
        pod = _pod(objects, name)
        if app["media"] != "none":
            assert "fsGroup" not in pod.get("securityContext", {}), name
        else:
            assert pod["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch", name


def test_probes_answer_without_a_login():
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "nzbget", "sonarr"])
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              passwords=PASSWORDS, media={"server": "192.0.2.20", "path": "/data",
                                                          "storage_class": "nfs-media"})
    qbt = _pod(objects, "qbittorrent")["containers"][0]
    # /api/v2/app/version answers 403 without a login: the port is the check, as the image's own
    # run script does (nc -z), never the API
    assert qbt["readinessProbe"]["tcpSocket"] == {"port": 8080} and "httpGet" not in qbt["readinessProbe"]
    nzb = _pod(objects, "nzbget")["containers"][0]
    # NZBGet answers 401 on every page without a login: the port is the check
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert nzb[probe]["tcpSocket"] == {"port": 6789} and "httpGet" not in nzb[probe]
    assert _pod(objects, "sonarr")["containers"][0]["livenessProbe"]["httpGet"]["path"] == "/ping"


def _seeded(objects, app):
    pod = _pod(objects, app)
    seed = next(c for c in pod["initContainers"] if c["name"] == "seed-config")
    return pod, seed


def _run_seed(seed, secret, tmp_path, config_dir, existing=None):
    """Run the init container's script with a real POSIX shell, its env from the Secret, /config in tmp_path."""
    env = {"PATH": os.environ["PATH"]}
    for item in seed["env"]:
        if "valueFrom" in item:
            env[item["name"]] = secret["stringData"][item["valueFrom"]["secretKeyRef"]["key"]]
        else:
            env[item["name"]] = item["value"]
    env["PUID"], env["PGID"] = str(os.getuid()), str(os.getgid())
    target = Path(str(tmp_path) + env["SEED_FILE"][len(config_dir):])
    env["SEED_FILE"] = str(target)
    env["SEED_TEMPLATE"] = ""
    if existing is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(existing)
    script = seed["command"][2]
    subprocess.run(["/bin/sh", "-c", script], env=env, check=True)
    return target.read_text()


def test_secrets_are_in_place_before_the_first_start(tmp_path):
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "sabnzbd", "nzbget"])
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              passwords=PASSWORDS, media={"server": "192.0.2.20", "path": "/data",
                                                          "storage_class": "nfs-media"})
    secret = _find(objects, "Secret", "media-apps-secrets")
    text = yaml.safe_dump([o for o in objects if o["kind"] != "Secret"])
    for value in list(PASSWORDS.values()) + [KEYS["sabnzbd"], secret["stringData"]["qbittorrent.QBITTORRENT_WEBUI_PASSWORD_PBKDF2"]]:
        assert value not in text  # only in the Secret
    # qBittorrent: a fresh config, then an existing one whose password was changed in the app
    _pod_qbt, seed = _seeded(objects, "qbittorrent")
    assert seed["image"] == "lscr.io/linuxserver/qbittorrent:%s" % CATALOG["qbittorrent"]["tag"]
    conf = _run_seed(seed, secret, tmp_path / "qbt", "/config")
    stored = [line.split("=", 1)[1] for line in conf.splitlines() if line.startswith("WebUI\\Password_PBKDF2=")]
    assert len(stored) == 1 and qbittorrent_pbkdf2_matches(PASSWORDS["qbittorrent"], stored[0].strip('"'))
    assert "WebUI\\Username=admin" in conf.splitlines()
    changed = conf.replace(stored[0], '"@ByteArray(other:hash)"') + "[Network]\nCookies=@Invalid()\n"
    again = _run_seed(seed, secret, tmp_path / "qbt", "/config", existing=changed)
    assert again.count("WebUI\\Password_PBKDF2=") == 1 and stored[0] in again and "Cookies=@Invalid()" in again
    # SABnzbd: API key and the host whitelist (the Service's names), in [misc]
    _pod_sab, seed = _seeded(objects, "sabnzbd")
    ini = _run_seed(seed, secret, tmp_path / "sab", "/config", existing="[misc]\nport = 8080\napi_key = old\n")
    assert "api_key = %s" % KEYS["sabnzbd"] in ini.splitlines() and "api_key = old" not in ini
    assert "host_whitelist = sabnzbd, sabnzbd.media, sabnzbd.media.svc, sabnzbd.media.svc.cluster.local" in ini
    assert ini.count("[misc]") == 1 and "port = 8080" in ini
    # NZBGet: the password from the Secret into ControlPassword (the image's default file otherwise)
    _pod_nzb, seed = _seeded(objects, "nzbget")
    conf = _run_seed(seed, secret, tmp_path / "nzb", "/config", existing="MainDir=/data\nControlPassword=tegbzn6789\n")
    assert "ControlPassword=%s" % PASSWORDS["nzbget"] in conf.splitlines() and "tegbzn6789" not in conf
    assert "MainDir=/data" in conf and "ControlUsername=nzbget" in conf


def test_two_instances_of_an_app_seed_their_own_secrets(tmp_path):
    """A second SABnzbd and a second qBittorrent (extra catalog apps, same config files) get their own keys.

    One Secret holds every app's values, so each seeded value needs a key of its own app: with one
    key per kind of file, the second instance's API key or password hash replaced the first's.
    """
    extra = {"sabnzbd-4k": dict(CATALOG["sabnzbd"]), "qbittorrent-vpn": dict(CATALOG["qbittorrent"])}
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "qbittorrent-vpn", "sabnzbd", "sabnzbd-4k"], extra=extra)
    keys = dict(KEYS, **{"sabnzbd-4k": "f" * 32})
    passwords = dict(PASSWORDS, **{"qbittorrent-vpn": "test-only-other"})
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=keys,
                              passwords=passwords, media={"server": "192.0.2.20", "path": "/data",
                                                          "storage_class": "nfs-media"})
    secret = _find(objects, "Secret", "media-apps-secrets")
    for app in ("sabnzbd", "sabnzbd-4k"):
        _pod_sab, seed = _seeded(objects, app)
        ini = _run_seed(seed, secret, tmp_path / app, "/config")
        assert "api_key = %s" % keys[app] in ini.splitlines(), (app, ini)
    for app in ("qbittorrent", "qbittorrent-vpn"):
        _pod_qbt, seed = _seeded(objects, app)
        conf = _run_seed(seed, secret, tmp_path / app, "/config")
        stored = [line.split("=", 1)[1] for line in conf.splitlines() if line.startswith("WebUI\\Password_PBKDF2=")]
        assert len(stored) == 1 and qbittorrent_pbkdf2_matches(passwords[app], stored[0].strip('"')), app
    # every key names its app
    assert all(key.split(".", 1)[0] in apps for key in secret["stringData"]), sorted(secret["stringData"])


def test_seed_script_runs_under_busybox_too(tmp_path):
    """The LinuxServer images are Alpine (busybox sh and awk)."""
    busybox = shutil.which("busybox")
    if not busybox:
        pytest.skip("busybox not installed")
    apps = m.merge_catalog(CATALOG, ["sabnzbd"])
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})
    _pod_sab, seed = _seeded(objects, "sabnzbd")
    env = dict((e["name"], e.get("value", KEYS["sabnzbd"])) for e in seed["env"])
    env.update(PATH=os.environ["PATH"], SEED_FILE=str(tmp_path / "sabnzbd.ini"), PUID=str(os.getuid()),
               PGID=str(os.getgid()))
    subprocess.run([busybox, "sh", "-c", seed["command"][2]], env=env, check=True)
    assert "api_key = %s" % KEYS["sabnzbd"] in (tmp_path / "sabnzbd.ini").read_text()


def test_seed_002_scheduling_gpu_tolerations_and_extra_volumes():
    _apps, objects = render_seed("002")
    worker = _pod(objects, "clusterplex-worker")
    assert worker["nodeSelector"] == {"gpu": "true"}
    assert worker["tolerations"] == [{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
    assert worker["containers"][0]["resources"]["limits"]["gpu.intel.com/i915"] == "1"
    assert {"name": "transcode", "emptyDir": {}} in worker["volumes"]
    assert {"name": "transcode", "mountPath": "/transcode", "readOnly": False} in worker["containers"][0]["volumeMounts"]
    plex = _pod(objects, "plex")
    assert plex["nodeSelector"] == {"node.longhorn.io/storage": "enabled"}
    assert plex["tolerations"][0]["key"] == "node.longhorn.io/storage"
    assert plex["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 100


def test_seed_001_pins_by_hostname():
    apps, objects = render_seed("001")
    for name in apps:
        if name != "gluetun":
            assert _pod(objects, name)["nodeSelector"] == {"kubernetes.io/hostname": "pi5-worker-1"}, name


@pytest.mark.parametrize("fields, message", [
    ({"volumes": ["/srv/transcode:/transcode"]}, "volumes (Compose bind mounts) cannot run on Kubernetes"),
    ({"hostNetwork": True}, "does not know the field(s) hostNetwork"),
    ({"devices": ["/dev/dri:/dev/dri"]}, "need privileged: true on Kubernetes"),
    ({"tolerations": [{"key": "gpu", "effect": "NoSchedule", "operater": "Exists"}]}, "a toleration has fields"),
    ({"extra_volumes": [{"name": "transcode", "mount": "/transcode"}]}, "needs name, mount and exactly one of"),
])
def test_what_the_runtime_cannot_honour_is_refused(fields, message):
    apps = m.merge_catalog(CATALOG, ["plex"], overrides={"plex": fields})
    with pytest.raises(m.MediaAppsError, match=r"plex: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC",
                        media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})


def test_capabilities_and_devices_with_privileged():
    plex = {"privileged": True, "devices": ["/dev/dri:/dev/dri"], "cap_add": ["SYS_ADMIN"]}
    apps = m.merge_catalog(CATALOG, ["plex"], overrides={"plex": plex})
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC",
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})
    container = _pod(objects, "plex")["containers"][0]
    assert container["securityContext"] == {"capabilities": {"add": ["SYS_ADMIN"]}, "privileged": True}
    assert {"name": "dev-0", "mountPath": "/dev/dri"} in container["volumeMounts"]
    with pytest.raises(m.MediaAppsError, match="PodSecurity level baseline forbids"):
        k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", pod_security="baseline",
                        media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})


def test_gluetun_is_a_native_sidecar_healthy_before_the_app():
    _apps, objects = render_seed("001")
    pod = _pod(objects, "qbittorrent")
    assert [c["name"] for c in pod["containers"]] == ["qbittorrent"]
    names = [c["name"] for c in pod["initContainers"]]
    assert names == ["seed-config", "gluetun"]  # config seeded, then the tunnel, then the app
    gluetun = pod["initContainers"][1]
    assert gluetun["restartPolicy"] == "Always"
    assert gluetun["startupProbe"]["exec"]["command"] == ["/gluetun-entrypoint", "healthcheck"]
    env = dict((e["name"], e.get("value")) for e in gluetun["env"])
    assert env["FIREWALL_INPUT_PORTS"] == "6881,8080"  # the app's ports reach it through the firewall
    assert env["FIREWALL_OUTBOUND_SUBNETS"] == "10.42.0.0/16,10.43.0.0/16"
    assert env["SERVER_COUNTRIES"] == "USA" and env["VPN_SERVICE_PROVIDER"] == "mullvad"
    assert "FIREWALL" not in env  # not a Gluetun setting
    secret_refs = [e["name"] for e in gluetun["env"] if "valueFrom" in e]
    assert secret_refs == ["WIREGUARD_ADDRESSES", "WIREGUARD_PRIVATE_KEY"]
    assert gluetun["securityContext"] == {"capabilities": {"add": ["NET_ADMIN"]}}
    assert not any(o["kind"] == "Deployment" and o["metadata"]["name"] == "gluetun" for o in objects)


def test_load_balancer_ips_are_asked_for_by_each_app():
    _apps, objects = render_seed("000")
    services = dict((o["metadata"]["name"], o) for o in objects if o["kind"] == "Service")
    assert services["sabnzbd"]["metadata"]["annotations"] == {"metallb.io/loadBalancerIPs": "198.51.100.161",
                                                              "metallb.io/address-pool": "media"}
    assert all(s["spec"]["type"] == "LoadBalancer" for s in services.values())


def _env_from_secret(objects, app):
    """{VARIABLE: value} of one app's container env that comes from the Secret."""
    secret = _find(objects, "Secret", "media-apps-secrets")["stringData"]
    container = _pod(objects, app)["containers"][0]
    return dict((item["name"], secret[item["valueFrom"]["secretKeyRef"]["key"]])
                for item in container["env"] if "valueFrom" in item)


def test_extra_secrets_reach_only_their_own_app():
    # media_apps_secrets on Kubernetes: Plex's claim token in the Secret, read by Plex alone
    apps = m.merge_catalog(CATALOG, ["plex", "sonarr"])
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"},
                              app_secrets={"plex": {"PLEX_CLAIM": "claim-test-only"}})
    assert _env_from_secret(objects, "plex") == {"PLEX_CLAIM": "claim-test-only"}
    assert "PLEX_CLAIM" not in _env_from_secret(objects, "sonarr")
    assert _env_from_secret(objects, "sonarr")["SONARR__AUTH__APIKEY"] == KEYS["sonarr"]
    assert "claim-test-only" not in yaml.safe_dump([o for o in objects if o["kind"] != "Secret"])
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_same_variable_of_two_apps_keeps_two_values():
    extra = {"tool-a": {"image": "example.com/a", "tag": "1", "ports": [{"port": 8001}]},
             "tool-b": {"image": "example.com/b", "tag": "1", "ports": [{"port": 8002}]}}
    apps = m.merge_catalog(CATALOG, ["tool-a", "tool-b"], extra=extra)
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC",
                              app_secrets={"tool-a": {"TOKEN": "a-only"}, "tool-b": {"TOKEN": "b-only"}})
    assert _env_from_secret(objects, "tool-a") == {"TOKEN": "a-only"}
    assert _env_from_secret(objects, "tool-b") == {"TOKEN": "b-only"}


def test_unpackerr_runs_on_kubernetes_with_its_arr_links():
    apps = m.merge_catalog(CATALOG, ["unpackerr", "sonarr", "bazarr"])
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})
    container = _pod(objects, "unpackerr")["containers"][0]
    plain = dict((e["name"], e["value"]) for e in container["env"] if "value" in e)
    assert plain["UN_SONARR_0_URL"].startswith("http://sonarr:8989")
    assert _env_from_secret(objects, "unpackerr")["UN_SONARR_0_API_KEY"] == KEYS["sonarr"]
    # the image has no PUID/PGID: it runs as the media user, as Compose's user: uid:gid
    assert container["securityContext"]["runAsUser"] == 1000 and container["securityContext"]["runAsGroup"] == 1000
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_homepage_gets_its_services_and_keys_on_kubernetes():
    # Seed 001 asks for Homepage's widgets on k3s: services.yaml as a ConfigMap over that one file
    # of its config folder (no key in it), the keys as HOMEPAGE_VAR_* from the namespace's Secret.
    apps = m.merge_catalog(CATALOG, ["homepage", "sonarr", "qbittorrent"])
    homepage = m.homepage_config(apps, KEYS, PASSWORDS)
    services = yaml.safe_dump(homepage["services"], sort_keys=False)
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                              passwords=PASSWORDS,
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"},
                              app_secrets={"homepage": dict(homepage["env"], HOMEPAGE_ALLOWED_HOSTS="homepage:3000")},
                              homepage_services=services)
    config_map = _find(objects, "ConfigMap", "homepage-services")
    listed = yaml.safe_load(config_map["data"]["services.yaml"])[0]["Media"]
    sonarr = next(entry["sonarr"] for entry in listed if "sonarr" in entry)
    assert sonarr["widget"] == {"type": "sonarr", "url": "http://sonarr:8989", "key": "{{HOMEPAGE_VAR_SONARR_KEY}}"}
    assert KEYS["sonarr"] not in config_map["data"]["services.yaml"]
    assert PASSWORDS["qbittorrent"] not in config_map["data"]["services.yaml"]
    secret_env = _env_from_secret(objects, "homepage")
    assert secret_env["HOMEPAGE_VAR_SONARR_KEY"] == KEYS["sonarr"]
    assert secret_env["HOMEPAGE_VAR_QBITTORRENT_PASSWORD"] == PASSWORDS["qbittorrent"]
    assert "HOMEPAGE_VAR_SONARR_KEY" not in _env_from_secret(objects, "sonarr")
    deployment = _find(objects, "Deployment", "homepage")
    mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "services", "mountPath": "/app/config/services.yaml", "subPath": "services.yaml",
            "readOnly": True} in mounts
    assert {"name": "config", "mountPath": "/app/config"} in mounts
    # a changed services.yaml rolls the pod (a subPath mount never sees the new ConfigMap)
    checksum = deployment["spec"]["template"]["metadata"]["annotations"]["homelab.mediastack/services-sha256"]
    other = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=KEYS,
                            media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"},
                            homepage_services=services + "# changed\n")
    assert _find(other, "Deployment", "homepage")["spec"]["template"]["metadata"]["annotations"][
        "homelab.mediastack/services-sha256"] != checksum
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_tautulli_api_key_seeded_before_each_start(tmp_path):
    """Tautulli's key goes to [General] of config.ini from the Secret, as the compose runtime seeds it,
    and a file Tautulli rewrote (its other keys, another key) gets the vaulted one back."""
    apps = m.merge_catalog(CATALOG, ["tautulli"])
    keys = dict(KEYS, tautulli="a" * 32)
    objects = k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC", api_keys=keys,
                              media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})
    secret = _find(objects, "Secret", "media-apps-secrets")
    assert secret["stringData"]["tautulli.TAUTULLI_API_KEY"] == keys["tautulli"]
    _pod_tautulli, seed = _seeded(objects, "tautulli")
    assert all(keys["tautulli"] not in str(e.get("value", "")) for e in seed["env"])  # from the Secret only
    ini = _run_seed(seed, secret, tmp_path / "first", "/config")
    assert ini.splitlines() == ["[General]", "api_key = %s" % keys["tautulli"], "api_enabled = 1"]
    rewritten = tmp_path / "rewritten"
    rewritten.mkdir()
    (rewritten / "config.ini").write_text("[General]\nhttp_port = 8181\napi_key = %s\napi_enabled = 0\n"
                                          "[PMS]\npms_port = 32400\n" % ("b" * 32))
    ini = _run_seed(seed, secret, rewritten, "/config")
    assert ini.splitlines() == ["[General]", "http_port = 8181", "api_key = %s" % keys["tautulli"], "api_enabled = 1",
                                "[PMS]", "pms_port = 32400"]


# Tautulli's link to Plex on Kubernetes: the keys Tautulli's setup wizard saves (plexpy/config.py
# [PMS] pms_ip/pms_port/pms_ssl/pms_token/pms_identifier; [General] first_run_complete and the login,
# plexpy/webserve.py configUpdate/save_pms_token) written by the seed step before Tautulli starts.
LINK = {"plex_url": "http://plex:32400", "token": "test-only-plex-token", "identifier": "0123abcd" * 5,
        "username": "admin", "password": "test-only-tautulli-login"}


def _tautulli_objects(link=None):
    link = LINK if link is None else link
    apps = m.merge_catalog(CATALOG, ["plex", "tautulli"])
    return k.k8s_manifests(apps, "media", "local-path", "media-data", 1000, 1000, "UTC",
                           api_keys=dict(KEYS, tautulli="a" * 32), tautulli_link=link,
                           media={"server": "192.0.2.20", "path": "/data", "storage_class": "nfs-media"})


def _pbkdf2_matches(password, stored):
    # lib/hashing_passwords.py: PBKDF2$<function>$<cost>$<salt text>$<b64 digest>, written again here
    algorithm, function, cost, salt, digest = stored.split("$")
    expected = base64.b64decode(digest)
    return algorithm == "PBKDF2" and hashlib.pbkdf2_hmac(
        function, password.encode(), salt.encode(), int(cost), len(expected)) == expected


def _ini(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_tautulli_linked_to_plex_by_the_seed_step(tmp_path):
    objects = _tautulli_objects()
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    secret = _find(objects, "Secret", "media-apps-secrets")
    stored = secret["stringData"]["tautulli.TAUTULLI_HTTP_PASSWORD"]
    assert secret["stringData"]["tautulli.TAUTULLI_PMS_TOKEN"] == LINK["token"]
    assert secret["stringData"]["tautulli.TAUTULLI_PMS_IDENTIFIER"] == LINK["identifier"]
    assert _pbkdf2_matches(LINK["password"], stored)
    text = yaml.safe_dump([o for o in objects if o["kind"] != "Secret"])
    for value in (LINK["token"], LINK["password"], stored):
        assert value not in text  # only in the Secret
    _pod_tautulli, seed = _seeded(objects, "tautulli")
    # Tautulli's existing file (it rewrote it when it stopped): every other line is kept
    existing = ("[General]\nhttp_port = 8181\napi_key = %s\napi_enabled = 1\nfirst_run_complete = 0\n"
                "[PMS]\npms_ip = 127.0.0.1\npms_port = 32400\npms_url = \"\"\n[Monitoring]\nmonitoring_interval = 60\n"
                % ("a" * 32))
    for target, start in ((tmp_path / "fresh", None), (tmp_path / "existing", existing)):
        target.mkdir()
        parser = _ini(_run_seed(seed, secret, target, "/config", existing=start))
        assert dict(parser["PMS"], pms_url=None) == {
            "pms_ip": "plex", "pms_port": "32400", "pms_ssl": "0", "pms_token": LINK["token"],
            "pms_identifier": LINK["identifier"], "pms_url": None}
        general = parser["General"]
        assert general["api_key"] == "a" * 32 and general["api_enabled"] == "1"
        assert general["first_run_complete"] == "1" and general["http_username"] == "admin"
        assert general["http_hashed_password"] == "1" and general["http_hash_password"] == "1"
        assert _pbkdf2_matches(LINK["password"], general["http_password"])
    assert parser["Monitoring"]["monitoring_interval"] == "60" and parser["General"]["http_port"] == "8181"
    # the seed step run again on its own result: the same file (each key once)
    once = (tmp_path / "existing" / "config.ini").read_text()
    assert _run_seed(seed, secret, tmp_path / "existing", "/config") == once
    assert once.count("pms_token") == 1 and once.count("first_run_complete") == 1


def test_tautulli_link_rendered_the_same_each_run_and_rolls_the_pod_when_it_changes():
    first, again = _tautulli_objects(), _tautulli_objects()
    assert first == again  # the login hash has a stable salt: a rerun changes no object
    annotation = "homelab.mediastack/seed-sha256"
    digest = _find(first, "Deployment", "tautulli")["spec"]["template"]["metadata"]["annotations"][annotation]
    # a new identifier (Plex reinstalled) or token changes the checksum, so the pod restarts and its
    # seed step writes the new values (a changed Secret alone restarts nothing)
    for field, value in (("identifier", "ffff" * 10), ("token", "another-test-token")):
        changed = _tautulli_objects(dict(LINK, **{field: value}))
        assert _find(changed, "Deployment", "tautulli")["spec"]["template"]["metadata"]["annotations"][
            annotation] != digest
    assert LINK["token"] not in digest


def test_tautulli_without_a_login_or_a_link():
    objects = _tautulli_objects(dict(LINK, password=""))
    secret = _find(objects, "Secret", "media-apps-secrets")
    _pod_tautulli, seed = _seeded(objects, "tautulli")
    keys = [e["value"] for e in seed["env"] if e["name"].startswith("SEED_K")]
    # the wizard still opens (it asks for a login): the server is filled in, the wizard not marked done
    assert keys == ["api_key", "api_enabled", "pms_ip", "pms_port", "pms_ssl", "pms_token", "pms_identifier"]
    assert "tautulli.TAUTULLI_HTTP_PASSWORD" not in secret["stringData"]
    unlinked = _tautulli_objects({})
    _pod_tautulli, seed = _seeded(unlinked, "tautulli")
    assert [e["value"] for e in seed["env"] if e["name"].startswith("SEED_K")] == ["api_key", "api_enabled"]
    assert "annotations" not in _find(unlinked, "Deployment", "tautulli")["spec"]["template"]["metadata"]
    with pytest.raises(m.MediaAppsError, match="identifier"):
        _tautulli_objects(dict(LINK, identifier=""))
    with pytest.raises(m.MediaAppsError, match="plex_url"):
        _tautulli_objects(dict(LINK, plex_url="plex:32400"))

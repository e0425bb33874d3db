"""The seed inventories (inventory/seed-*): each one is a working example a user copies.

For every seed inventory: `ansible-playbook homelab.mediastack.site -i inventory/seed-N
--syntax-check` passes and the inventory parses without warnings (its vault.example.yml and
README.md are not inventory sources); every address in it is a documentation address; no app URL
hard-codes an address (URLs derive from hostvars[...].ansible_host, so the lab overlay maps them).
For every lab overlay (tests/lab/seeds/seed-N/inventory): it sets only addresses, connection
settings, the lab's vault values and what a lab container cannot do.
"""

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted(p.name for p in (ROOT / "inventory").glob("seed-*") if p.is_dir())
OVERLAYS = sorted(p.parent.name for p in (ROOT / "tests" / "lab" / "seeds").glob("seed-*/inventory"))
DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
IPV4 = re.compile(r"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:/\d+)?(?![\d.])")
# What an overlay may set besides ansible_*, lab_* and vault_*: what a lab container cannot do
# (the doctor reports, without failing, the NFS and bind mounts a container cannot have).
OVERLAY_ALLOWED = {"proxmox_guest_validate_certs", "gpu_passthrough_validate_certs", "arr_wiring_trash_guide", "nfs_client_start", "nas_storage_nfs_packages",
                   "media_apps_docker_install", "media_apps_compose_up", "doctor_report_only", "doctor_report_dir",
                   # how the controller reaches a cluster in the lab: talosctl from the stand-in's test release,
                   # the lab's state instead of the inventory folder, the local control plane's kubeconfig
                   "talos_cluster_talosctl_path", "talos_cluster_talosctl_url", "talos_cluster_talosctl_checksum_url",
                   "talos_cluster_environment", "talos_cluster_bundle_file", "talos_cluster_talosconfig",
                   "talos_cluster_kubeconfig", "k3s_cluster_release_url", "k3s_cluster_kubeconfig",
                   "cluster_addons_kubeconfig", "media_apps_k8s_kubeconfig", "doctor_kubeconfig",
                   # no network to GitHub and no containers under kwok: MetalLB's CRDs from ../shared/reference,
                   # no NFS CSI driver
                   "cluster_addons_metallb_manifests", "cluster_addons_nfs_csi_manifests",
                   # a seed without LoadBalancer IPs names the controller's URL of each app once (its ingress
                   # host names): the lab puts its own addresses there
                   "seed_app_urls"}


def _env():
    return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
                ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
                ANSIBLE_NOCOLOR="1", MEDIASTACK_ROOT=str(ROOT))


def _bin(name):
    return str(Path(sys.executable).parent / name)


def _files(directory):
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))


def test_seed_inventories_exist():
    assert SEEDS, "no inventory/seed-* found"


@pytest.mark.parametrize("seed", SEEDS)
def test_site_syntax_check(seed):
    result = subprocess.run([_bin("ansible-playbook"), "homelab.mediastack.site", "-i", str(ROOT / "inventory" / seed),
                             "--syntax-check"], capture_output=True, text=True, env=_env(), check=False, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "WARNING" not in out, out


@pytest.mark.parametrize("seed", SEEDS)
def test_inventory_parses_without_warnings(seed):
    result = subprocess.run([_bin("ansible-inventory"), "-i", str(ROOT / "inventory" / seed), "--graph"],
                            capture_output=True, text=True, env=_env(), check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


@pytest.mark.parametrize("seed", SEEDS)
def test_readme_and_vault_example(seed):
    directory = ROOT / "inventory" / seed
    assert (directory / "README.md").is_file(), "%s has no README.md" % seed
    example = directory / "vault.example.yml"
    assert example.is_file(), "%s has no vault.example.yml" % seed
    names = set(yaml.safe_load(example.read_text()) or {})
    used = set()
    for path in _files(directory):
        if path != example:
            used |= set(re.findall(r"\b(vault_[a-z0-9_]+)", path.read_text()))
    assert used <= names, "%s: vault variables missing from vault.example.yml: %s" % (seed, sorted(used - names))
    assert all(n.startswith("vault_") for n in names)


@pytest.mark.parametrize("seed", SEEDS)
def test_only_documentation_addresses(seed):
    bad = []
    for path in _files(ROOT / "inventory" / seed):
        text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())  # not comments
        for match in IPV4.finditer(text):
            address = ipaddress.ip_address(match.group(1))
            if not any(address in net for net in DOC_NETS):
                bad.append("%s: %s" % (path.relative_to(ROOT), address))
    assert not bad, bad


@pytest.mark.parametrize("seed", SEEDS)
def test_app_urls_derive_from_hostvars(seed):
    bad = []
    for path in _files(ROOT / "inventory" / seed):
        for line in path.read_text().splitlines():
            if re.search(r"https?://\d", line.split("#", 1)[0]):
                bad.append("%s: %s" % (path.relative_to(ROOT), line.strip()))
    assert not bad, bad


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_sets_only_addresses_and_connection(overlay):
    bad = []
    inventory = ROOT / "tests" / "lab" / "seeds" / overlay / "inventory"
    for path in _files(inventory):
        data = yaml.safe_load(path.read_text()) or {}
        if path.name == "hosts.yml":
            hosts = data.get("all", {}).get("hosts", {})
            names = {k for v in hosts.values() for k in (v or {})}
            assert set(data) == {"all"} and set(data["all"]) == {"hosts"}, path
        else:
            names = set(data)
        bad += ["%s: %s" % (path.relative_to(ROOT), n) for n in sorted(names)
                if not n.startswith(("ansible_", "lab_", "vault_")) and n not in OVERLAY_ALLOWED]
    assert not bad, bad
    assert (ROOT / "inventory" / overlay).is_dir(), "overlay without a seed inventory"


def _hostvars(seed):
    result = subprocess.run([_bin("ansible-inventory"), "-i", str(ROOT / "inventory" / seed), "--list"],
                            capture_output=True, text=True, env=_env(), check=True, timeout=120)
    return json.loads(result.stdout)


def test_seed_002_gpu_lxc_expressed():
    """Seed 002's GPU node: a privileged LXC on pve, given the node's /dev/dri by raw lines, and the k3s
    node the Intel GPU plugin's selector and the ClusterPlex worker's selector and toleration pick."""
    inv = _hostvars("seed-002")
    hostvars = inv["_meta"]["hostvars"]
    gpu_nodes = [h for h in inv["k3s_agents"]["hosts"] + inv["k3s_servers"]["hosts"]
                 if set(hostvars["homelab-media"]["cluster_addons_gpu_node_selector"].items())
                 <= {tuple(label.split("=", 1)) for label in hostvars[h].get("k3s_cluster_node_labels", [])}]
    assert gpu_nodes == ["k3s-w3"], gpu_nodes
    w3 = hostvars["k3s-w3"]
    assert "k3s-w3" in inv["proxmox_guests"]["hosts"]
    assert w3["proxmox_guest_kind"] == "lxc" and w3["proxmox_guest_unprivileged"] is False
    pve = hostvars[w3["proxmox_guest_node_host"]]
    assert w3["proxmox_guest_node_host"] in inv["gpu_hosts"]["hosts"]
    cts = {ct["vmid"]: ct for ct in pve["gpu_passthrough_lxc"]}
    assert cts[w3["proxmox_guest_vmid"]]["method"] == "raw"
    assert cts[w3["proxmox_guest_vmid"]]["devices"] == ["/dev/dri"]
    worker = hostvars["homelab-media"]["media_apps_catalog_extra"]["clusterplex-worker"]
    assert worker["node_selector"] == hostvars["homelab-media"]["cluster_addons_gpu_node_selector"]
    assert worker["resources"]["limits"]["gpu.intel.com/i915"] == 1
    taints = {t.split("=", 1)[0]: t.split("=", 1)[1] for t in w3["k3s_cluster_node_taints"]}
    assert all("%s:%s" % (t["value"], t["effect"]) == taints.get(t["key"]) for t in worker["tolerations"])
    assert worker["tolerations"], "the GPU node is tainted: the worker needs the toleration"


# The Kubernetes seeds whose wiring layer is declared: the controller reaches each app at its
# LoadBalancer IP (seeds 000 and 002) or at the URL the seed names once for it in seed_app_urls (seed
# 001, its ingress host names), the apps reach each other by their Service names (the apps' names).
KUBE_WIRED = ["seed-000", "seed-001", "seed-002"]
# A Service of another namespace, as an app reaches it (<service>.<namespace>.svc.cluster.local).
OTHER_NAMESPACE = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local$")


def _wiring(seed):
    """The wiring variables as the wiring playbook templates them (on localhost, vault.example values; the
    roles' defaults where the seed leaves a variable unset)."""
    expr = ("{{ {'apps': arr_wiring_apps, 'prowlarr': arr_wiring_prowlarr | default({}), 'clients': arr_wiring_download_clients,"
            " 'client_apps': client_wiring_apps | default([]), 'api_keys': mediastack_api_keys,"
            " 'cluster': {'enabled': hostvars[groups['cluster_apps'][0]].media_apps_enabled,"
            " 'overrides': hostvars[groups['cluster_apps'][0]].media_apps_overrides,"
            " 'extra': hostvars[groups['cluster_apps'][0]].media_apps_catalog_extra | default({})},"
            " 'urls': {'qbittorrent': client_wiring_qbittorrent_url | default(''), 'sabnzbd': client_wiring_sabnzbd_url | default(''),"
            " 'nzbget': client_wiring_nzbget_url | default(''), 'plex': client_wiring_plex_url | default(''),"
            " 'jellyfin': client_wiring_jellyfin_url | default(''),"
            " 'seerr': client_wiring_seerr_url | default('')}, 'plex_host': client_wiring_plex_service_host | default('plex'),"
            " 'jellyfin_host': client_wiring_jellyfin_service_host | default('jellyfin'),"
            " 'flaresolverr': arr_wiring_flaresolverr_url | default(''), 'seed_app_urls': seed_app_urls | default({})} | to_json }}")
    env = dict(_env(), ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    directory = ROOT / "inventory" / seed
    result = subprocess.run([_bin("ansible"), "localhost", "-i", str(directory), "-e", "@%s" % (directory / "vault.example.yml"),
                             "-m", "ansible.builtin.debug", "-a", "msg=%s" % expr],
                            capture_output=True, text=True, env=env, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    return json.loads(out["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"])


@pytest.mark.parametrize("seed", KUBE_WIRED)
def test_kubernetes_seed_wiring(seed):
    """Controller -> app: the app's lb_ip, or the host of its URL in seed_app_urls (never a Service name,
    which the controller outside the cluster cannot resolve); app -> app: the other app's Service name."""
    from urllib.parse import urlsplit
    w = _wiring(seed)
    enabled = set(w["cluster"]["enabled"])
    lb_ip = {app: o["lb_ip"] for app, o in w["cluster"]["overrides"].items() if "lb_ip" in o and app in enabled}
    by_url = {app: urlsplit(url).hostname for app, url in w["seed_app_urls"].items()}
    assert not set(lb_ip) & set(by_url), "%s names an app's controller address twice" % seed
    controller = dict(lb_ip, **by_url)
    assert controller, "%s names no address the controller reaches the apps at" % seed
    assert not set(controller.values()) & enabled, "%s: the controller would use Service names: %s" % (seed, controller)
    assert w["apps"], "%s declares no *arr app to wire" % seed
    for app in w["apps"]:
        assert urlsplit(app["url"]).hostname == controller[app["name"]], app
        assert urlsplit(app["prowlarr_base_url"]).hostname == app["name"] and app["name"] in enabled, app
    if w["prowlarr"]:
        assert urlsplit(w["prowlarr"]["url"]).hostname == controller["prowlarr"]
        assert urlsplit(w["prowlarr"]["url_from_apps"]).hostname == "prowlarr"
    if w["flaresolverr"]:
        assert urlsplit(w["flaresolverr"]).hostname == "flaresolverr" and "flaresolverr" in enabled, w["flaresolverr"]
    assert w["clients"], "%s declares no download client in the *arr apps" % seed
    for client in w["clients"]:
        assert client["host"] in enabled, client
    seerr = [a for a in enabled if a in ("overseerr", "jellyseerr", "seerr")]
    for app, url in w["urls"].items():
        if url:
            assert urlsplit(url).hostname == controller[seerr[0] if app == "seerr" else app], (app, url)
    for app in w["client_apps"]:
        host = urlsplit(app["url"]).hostname if "url" in app else app.get("host", app["name"])
        assert host in enabled, app
    if w["urls"]["seerr"]:
        server = w["plex_host"] if w["urls"]["plex"] else w["jellyfin_host"]
        assert server in enabled or OTHER_NAMESPACE.match(server), server
    # The same category for each app in the *arr apps' download clients and in the clients themselves.
    for client in w["clients"]:
        for app in w["client_apps"]:
            assert client["categories"][app["name"]] == app.get("category", app["name"]), (client["name"], app)


def test_seed_001_wiring_as_configured_by_hand():
    """What seed 001 set in the web UIs: qBittorrent's categories tv-sonarr and radarr, FlareSolverr at
    http://flaresolverr:8191 under the tag flaresolverr, Jellyseerr linked to the Jellyfin of the namespace
    jellyfin, every controller URL an https ingress name of one domain."""
    from urllib.parse import urlsplit
    w = _wiring("seed-001")
    assert [(c["implementation"], c["host"], c["port"], c["username"], c["categories"]) for c in w["clients"]] == [
        ("QBittorrent", "qbittorrent", 8080, "admin", {"sonarr": "tv-sonarr", "radarr": "radarr"})]
    assert {a["name"]: a["category"] for a in w["client_apps"]} == {"sonarr": "tv-sonarr", "radarr": "radarr"}
    assert w["flaresolverr"] == "http://flaresolverr:8191"
    assert w["jellyfin_host"] == "jellyfin.jellyfin.svc.cluster.local" and not w["urls"]["jellyfin"]
    assert sorted(w["seed_app_urls"]) == ["jellyseerr", "prowlarr", "qbittorrent", "radarr", "sonarr"]
    domains = {urlsplit(u).hostname.split(".", 1)[1] for u in w["seed_app_urls"].values()}
    assert domains == {"lab.example.com"} and all(u.startswith("https://") for u in w["seed_app_urls"].values())


def _service_ports(w):
    """App -> its Service's ports, as the apps layer makes them: the catalog's ports (roles/media_apps),
    the inventory's media_apps_catalog_extra and media_apps_overrides over them."""
    catalog = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
    catalog = dict(catalog, **w["cluster"]["extra"])
    ports = {}
    for app in w["cluster"]["enabled"]:
        entry = dict(catalog[app], **w["cluster"]["overrides"].get(app, {}))
        ports[app] = {int(p["port"]) for p in entry["ports"]}
    return ports


@pytest.mark.parametrize("seed", KUBE_WIRED)
def test_kubernetes_seed_wiring_ports(seed):
    """Every URL the wiring writes names a port the app's Service has (seed 002 wrote Radarr's sync URL
    as http://radarr:8989, Sonarr's port: Prowlarr could never reach Radarr there)."""
    from urllib.parse import urlsplit
    w = _wiring(seed)
    ports = _service_ports(w)
    # A controller URL through an ingress (seed_app_urls) has the ingress's port, not the Service's:
    # only URLs to a Service (its name, or its LoadBalancer IP) are the Service's ports.
    ingress = {urlsplit(url).hostname for url in w["seed_app_urls"].values()}
    bad = []
    for app in w["apps"]:
        for url in (app["url"], app["prowlarr_base_url"]):
            if urlsplit(url).hostname not in ingress and urlsplit(url).port not in ports[app["name"]]:
                bad.append("%s: %s (its Service: %s)" % (app["name"], url, sorted(ports[app["name"]])))
    if w["prowlarr"]:
        for url in (w["prowlarr"]["url"], w["prowlarr"]["url_from_apps"]):
            if urlsplit(url).hostname not in ingress and urlsplit(url).port not in ports["prowlarr"]:
                bad.append("prowlarr: %s (its Service: %s)" % (url, sorted(ports["prowlarr"])))
    for client in w["clients"]:
        if int(client["port"]) not in ports[client["host"]]:
            bad.append("%s: port %s (its Service: %s)" % (client["name"], client["port"], sorted(ports[client["host"]])))
    assert not bad, bad


def test_seed_002_decypharr_credentials():
    """Decypharr takes a download client's username as the *arr app's URL and its password as the app's
    API key, and calls the app back with them (Decypharr's guides/arrs.mdx, pkg/server/qbit/context.go):
    in each app, the username is that app's own Service URL and the password its own key."""
    from urllib.parse import urlsplit
    w = _wiring("seed-002")
    ports = _service_ports(w)
    decypharr = [c for c in w["clients"] if c["host"] == "decypharr"]
    assert decypharr, "seed 002 names no Decypharr download client"
    wired = set()
    for client in decypharr:
        assert client["implementation"] == "QBittorrent", client
        assert len(client["apps"]) == 1, "one entry per app (each app sends its own URL and key): %s" % client
        app = client["apps"][0]
        url = urlsplit(client["username"])
        assert url.scheme == "http" and url.hostname == app and url.port in ports[app], client["username"]
        assert client["password"] == w["api_keys"][app], "%s: the password must be %s's API key" % (client["name"], app)
        wired.add(app)
    assert wired == {a["name"] for a in w["apps"]}, "every *arr app gets Decypharr: %s" % sorted(wired)

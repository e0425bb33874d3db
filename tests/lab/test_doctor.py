"""The doctor against the running plain lab (issue 19): `make lab-doctor-test`, after `make lab`.

1. Healthy lab: the doctor reports only the lab's own findings (LAB_FINDINGS, each explained),
   changes nothing (changed=0; the *arr stand-ins received GET requests only), finishes well under
   a minute, and reads each *arr API collection once per app.
2. Each failure a seed hit, injected into the lab for real (on the hosts with podman exec, in the
   apps through their APIs, in the k3s cluster's local control plane with kubectl): the doctor's
   failures are the lab's own plus exactly the injected one; then the injection is undone.
3. The lab is healthy again: the same findings as at the start.

Every value comes from the lab's inventory (read with Ansible), nothing from the collection's code.
Nothing here is part of the collection; it changes the lab and undoes what it changed.
"""

import json
import os
import re
import shlex
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventory" / "lab"
PREFIX = "mediastack-lab-"
TOOLS = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))
ENV = dict(os.environ,
           ANSIBLE_CONFIG=os.environ.get("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg")),
           ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(ROOT / ".build" / "collections")),
           MEDIASTACK_ROOT=os.environ.get("MEDIASTACK_ROOT", str(ROOT)),
           MEDIASTACK_TOOLS=str(TOOLS), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")

# What the doctor rightly reports on the healthy lab, and why it is true of the lab (docs/lab.md):
# a lab container cannot mount NFS, so the NAS's shares are podman volumes at the NFS mount points.
LAB_FINDINGS = {
    ("lab-download", "nfs_mount", "/data", "fail"),
    ("lab-download", "nfs_mount", "/mnt/docker", "fail"),
    ("lab-streaming", "nfs_mount", "/data", "fail"),
    ("lab-streaming", "nfs_mount", "/mnt/docker", "fail"),
}

TIMES = {}


# --- helpers --------------------------------------------------------------------------------------

def lab_vars(host, names):
    """The inventory's values (templated by Ansible) of `names` for `host` (name: expression, or names)."""
    names = names if isinstance(names, dict) else dict((n, n) for n in names)
    expr = "{{ {%s} | to_json }}" % ", ".join("'%s': %s" % (n, e) for n, e in names.items())
    out = subprocess.run(["ansible", host, "-i", str(INVENTORY), "-m", "ansible.builtin.debug", "-a",
                          "msg=" + expr, "-o"], capture_output=True, text=True, env=ENV, check=True).stdout
    msg = json.loads(out[out.index("{"):])["msg"]
    return json.loads(msg) if isinstance(msg, str) else msg


def sh(host, script):
    """Run a shell script on a lab host (its container)."""
    result = subprocess.run(["podman", "exec", PREFIX + host, "sh", "-euc", script],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, "%s: %s\n%s%s" % (host, script, result.stdout, result.stderr)
    return result.stdout


def kubectl(kubeconfig, *args, stdin=None):
    result = subprocess.run([str(TOOLS / "kubectl"), "--kubeconfig", kubeconfig] + list(args), input=stdin,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, "kubectl %s: %s%s" % (" ".join(args), result.stdout, result.stderr)
    return result.stdout


def http(method, url, headers=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=dict({"Content-Type": "application/json", "Accept": "application/json"},
                                              **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as err:
        raise AssertionError("%s %s: HTTP %s %s" % (method, url, err.code, err.read().decode()[:500]))
    return json.loads(text) if text.strip() else None


class Arr(object):
    def __init__(self, url, key, api="v3"):
        self.base = url.rstrip("/") + "/api/" + api
        self.root = url.rstrip("/")
        self.headers = {"X-Api-Key": key}

    def __call__(self, method, path, body=None):
        return http(method, self.base + path, self.headers, body)

    def requests(self, reset=False):
        return http("DELETE" if reset else "GET", self.root + "/__standin/requests")


def run_doctor(lab, extra=None, name="doctor"):
    """One doctor run over the whole lab; its non-ok findings as {(host, check, where, status)}."""
    report_dir = Path(tempfile.mkdtemp(prefix="lab-doctor-", dir=str(lab["tmp"])))
    extra = dict({"doctor_report_dir": str(report_dir), "doctor_report_only": True,
                  "doctor_jellyfin_api_key": lab["jellyfin_key"]}, **(extra or {}))
    command = ["ansible-playbook", str(ROOT / "playbooks" / "doctor.yml"), "-i", str(INVENTORY),
               "-e", json.dumps(extra)]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False, timeout=600)
    elapsed = time.monotonic() - start
    TIMES[name] = elapsed
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    recap = re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+).*?failed=(\d+)", out, re.M)
    assert recap and all(changed == "0" and failed == "0" for _host, changed, failed in recap), out[-3000:]
    report = json.loads((report_dir / "doctor-report.json").read_text())
    problems = {(f.get("host") or "controller", f["check"], f["where"], f["status"])
                for f in report["findings"] if f["status"] != "ok"}
    return {"problems": problems, "findings": report["findings"], "elapsed": elapsed, "output": out}


def only_injected(lab, run, expected):
    """The run's failures are the lab's own plus exactly `expected` (host, check, where, status)."""
    new = run["problems"] - lab["baseline"]["problems"]
    gone = lab["baseline"]["problems"] - run["problems"]
    assert new == {expected} and not gone, "new: %s\ngone: %s" % (sorted(new), sorted(gone))
    return next(f for f in run["findings"]
                if ((f.get("host") or "controller"), f["check"], f["where"], f["status"]) == expected)


# --- the lab --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    running = subprocess.run(["podman", "ps", "--format", "{{.Names}}"], capture_output=True, text=True,
                             check=True).stdout.split()
    if not any(n.startswith(PREFIX) for n in running):
        pytest.fail("the plain lab is not running: make lab first (docs/lab.md)")
    names = ["arr_wiring_apps", "arr_wiring_api_keys", "arr_wiring_prowlarr", "arr_wiring_download_clients",
             "client_wiring_jellyfin_url", "client_wiring_jellyfin_admin_password", "lab_state_dir",
             "mediastack_metallb_addresses", "media_apps_overrides"]
    values = lab_vars("lab-download", dict(
        dict((n, n) for n in names),
        # client_wiring's default admin name: the lab's inventory leaves it
        client_wiring_jellyfin_admin_user="client_wiring_jellyfin_admin_user | default('admin')"))
    keys = values["arr_wiring_api_keys"]
    lab = dict(values, tmp=tmp_path_factory.mktemp("doctor"),
               # Lidarr's API is /api/v1 (Lidarr's ApiInfoController); Sonarr's and Radarr's /api/v3
               arr=dict((a["name"], Arr(a["url"], keys[a["name"]], "v1" if a.get("app", a["name"]) == "lidarr" else "v3"))
                        for a in values["arr_wiring_apps"]),
               prowlarr=Arr(values["arr_wiring_prowlarr"]["url"], keys["prowlarr"], "v1"),
               kubeconfig=values["lab_state_dir"] + "/kube-lab-k3s/kubeconfig")
    # The lab's inventory has no Jellyfin API key (Jellyfin makes it; an operator vaults it): read the
    # one the wiring layer made, signed in as the lab's admin, so the libraries are checked too.
    jf = values["client_wiring_jellyfin_url"].rstrip("/")
    auth = 'MediaBrowser Client="lab-doctor-test", Device="pytest", DeviceId="lab-doctor-test", Version="1"'
    session = http("POST", jf + "/Users/AuthenticateByName", {"Authorization": auth},
                   {"Username": values["client_wiring_jellyfin_admin_user"],
                    "Pw": values["client_wiring_jellyfin_admin_password"]})
    lab["jellyfin"] = (jf, {"Authorization": auth + ', Token="%s"' % session["AccessToken"]})
    items = http("GET", jf + "/Auth/Keys", lab["jellyfin"][1])["Items"]
    assert items, "Jellyfin has no API key: run make lab (the wiring layer makes one)"
    lab["jellyfin_key"] = items[0]["AccessToken"]
    for api in list(lab["arr"].values()) + [lab["prowlarr"]]:
        api.requests(reset=True)
    lab["baseline"] = run_doctor(lab, name="healthy lab")
    lab["requests"] = dict((api.root, api.requests()) for api in list(lab["arr"].values()) + [lab["prowlarr"]])
    # Where the lab keeps what the injections change, as the doctor checked it on lab-download.
    checked = [f for f in lab["baseline"]["findings"] if f.get("host") == "lab-download"]
    lab["qbittorrent_config"] = [f["where"] for f in checked if f["check"] == "config_off_network"
                                 and f["where"].rstrip("/").endswith("/qbittorrent")][0]
    lab["qbittorrent_conf"] = [f["where"] for f in checked if f["check"] == "default_password"
                               and f["where"].startswith(lab["qbittorrent_config"] + "/")][0]
    lab["torrents"] = [f["where"] for f in checked if f["check"] == "same_filesystem"
                       and f["where"].rstrip("/").endswith("/torrents")][0]
    yield lab
    print("\ndoctor wall times on the lab (s): %s" % json.dumps(dict((k, round(v, 1)) for k, v in TIMES.items())))


def test_healthy_lab_only_its_own_findings_and_nothing_changed(lab):
    assert lab["baseline"]["problems"] == LAB_FINDINGS, sorted(lab["baseline"]["problems"])
    checks = set(f["check"] for f in lab["baseline"]["findings"])
    # every layer was checked (not skipped): storage, apps, wiring, Jellyfin, Seerr, cluster (the lab
    # declares no arr_wiring_profiles: that check has nothing to compare)
    for check in ("same_filesystem", "config_off_network", "default_password", "app_answers", "download_client",
                  "root_folder", "remote_path_mapping", "prowlarr_application", "flaresolverr_tag",
                  "jellyfin_wizard", "jellyfin_library", "seerr_target", "node_ready", "pod_security"):
        assert check in checks, (check, sorted(checks))
    for url, counts in lab["requests"].items():
        assert set(counts["byMethod"]) == {"GET"}, (url, counts)  # read-only: no POST, PUT or DELETE


def test_doctor_is_fast_and_reads_each_collection_once(lab):
    print("\nhealthy lab: doctor %.1f s; requests per *arr stand-in: %s" % (
        lab["baseline"]["elapsed"],
        json.dumps(dict((u, c["byPath"]) for u, c in lab["requests"].items()), indent=1, sort_keys=True)))
    assert lab["baseline"]["elapsed"] < 60
    for url, counts in lab["requests"].items():
        reread = dict((p, n) for p, n in counts["byPath"].items() if n > 1)
        assert not reread, (url, reread)


# --- injections: each failure a seed hit ----------------------------------------------------------

def test_missing_remote_path_mapping(lab):
    # Seed 000: the download client sees the tree at another path than the *arr apps (a container
    # with /data/torrents mounted at /downloads), and a mapping is missing. The lab's qBittorrent
    # sees the same paths as the apps, so the test first gives the lab that layout (the inventory
    # says so, the apps hold the mappings it needs: the doctor is all clear again), then deletes
    # Sonarr's mapping.
    clients = [dict(c, mounts={"/data/torrents": "/downloads"}) if c["name"] == "qBittorrent" else c
               for c in lab["arr_wiring_download_clients"]]
    qbit = next(c for c in clients if c["name"] == "qBittorrent")
    layout = {"arr_wiring_download_clients": clients}
    made = {}
    try:
        for name, api in lab["arr"].items():
            made[name] = api("POST", "/remotepathmapping", {"host": qbit["host"], "remotePath": "/downloads/",
                                                            "localPath": "/data/torrents/"})["id"]
        with_layout = run_doctor(lab, layout, "layout with mappings")
        assert with_layout["problems"] == lab["baseline"]["problems"], sorted(with_layout["problems"])
        lab["arr"]["sonarr"]("DELETE", "/remotepathmapping/%d" % made.pop("sonarr"))
        found = only_injected(lab, run_doctor(lab, layout, "remote path mapping"),
                              ("controller", "remote_path_mapping", "sonarr: %s" % qbit["host"], "fail"))
        assert "/downloads" in found["message"]
    finally:
        for name, mapping in made.items():
            lab["arr"][name]("DELETE", "/remotepathmapping/%d" % mapping)


def test_config_folder_on_the_nfs_mount(lab):
    # Seed 004's stacks kept their config on the NFS share: qBittorrent's config folder moved onto
    # lab-download's /mnt/docker (an NFS mount of the inventory), and the inventory saying so.
    local = lab["qbittorrent_config"]
    moved = "/mnt/docker/qbittorrent"
    overrides = json.loads(json.dumps(lab["media_apps_overrides"]))
    overrides.setdefault("qbittorrent", {})["config_path"] = moved
    sh("lab-download", "test ! -e %s && cp -a %s %s" % (moved, local, moved))
    try:
        found = only_injected(lab, run_doctor(lab, {"media_apps_overrides": overrides}, "config on NFS"),
                              ("lab-download", "config_off_network", moved, "fail"))
        assert "NFS" in found["message"]
    finally:
        sh("lab-download", "rm -rf %s" % moved)


def test_flaresolverr_proxy_untagged(lab):
    # Seed 001: the FlareSolverr proxy lost its tag, the indexer that needs it keeps it.
    proxy = next(p for p in lab["prowlarr"]("GET", "/indexerproxy") if p["implementation"] == "FlareSolverr")
    assert proxy["tags"]
    lab["prowlarr"]("PUT", "/indexerproxy/%d?forceSave=true" % proxy["id"], dict(proxy, tags=[]))
    try:
        indexer = next(i for i in lab["prowlarr"]("GET", "/indexer") if set(i.get("tags") or []) & set(proxy["tags"]))
        found = only_injected(lab, run_doctor(lab, name="flaresolverr tag"),
                              ("controller", "flaresolverr_tag", "prowlarr: %s" % indexer["name"], "fail"))
        assert "no tag with the FlareSolverr proxy" in found["message"]
    finally:
        lab["prowlarr"]("PUT", "/indexerproxy/%d?forceSave=true" % proxy["id"], proxy)


def test_prowlarr_application_at_an_old_host(lab):
    # Seed 004: Prowlarr syncs Sonarr's indexers to a decommissioned VM.
    sonarr = next(a for a in lab["arr_wiring_apps"] if a["name"] == "sonarr")
    application = next(a for a in lab["prowlarr"]("GET", "/applications")
                       if any(f["name"] == "baseUrl" and f.get("value", "").rstrip("/") == sonarr["prowlarr_base_url"].rstrip("/")
                              for f in a["fields"]))
    old = "http://10.89.42.99:8989"
    moved = dict(application, fields=[dict(f, value=old) if f["name"] == "baseUrl" else f
                                      for f in application["fields"]])
    lab["prowlarr"]("PUT", "/applications/%d?forceSave=true" % application["id"], moved)
    try:
        found = only_injected(lab, run_doctor(lab, name="prowlarr old host"),
                              ("controller", "prowlarr_application", "prowlarr: %s" % application["name"], "fail"))
        assert old in found["message"]
    finally:
        lab["prowlarr"]("PUT", "/applications/%d?forceSave=true" % application["id"], application)


def test_jellyfin_library_deleted(lab):
    # Seed 001: no music library in Jellyfin, so Lidarr's imports never show up.
    jf, headers = lab["jellyfin"]
    library = next(f for f in http("GET", jf + "/Library/VirtualFolders", headers) if f["CollectionType"] == "music")
    http("DELETE", jf + "/Library/VirtualFolders?" + urllib.parse.urlencode(
        {"name": library["Name"], "refreshLibrary": "false"}), headers)
    try:
        url = jf
        found = only_injected(lab, run_doctor(lab, name="jellyfin library"),
                              ("controller", "jellyfin_library", "%s: music" % url, "fail"))
        assert "no music library" in found["message"]
    finally:
        query = [("name", library["Name"]), ("collectionType", "music"), ("refreshLibrary", "false")]
        query += [("paths", p) for p in library["Locations"]]
        http("POST", jf + "/Library/VirtualFolders?" + urllib.parse.urlencode(query), headers, {"LibraryOptions": {}})


def test_metallb_pool_shrunk_below_the_apps(lab):
    # Seeds 000/002: the pool holds fewer addresses than the apps use. An app's LoadBalancer
    # Service in the k3s cluster's local control plane, with the address MetalLB assigned it from
    # the lab's pool (kwok runs no MetalLB controller: the test writes the Service's status as
    # MetalLB's controller does); the doctor is all clear with it. Then the inventory's pool shrinks
    # to its first address: the app's address is outside it.
    first = lab["mediastack_metallb_addresses"][0].partition("-")[0]
    second = re.sub(r"\d+$", lambda m: str(int(m.group()) + 1), first)
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "lab-doctor-jellyfin", "namespace": "media"},
               "spec": {"type": "LoadBalancer", "selector": {"app": "lab-doctor-jellyfin"},
                        "ports": [{"port": 8096, "targetPort": 8096}]}}
    kubectl(lab["kubeconfig"], "apply", "-f", "-", stdin=json.dumps(service))
    try:
        kubectl(lab["kubeconfig"], "-n", "media", "patch", "service", "lab-doctor-jellyfin", "--subresource=status",
                "--type=merge", "-p", json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": second}]}}}))
        with_app = run_doctor(lab, name="app with a LoadBalancer address")
        assert with_app["problems"] == lab["baseline"]["problems"], sorted(with_app["problems"])
        assert ("loadbalancer_address", "media/lab-doctor-jellyfin", "ok") in set(
            (f["check"], f["where"], f["status"]) for f in with_app["findings"])
        found = only_injected(lab, run_doctor(lab, {"mediastack_metallb_addresses": ["%s-%s" % (first, first)]},
                                              "metallb pool shrunk"),
                              ("controller", "loadbalancer_address", "media/lab-doctor-jellyfin", "fail"))
        assert second in found["message"] and "outside the MetalLB pool" in found["message"]
    finally:
        kubectl(lab["kubeconfig"], "-n", "media", "delete", "service", "lab-doctor-jellyfin", "--ignore-not-found")


def test_download_and_media_folders_on_two_filesystems(lab):
    # Seed 002: the download folder on another filesystem than the library (imports copy). On
    # lab-download, /data/torrents becomes a folder of the container's own root filesystem (with
    # the tree's group and mode), the tree's folder set aside.
    folder = lab["torrents"]
    aside, split = folder + ".lab-doctor-test", "/var/lib/lab-doctor-torrents"
    sh("lab-download", "test ! -e {aside}; mode=$(stat -c %a {f}); group=$(stat -c %g {f}); "
       "mkdir {split}; chgrp $group {split}; chmod $mode {split}; mv {f} {aside}; ln -s {split} {f}".format(
           f=folder, aside=aside, split=split))
    try:
        found = only_injected(lab, run_doctor(lab, name="split filesystems"),
                              ("lab-download", "same_filesystem", folder, "fail"))
        assert "different filesystems" in found["message"]
    finally:
        sh("lab-download", "if [ -L {f} ]; then rm {f}; fi; if [ -d {aside} ]; then mv {aside} {f}; fi; "
           "rm -rf {split}".format(f=folder, aside=aside, split=split))


def test_qbittorrent_on_its_temporary_password(lab):
    # Seed 003: qBittorrent runs without a stored Web UI password (4.6.1+: a temporary one in its
    # log). Its config without the password line, qBittorrent restarted on it.
    conf = lab["qbittorrent_conf"]
    unit = sh("lab-download", "systemctl list-units --type=service --all --no-legend --plain '*qbittorrent*' "
                              "| awk '{print $1}' | head -n1").strip()
    assert unit, "no qBittorrent unit on lab-download"
    sh("lab-download", "systemctl stop {u}; cp -p {c} {c}.lab-doctor-test; "
       "sed -i '/^WebUI\\\\Password_PBKDF2=/d' {c}; systemctl start {u}".format(u=shlex.quote(unit), c=conf))
    try:
        found = only_injected(lab, run_doctor(lab, name="qbittorrent temporary password"),
                              ("lab-download", "default_password", conf, "fail"))
        assert "temporary" in found["message"]
    finally:
        sh("lab-download", "systemctl stop {u}; mv {c}.lab-doctor-test {c}; systemctl start {u}".format(
            u=shlex.quote(unit), c=conf))


def test_healthy_again(lab):
    again = run_doctor(lab, name="healthy again")
    assert again["problems"] == lab["baseline"]["problems"], sorted(again["problems"] ^ lab["baseline"]["problems"])

"""The native apps run for real: services up, listening, and the inventory's credentials work by
the names the other apps use; the health checks the role renders for Compose and Kubernetes pass
against the same real programs.

Everything is read on the host in one go (testinfra's ansible backend costs seconds per call);
the credentials are the scenario's test-only values (molecule.yml).
"""

import json
import sys
from pathlib import Path

import pytest
import yaml

# the native host only (apps-cluster is the controller; the k3s nodes are kwok nodes)
testinfra_hosts = ["ansible://download_hosts"]

ROOT = Path(__file__).resolve().parents[3]
QBT_USER, QBT_PASSWORD = "molecule", "molecule-qbt-password"
NZBGET_USER, NZBGET_PASSWORD = "nzbget", "molecule-nzbget-password"
SAB_KEY = "0123456789abcdef0123456789abcdef"
QBT_CONF = "/srv/mediastack/config/qbittorrent/qBittorrent/config/qBittorrent.conf"
UNITS = {"mediastack-qbittorrent": "qbittorrent", "mediastack-nzbget": "nzbget", "mediastack-sabnzbd": "sabnzbd"}


def _checks():
    """The health checks the role renders: Compose commands and Kubernetes probes per app."""
    # the collection as `make link` places it (the Makefile's ANSIBLE_COLLECTIONS_PATH)
    sys.path.insert(0, str(ROOT / ".build" / "collections"))
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps as m, _media_apps_k8s as k
    catalog = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
    # natively SABnzbd listens on its host port (8085), in its container on 8080
    apps = m.merge_catalog(catalog, ["qbittorrent", "nzbget", "sabnzbd"],
                           overrides={"sabnzbd": {"ports": [{"port": 8085}],
                                                  "healthcheck": dict(catalog["sabnzbd"]["healthcheck"], port=8085)}})
    services = m.compose_project("download", apps, "/c", "/data", 2000, 2000, "Etc/UTC")["services"]
    return {name: {"compose": services[name]["healthcheck"]["test"][1], "probe": k._probe(app, "readiness")}
            for name, app in apps.items()}


PROBE = r'''
import base64, grp, json, os, pwd, socket, subprocess, sys, urllib.error, urllib.parse, urllib.request
qbt_user, qbt_password, nzb_user, nzb_password, qbt_conf, sab_key, units, checks = sys.argv[1:9]
units, checks = json.loads(units), json.loads(checks)

def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()

def http(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        resp = urllib.request.urlopen(req, timeout=10)
        return {"status": resp.status, "body": resp.read().decode(errors="replace"),
                "cookie": resp.headers.get("Set-Cookie") or ""}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": exc.read().decode(errors="replace"), "cookie": ""}
    except OSError as exc:  # not listening
        return {"status": None, "body": str(exc), "cookie": ""}

def qbt_login(password, host="qbittorrent"):
    data = urllib.parse.urlencode({"username": qbt_user, "password": password}).encode()
    r = http("http://%s:8080/api/v2/auth/login" % host, data=data)
    return {"status": r["status"], "body": r["body"], "sid": r["cookie"].startswith("SID=")}

def nzb_rpc(password, method="version", host="nzbget"):
    token = base64.b64encode(("%s:%s" % (nzb_user, password)).encode()).decode()
    r = http("http://%s:6789/jsonrpc/%s" % (host, method), headers={"Authorization": "Basic " + token})
    try:
        r["body"] = json.loads(r["body"])
    except ValueError:
        r["body"] = {}
    return r

def sab(key, host_header, mode="queue"):
    # connect to the host, send the Host header another app would send
    r = http("http://127.0.0.1:8085/api?mode=%s&output=json&apikey=%s" % (mode, key), headers={"Host": host_header})
    return {"status": r["status"], "ok": r["status"] == 200 and '"queue"' in r["body"], "body": r["body"][:200]}

def stat(path):
    st = os.stat(path)
    return {"user": pwd.getpwuid(st.st_uid).pw_name, "mode": st.st_mode & 0o7777}

def probe(spec):
    # what the kubelet does: a TCP connect, or a GET whose status 200-399 passes (Host: the pod IP)
    if "tcpSocket" in spec:
        try:
            socket.create_connection(("127.0.0.1", spec["tcpSocket"]["port"]), timeout=5).close()
            return True
        except OSError:
            return False
    get = spec["httpGet"]
    r = http("http://127.0.0.1:%s%s" % (get["port"], get["path"]), headers={"Host": "10.42.0.17:%s" % get["port"]})
    return r["status"] is not None and 200 <= r["status"] < 400

out = {"units": {}, "users": {}, "unit_files": {}}
for unit, user in units.items():
    pid = run("systemctl", "show", "-p", "MainPID", "--value", unit)
    out["units"][unit] = {"active": run("systemctl", "is-active", unit), "enabled": run("systemctl", "is-enabled", unit),
                          "owner": run("ps", "-o", "user=", "-p", pid)}
    out["users"][user] = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    out["unit_files"][unit] = open("/etc/systemd/system/%s.service" % unit).read()
out["packages"] = run("dpkg-query", "-W", "-f=${Package} ${Status}\n", "qbittorrent-nox", "nzbget", "sabnzbdplus", "unrar")
out["listen"] = run("ss", "-Hltn")
out["qbt_conf"] = open(qbt_conf).read()
out["qbt_conf_stat"] = stat(qbt_conf)
out["qbt_dir_stat"] = stat(os.path.dirname(qbt_conf))
out["nzb_conf"] = open("/srv/mediastack/config/nzbget/nzbget.conf").read()
out["nzb_conf_stat"] = stat("/srv/mediastack/config/nzbget/nzbget.conf")
out["sab_ini_stat"] = stat("/srv/mediastack/config/sabnzbd/sabnzbd.ini")
out["config_fs"] = run("stat", "-f", "-c", "%T", "/srv/mediastack/config")
out["qbt_ok"], out["qbt_bad"] = qbt_login(qbt_password), qbt_login("wrong-password")
out["nzb_ok"], out["nzb_bad"] = nzb_rpc(nzb_password), nzb_rpc("wrong-password")
templates = nzb_rpc(nzb_password, "configtemplates?loadFromDisk=true")
out["nzb_template"] = [len(t.get("Template", "")) for t in templates["body"].get("result", [])] if templates["status"] == 200 else templates
config = nzb_rpc(nzb_password, "config")["body"].get("result", [])
out["nzb_categories"] = sorted(o["Name"] for o in config if o["Name"].startswith("Category") and o["Name"].endswith(".Name"))
out["unrar"] = subprocess.run(["unrar"], capture_output=True, text=True).stdout[:200]
out["sab"] = {"service": sab(sab_key, "sabnzbd:8085"), "wiring": sab(sab_key, "sabnzbd.lab.example:8085"),
              "host": sab(sab_key, "apps-download:8085"), "stranger": sab(sab_key, "evil.example:8085"),
              "wrong_key": sab("f" * 32, "sabnzbd:8085")}
out["checks"] = {}
for app, check in checks.items():
    out["checks"][app] = {"compose": subprocess.run(["sh", "-c", check["compose"]]).returncode,
                          "probe": probe(check["probe"])}
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def state(host):
    result = host.run("python3 -c %s %s %s %s %s %s %s %s %s", PROBE, QBT_USER, QBT_PASSWORD, NZBGET_USER,
                      NZBGET_PASSWORD, QBT_CONF, SAB_KEY, json.dumps(UNITS), json.dumps(_checks()))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_packages_from_debian(state):
    for package in ("qbittorrent-nox", "nzbget", "sabnzbdplus", "unrar"):
        assert "%s install ok installed" % package in state["packages"]


def test_services_running_enabled_as_own_users(state):
    for unit, user in UNITS.items():
        assert state["units"][unit] == {"active": "active", "enabled": "enabled", "owner": user}
        assert state["users"][user] == "media"


def test_units_wait_for_their_mounts(state):
    # issue 17 item 12: not started on an empty mount point
    for unit, user in UNITS.items():
        assert "RequiresMountsFor=/srv/mediastack/config/%s /data\n" % user in state["unit_files"][unit]


def test_listening(state):
    for port in (8080, 6789, 8085):
        assert ":%d " % port in state["listen"]


def test_config_is_local_and_private(state):
    assert state["qbt_conf_stat"]["user"] == "qbittorrent"
    assert state["qbt_dir_stat"]["mode"] == 0o700
    assert 'WebUI\\Password_PBKDF2="@ByteArray(' in state["qbt_conf"]
    assert QBT_PASSWORD not in state["qbt_conf"]  # only the hash is stored
    assert state["nzb_conf_stat"] == {"user": "nzbget", "mode": 0o600}
    assert state["sab_ini_stat"]["user"] == "sabnzbd" and state["sab_ini_stat"]["mode"] & 0o077 == 0
    assert "nfs" not in state["config_fs"]
    assert "Session\\DefaultSavePath=/data/torrents" in state["qbt_conf"]


def test_qbittorrent_login_with_inventory_password(state):
    assert state["qbt_ok"]["status"] == 200 and state["qbt_ok"]["body"] == "Ok." and state["qbt_ok"]["sid"]
    assert state["qbt_bad"]["body"] != "Ok." and not state["qbt_bad"]["sid"]


def test_nzbget_login_with_inventory_password(state):
    assert state["nzb_ok"]["status"] == 200 and state["nzb_ok"]["body"]["result"]
    assert state["nzb_bad"]["status"] == 401


def test_nzbget_settings_page_and_unrar(state):
    # issue 17 item 8: ConfigTemplate is Debian's packaged template, unrar is installed
    assert "ConfigTemplate=/usr/share/nzbget/webui/nzbget.conf\n" in state["nzb_conf"]
    assert state["nzb_template"] and all(size > 1000 for size in state["nzb_template"]), state["nzb_template"]
    assert "UNRAR" in state["unrar"].upper()


def test_nzbget_categories_belong_to_the_wiring_layer(state):
    # issue 17 item 7: the apps layer seeds none (client_wiring creates one per *arr app)
    assert state["nzb_categories"] == []


def test_sabnzbd_answers_the_names_the_other_apps_use(state):
    # issue 17 item 2: host_whitelist seeded before the first start, API key from the vault
    for name in ("service", "wiring", "host"):
        assert state["sab"][name]["ok"], (name, state["sab"][name])
    assert state["sab"]["stranger"]["status"] == 403, state["sab"]["stranger"]
    assert not state["sab"]["wrong_key"]["ok"]


@pytest.mark.parametrize("app", ["qbittorrent", "nzbget", "sabnzbd"])
def test_rendered_health_checks_pass_against_the_real_programs(state, app):
    # issue 17 item 3: the Compose healthcheck command and the Kubernetes probe
    assert state["checks"][app] == {"compose": 0, "probe": True}


@pytest.fixture(scope="module")
def compose_seeds(host):
    return json.loads(host.file("/var/tmp/compose-seeds.json").content_string)


def test_compose_qbittorrent_logs_in_with_the_seeded_hash(compose_seeds):
    # the compose runtime's qBittorrent.conf, where the image's XDG_CONFIG_HOME=/config puts it
    qbt = compose_seeds["qbittorrent"]
    assert qbt["ok"]["status"] == 200 and qbt["ok"]["body"] == "Ok." and qbt["ok"]["sid"], qbt
    assert qbt["bad"]["body"] != "Ok." and not qbt["bad"]["sid"]


def test_compose_nzbget_uses_the_vaulted_password_not_the_image_default(compose_seeds):
    # issue 17 item 1: NZBGET_USER/NZBGET_PASS from its own env file, as svc-nzbget/run passes them
    nzb = compose_seeds["nzbget"]
    assert nzb["env_file"] == ["NZBGET_PASS", "NZBGET_USER"]
    assert nzb["ok"]["status"] == 200, nzb
    assert nzb["image_default"]["status"] == 401, nzb


def test_compose_sabnzbd_answers_its_service_name(compose_seeds):
    # issue 17 item 2: host_whitelist and the API key in the compose runtime's sabnzbd.ini
    sab = compose_seeds["sabnzbd"]
    assert sab["service"]["ok"], sab
    assert sab["stranger"]["status"] == 403 and not sab["wrong_key"]["ok"], sab

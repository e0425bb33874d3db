"""The native apps run for real: services up, listening, and the inventory's credentials work.

Everything is read on the host in one go (testinfra's ansible backend costs seconds per call);
the credentials are the scenario's test-only values (molecule.yml).
"""

import json

import pytest

QBT_USER, QBT_PASSWORD = "molecule", "molecule-qbt-password"
NZBGET_USER, NZBGET_PASSWORD = "nzbget", "molecule-nzbget-password"
QBT_CONF = "/srv/mediastack/config/qbittorrent/qBittorrent/config/qBittorrent.conf"

PROBE = r'''
import base64, grp, json, os, pwd, subprocess, sys, urllib.error, urllib.parse, urllib.request
qbt_user, qbt_password, nzb_user, nzb_password, qbt_conf = sys.argv[1:6]

def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()

def qbt_login(password):
    data = urllib.parse.urlencode({"username": qbt_user, "password": password}).encode()
    try:
        resp = urllib.request.urlopen("http://127.0.0.1:8080/api/v2/auth/login", data=data, timeout=10)
        return {"status": resp.status, "body": resp.read().decode(),
                "sid": (resp.headers.get("Set-Cookie") or "").startswith("SID=")}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": "", "sid": False}

def nzb_login(password):
    token = base64.b64encode(("%s:%s" % (nzb_user, password)).encode()).decode()
    req = urllib.request.Request("http://127.0.0.1:6789/jsonrpc/version", headers={"Authorization": "Basic " + token})
    try:
        resp = urllib.request.urlopen(req, timeout=10)
        return {"status": resp.status, "body": json.loads(resp.read().decode())}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": {}}

def stat(path):
    st = os.stat(path)
    return {"user": pwd.getpwuid(st.st_uid).pw_name, "mode": st.st_mode & 0o7777}

out = {"units": {}, "users": {}}
for unit in ("mediastack-qbittorrent", "mediastack-nzbget"):
    pid = run("systemctl", "show", "-p", "MainPID", "--value", unit)
    out["units"][unit] = {"active": run("systemctl", "is-active", unit), "enabled": run("systemctl", "is-enabled", unit),
                          "owner": run("ps", "-o", "user=", "-p", pid)}
for user in ("qbittorrent", "nzbget"):
    out["users"][user] = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
out["packages"] = run("dpkg-query", "-W", "-f=${Package} ${Status}\n", "qbittorrent-nox", "nzbget")
out["listen"] = run("ss", "-Hltn")
out["qbt_conf"] = open(qbt_conf).read()
out["qbt_conf_stat"] = stat(qbt_conf)
out["qbt_dir_stat"] = stat(os.path.dirname(qbt_conf))
out["nzb_conf_stat"] = stat("/srv/mediastack/config/nzbget/nzbget.conf")
out["config_fs"] = run("stat", "-f", "-c", "%T", "/srv/mediastack/config")
out["qbt_ok"], out["qbt_bad"] = qbt_login(qbt_password), qbt_login("wrong-password")
out["nzb_ok"], out["nzb_bad"] = nzb_login(nzb_password), nzb_login("wrong-password")
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def state(host):
    result = host.run("python3 -c %s %s %s %s %s %s", PROBE, QBT_USER, QBT_PASSWORD, NZBGET_USER, NZBGET_PASSWORD,
                      QBT_CONF)
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_packages_from_debian(state):
    assert "qbittorrent-nox install ok installed" in state["packages"]
    assert "nzbget install ok installed" in state["packages"]


def test_services_running_enabled_as_own_users(state):
    for unit, user in (("mediastack-qbittorrent", "qbittorrent"), ("mediastack-nzbget", "nzbget")):
        assert state["units"][unit] == {"active": "active", "enabled": "enabled", "owner": user}
        assert state["users"][user] == "media"


def test_listening(state):
    assert ":8080 " in state["listen"]
    assert ":6789 " in state["listen"]


def test_config_is_local_and_private(state):
    assert state["qbt_conf_stat"]["user"] == "qbittorrent"
    assert state["qbt_dir_stat"]["mode"] == 0o700
    assert 'WebUI\\Password_PBKDF2="@ByteArray(' in state["qbt_conf"]
    assert QBT_PASSWORD not in state["qbt_conf"]  # only the hash is stored
    assert state["nzb_conf_stat"] == {"user": "nzbget", "mode": 0o600}
    assert "nfs" not in state["config_fs"]
    assert "Session\\DefaultSavePath=/data/torrents" in state["qbt_conf"]


def test_qbittorrent_login_with_inventory_password(state):
    assert state["qbt_ok"]["status"] == 200 and state["qbt_ok"]["body"] == "Ok." and state["qbt_ok"]["sid"]
    assert state["qbt_bad"]["body"] != "Ok." and not state["qbt_bad"]["sid"]


def test_nzbget_login_with_inventory_password(state):
    assert state["nzb_ok"]["status"] == 200 and state["nzb_ok"]["body"]["result"]
    assert state["nzb_bad"]["status"] == 401

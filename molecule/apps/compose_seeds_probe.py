"""Start qbittorrent-nox, nzbget and sabnzbdplus the way their linuxserver images start them, on
the config the role's compose runtime wrote, one after the other (each image has its own network
namespace; here they share the host's ports), and log in to each by its service name.

How each image starts its program (read from the images' sources):
- linuxserver/docker-qbittorrent: Dockerfile ENV HOME/XDG_CONFIG_HOME=/config, so the profile is
  /config/qBittorrent/qBittorrent.conf; root/etc/s6-overlay/s6-rc.d/svc-qbittorrent/run:
  `qbittorrent-nox --webui-port=$WEBUI_PORT --torrenting-port=$TORRENTING_PORT` as abc (PUID).
- linuxserver/docker-nzbget: init-nzbget-config/run copies the packaged nzbget.conf to
  /config/nzbget.conf when absent; svc-nzbget/run: `nzbget -s -c /config/nzbget.conf -o
  OutputMode=log -o ControlUsername=$NZBGET_USER -o ControlPassword=$NZBGET_PASS`.
- linuxserver/docker-sabnzbd: svc-sabnzbd/run: `SABnzbd.py --config-file /config --server ::`
  (the port from sabnzbd.ini).
Prints one JSON object.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CFG, ENV_DIR = sys.argv[1:3]
UID = GID = "2000"  # the role's media_apps_uid/gid: the images' PUID/PGID


def env_file(name):
    path = os.path.join(ENV_DIR, name + ".env")
    if not os.path.exists(path):
        return {}
    return dict(line.split("=", 1) for line in open(path).read().splitlines() if "=" in line)


def http(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode(errors="replace"), resp.headers.get("Set-Cookie") or ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), ""
    except OSError as exc:
        return None, str(exc), ""


def run(unit, argv, env, check, timeout=90):
    setenv = []
    for key, value in env.items():
        setenv += ["--setenv", "%s=%s" % (key, value)]
    subprocess.run(["systemd-run", "--unit", unit, "--uid", UID, "--gid", GID, "--property", "UMask=0002"]
                   + setenv + argv, check=True, capture_output=True)
    deadline = time.time() + timeout
    result = None
    while time.time() < deadline:
        result = check()
        if result.get("ready"):
            break
        time.sleep(2)
    subprocess.run(["systemctl", "stop", unit], capture_output=True, check=False)
    subprocess.run(["systemctl", "reset-failed", unit], capture_output=True, check=False)
    return result


def qbittorrent():
    home = os.path.join(CFG, "qbittorrent")
    user, password = "molecule", "molecule-qbt-password"

    def check():
        out = {}
        for label, pw in (("ok", password), ("bad", "wrong-password")):
            data = urllib.parse.urlencode({"username": user, "password": pw}).encode()
            status, body, cookie = http("http://qbittorrent:8080/api/v2/auth/login", data=data)
            out[label] = {"status": status, "body": body, "sid": cookie.startswith("SID=")}
        out["ready"] = out["ok"]["status"] is not None
        return out

    env = {"HOME": home, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home}
    return run("compose-qbittorrent", ["/usr/bin/qbittorrent-nox", "--webui-port=8080", "--torrenting-port=6881"],
               env, check)


def nzbget():
    home = os.path.join(CFG, "nzbget")
    conf = os.path.join(home, "nzbget.conf")
    if not os.path.exists(conf):
        shutil.copy("/usr/share/nzbget/webui/nzbget.conf", conf)
        os.chown(conf, int(UID), int(GID))
    env = env_file("nzbget")
    options = []
    if env.get("NZBGET_USER"):
        options += ["-o", "ControlUsername=%s" % env["NZBGET_USER"]]
    if env.get("NZBGET_PASS"):
        options += ["-o", "ControlPassword=%s" % env["NZBGET_PASS"]]

    def login(user, password):
        token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        status, body, _unused = http("http://nzbget:6789/jsonrpc/version", headers={"Authorization": "Basic " + token})
        return {"status": status, "body": body[:200]}

    def check():
        out = {"ok": login("nzbget", "molecule-nzbget-password"), "image_default": login("nzbget", "tegbzn6789")}
        out["ready"] = out["ok"]["status"] is not None
        return out

    # Debian's packaged file stands in for the image's (/app/nzbget/share/nzbget/nzbget.conf); the
    # folders of the image's layout are given as options.
    argv = ["/usr/bin/nzbget", "-s", "-c", conf, "-o", "OutputMode=log", "-o", "MainDir=%s" % home,
            "-o", "WebDir=/usr/share/nzbget/webui"] + options
    result = run("compose-nzbget", argv, {"HOME": home}, check)
    result["env_file"] = sorted(env)
    return result


def sabnzbd():
    home = os.path.join(CFG, "sabnzbd")
    key = "0123456789abcdef0123456789abcdef"

    def api(host_header, apikey=key):
        status, body, _unused = http("http://127.0.0.1:8080/api?mode=queue&output=json&apikey=%s" % apikey,
                                     headers={"Host": host_header})
        return {"status": status, "ok": status == 200 and '"queue"' in body}

    def check():
        out = {"service": api("sabnzbd:8080"), "stranger": api("evil.example:8080"),
               "wrong_key": api("sabnzbd:8080", "f" * 32)}
        out["ready"] = out["service"]["status"] is not None
        return out

    return run("compose-sabnzbd", ["/usr/bin/sabnzbdplus", "--config-file", home, "--server", "0.0.0.0",
                                   "--browser", "0"], {"HOME": home}, check)


print(json.dumps({"qbittorrent": qbittorrent(), "nzbget": nzbget(), "sabnzbd": sabnzbd()}))

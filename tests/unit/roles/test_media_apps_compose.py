"""The compose runtime of media_apps without a Docker engine (media_apps_compose_up=false).

ansible-playbook runs the role on localhost into a temporary folder: seed 004's download stack
(qBittorrent behind Gluetun) is written, checked against the Compose Specification schema, its
secrets and pre-seeded config are asserted, and a second run changes nothing.
"""

import base64
import configparser
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "unit"))
from playbook_harness import free_port, load_standin, role_play, serving  # noqa: E402  pylint: disable=wrong-import-position
# Upstream data stays upstream: the Compose Specification schema from the reference tree beside the
# repository (CI has it there), never a copy in the repository.
SCHEMA = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference")) / "k8s" / "compose-spec.json"
KEYS = {"sonarr": "0123456789abcdef0123456789abcdef", "radarr": "0123456789abcdef0123456789abcdea",
        "prowlarr": "0123456789abcdef0123456789abcdeb", "sabnzbd": "0123456789abcdef0123456789abcdec",
        "tautulli": "0123456789abcdef0123456789abcded"}
VPN_ENV = {"WIREGUARD_ADDRESSES": "10.64.0.2/32", "WIREGUARD_ENDPOINT_IP": "198.51.100.7", "WIREGUARD_ENDPOINT_PORT": "51820",
           "WIREGUARD_PUBLIC_KEY": "test-only-server-public-key"}
PLAY = role_play("homelab.mediastack.media_apps")


def _run(tmp_path, variables, expect_rc=0, env=None, extra=()):
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1",
               **(env or {}))
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(tmp_path / "play.yml"),
                             "-e", "@%s" % (tmp_path / "vars.json"), "-e", "ansible_python_interpreter=%s" % sys.executable]
                            + list(extra),
                            capture_output=True, text=True, env=env, check=False, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == expect_rc, out
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", out).group(1)), out


def _download_vars(tmp_path):
    uid, gid = os.getuid(), os.getgid()
    return {
        "media_apps_runtime": "compose", "media_apps_stack": "download", "media_apps_media_mode": "rw",
        "media_apps_enabled": ["sabnzbd", "qbittorrent", "nzbget", "radarr", "sonarr", "prowlarr", "flaresolverr",
                               "gluetun", "unpackerr", "tautulli", "homepage"],
        "media_apps_overrides": {"qbittorrent": {"vpn": True}},
        "media_apps_docker_install": False, "media_apps_compose_up": False,
        "media_apps_config_root": str(tmp_path / "config"), "media_apps_project_root": str(tmp_path / "projects"),
        "media_apps_systemd_dir": str(tmp_path / "systemd"),
        "media_apps_uid": str(uid), "media_apps_gid": str(gid),
        "mediastack_api_keys": KEYS,
        "media_apps_passwords": {"qbittorrent": "test-only-password", "nzbget": "test-only-nzbget"},
        "media_apps_vpn_secrets": {"WIREGUARD_PRIVATE_KEY": "test-only-wg-key"},
        "media_apps_vpn_env": VPN_ENV,
        "media_apps_vpn_outbound_subnets": ["192.0.2.0/24"],
        "media_apps_sabnzbd_host_whitelist": ["sabnzbd.example.com"],
        "media_apps_secrets": {"homepage": {"HOMEPAGE_VAR_EXTRA": "test-only-extra"}},
    }


def _env(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_download_stack_rendered_without_an_engine(tmp_path):
    (tmp_path / "systemd").mkdir()
    variables = _download_vars(tmp_path)
    changed, _out = _run(tmp_path, variables)
    assert changed > 0
    project_dir = tmp_path / "projects" / "download"
    text = (project_dir / "compose.yaml").read_text()
    project = yaml.safe_load(text)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(project)
    services = project["services"]
    assert services["qbittorrent"]["network_mode"] == "service:gluetun"
    for secret in list(KEYS.values()) + ["test-only-password", "test-only-wg-key", "test-only-nzbget"]:
        assert secret not in text
    # one env file per service, only its own secrets (issue 17 item 5)
    env_dir = project_dir / "env"
    assert env_dir.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in env_dir.iterdir()) == sorted(
        ["gluetun.env", "homepage.env", "nzbget.env", "prowlarr.env", "radarr.env", "sonarr.env", "unpackerr.env"])
    for path in env_dir.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert _env(env_dir / "sonarr.env") == {"SONARR__AUTH__APIKEY": KEYS["sonarr"]}
    assert _env(env_dir / "gluetun.env") == {"WIREGUARD_PRIVATE_KEY": "test-only-wg-key"}
    # NZBGet's login from the vault, through the image's NZBGET_USER/NZBGET_PASS (item 1)
    assert _env(env_dir / "nzbget.env") == {"NZBGET_USER": "nzbget", "NZBGET_PASS": "test-only-nzbget"}
    assert services["nzbget"]["env_file"] == ["env/nzbget.env"]
    assert "env_file" not in services["qbittorrent"] and "env_file" not in services["flaresolverr"]
    # Unpackerr wired to each *arr app by service name, keys in its own file
    assert _env(env_dir / "unpackerr.env") == {"UN_RADARR_0_API_KEY": KEYS["radarr"], "UN_SONARR_0_API_KEY": KEYS["sonarr"]}
    assert services["unpackerr"]["environment"]["UN_SONARR_0_URL"] == "http://sonarr:8989"
    # Homepage: widgets refer to HOMEPAGE_VAR_*, qBittorrent reached as gluetun (item 9)
    homepage_env = _env(env_dir / "homepage.env")
    assert homepage_env["HOMEPAGE_VAR_SONARR_KEY"] == KEYS["sonarr"]
    assert homepage_env["HOMEPAGE_VAR_QBITTORRENT_PASSWORD"] == "test-only-password"
    assert homepage_env["HOMEPAGE_VAR_EXTRA"] == "test-only-extra"
    assert homepage_env["HOMEPAGE_ALLOWED_HOSTS"] == "localhost:3000"
    config = tmp_path / "config"
    widgets = yaml.safe_load((config / "homepage" / "services.yaml").read_text())
    entries = dict(next(iter(e.items())) for e in widgets[0]["Media"])
    assert entries["qbittorrent"]["widget"]["url"] == "http://gluetun:8080"
    assert entries["sabnzbd"]["widget"]["key"] == "{{HOMEPAGE_VAR_SABNZBD_KEY}}"
    assert KEYS["sonarr"] not in (config / "homepage" / "services.yaml").read_text()
    # UMASK for the linuxserver images (item 4), Gluetun without the dead FIREWALL (item 9)
    assert services["sonarr"]["environment"]["UMASK"] == "002"
    assert "FIREWALL" not in services["gluetun"]["environment"]
    assert services["gluetun"]["environment"]["WIREGUARD_ENDPOINT_IP"] == "198.51.100.7"
    assert ET.fromstring((config / "sonarr" / "config.xml").read_text()).findtext("ApiKey") == KEYS["sonarr"]
    sab = (config / "sabnzbd" / "sabnzbd.ini").read_text()
    assert "api_key = %s" % KEYS["sabnzbd"] in sab
    # SABnzbd answers to the names the other apps use (item 2)
    assert "host_whitelist = sabnzbd, localhost, sabnzbd.example.com" in sab
    tautulli = (config / "tautulli" / "config.ini").read_text()
    assert "api_key = %s" % KEYS["tautulli"] in tautulli and "api_enabled = 1" in tautulli
    qbt = (config / "qbittorrent" / "qBittorrent" / "qBittorrent.conf").read_text()
    assert 'WebUI\\Password_PBKDF2="@ByteArray(' in qbt and "test-only-password" not in qbt
    # the stack starts after its mounts (item 12)
    unit = (tmp_path / "systemd" / "mediastack-download.service").read_text()
    assert "RequiresMountsFor=/data %s" % (tmp_path / "config") in unit
    assert "ExecStop=/usr/bin/docker compose stop" in unit
    # the second run compares and changes nothing
    changed, out = _run(tmp_path, variables)
    assert changed == 0, out


def test_preflight_refuses_incomplete_gluetun_and_read_only_bazarr(tmp_path):
    variables = _download_vars(tmp_path)
    variables["media_apps_vpn_env"] = {}
    variables["media_apps_enabled"] = variables["media_apps_enabled"] + ["bazarr"]
    variables["media_apps_media_mode"] = "ro"
    out = _run(tmp_path, variables, expect_rc=2)[1]
    assert "gluetun: custom wireguard needs WIREGUARD_ADDRESSES, WIREGUARD_ENDPOINT_IP or VPN_ENDPOINT_IP" in out
    assert "bazarr: writes into the media tree (subtitles next to the videos) but its media mount is read-only" in out
    assert not (tmp_path / "projects").exists()


# A stand-in for the docker CLI (no engine here) that answers what community.docker's
# docker_compose_v2 asks and records each compose call with qBittorrent's password hash in the
# file at that moment: the order of stop, write and up is then visible.
FAKE_DOCKER = r'''#!/usr/bin/env python3
import json, os, re, sys
args = sys.argv[1:]
while args and args[0].startswith("--"):
    args = args[2:] if args[0] in ("--host", "--context") else args[1:]
conf = os.environ["FAKE_QBT_CONF"]
if args[:1] == ["version"]:
    print(json.dumps({"Client": {"Version": "27.3.1", "ApiVersion": "1.47"},
                      "Server": {"Version": "27.3.1", "ApiVersion": "1.47", "MinAPIVersion": "1.24"}}))
elif args[:1] == ["info"]:
    print(json.dumps({"ServerVersion": "27.3.1"}))
elif args[:1] == ["compose"] and "version" in args:
    print(json.dumps({"version": "v2.30.3"}))
elif args[:1] == ["compose"] and "images" in args:
    print("[]")
elif args[:1] == ["compose"] and "ps" in args:
    for name in os.environ.get("FAKE_PS", "gluetun,qbittorrent").split(","):
        print(json.dumps({"Name": name, "Service": name, "State": "running", "Image": "x", "Labels": "",
                          "Names": name, "Networks": "", "Publishers": []}))
elif args[:1] == ["compose"]:
    text = open(conf).read() if os.path.exists(conf) else ""
    found = re.search(r"Password_PBKDF2=(.*)", text)
    tautulli = os.environ.get("FAKE_TAUTULLI_CONF", "")
    linked = os.path.exists(tautulli) and "pms_identifier" in open(tautulli).read()
    key = re.search(r"api_key = (.*)", open(tautulli).read()) if os.path.exists(tautulli) else None
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(json.dumps({"args": args, "hash": found.group(1) if found else None, "tautulli_linked": linked,
                              "tautulli_key": key.group(1) if key else None}) + "\n")
'''


def _fake_docker(tmp_path, **env):
    """The docker CLI stand-in first on PATH, logging each call to tmp_path/docker.log: (env, log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    (tmp_path / "systemd").mkdir()
    log = tmp_path / "docker.log"
    return dict(env, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), FAKE_DOCKER_LOG=str(log)), log


def test_qbittorrent_password_change_stops_writes_starts(tmp_path):
    # issue 17 item 6: qBittorrent rewrites its file on exit, so the file is written while it is stopped
    conf = tmp_path / "config" / "qbittorrent" / "qBittorrent" / "qBittorrent.conf"
    env, log = _fake_docker(tmp_path, FAKE_QBT_CONF=str(conf))
    variables = _download_vars(tmp_path)
    variables.update({"media_apps_enabled": ["qbittorrent", "gluetun"], "media_apps_compose_up": True,
                      "media_apps_stack_unit_enable": False})
    _run(tmp_path, variables, env=env)
    first = [json.loads(line) for line in log.read_text().splitlines()]
    old_hash = first[-1]["hash"]
    assert not any("stop" in call["args"] for call in first)  # no stack yet on the first run: nothing to stop
    log.unlink()
    variables["media_apps_passwords"] = dict(variables["media_apps_passwords"], qbittorrent="a-new-password")
    _run(tmp_path, variables, env=env)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    stops = [i for i, call in enumerate(calls) if "stop" in call["args"]]
    assert stops, calls
    assert calls[stops[0]]["args"][-1] == "qbittorrent" and calls[stops[0]]["hash"] == old_hash
    ups = [i for i, call in enumerate(calls) if "up" in call["args"] and "--no-start" not in call["args"]]
    assert ups and ups[-1] > stops[0] and calls[ups[-1]]["hash"] not in (None, old_hash)
    # unchanged password: no stop
    log.unlink()
    _run(tmp_path, variables, env=env)
    assert not any("stop" in json.loads(line)["args"] for line in log.read_text().splitlines())


# Issue 17: Tautulli linked to Plex. The Plex stand-in answers /identity as PMS does; Tautulli's
# config.ini is read back the way Tautulli reads it (plexpy/config.py: [PMS] pms_ip, pms_port,
# pms_ssl, pms_token, pms_identifier; [General] first_run_complete, http_username, http_password).
plex_standin = load_standin("plex_standin", "plex/plex_standin.py")
PLEX_TOKEN = plex_standin.TOKEN


@pytest.fixture()
def plex():
    with serving(plex_standin) as served:
        yield served


def _tautulli_vars(tmp_path, identity_url):
    variables = _download_vars(tmp_path)
    variables.update({"media_apps_enabled": ["plex", "tautulli"], "media_apps_stack": "streaming",
                      "mediastack_plex_token": PLEX_TOKEN, "media_apps_tautulli_plex_identity_url": identity_url,
                      "media_apps_passwords": {"tautulli": "test-only-tautulli-login"}})
    return variables


def _tautulli_ini(tmp_path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "config" / "tautulli" / "config.ini")
    return parser


def _pbkdf2_matches(password, stored):
    # lib/hashing_passwords.py check_hash, written again here: PBKDF2$<function>$<cost>$<salt>$<b64 hash>
    algorithm, function, cost, salt, digest = stored.split("$")
    expected = base64.b64decode(digest)
    return algorithm == "PBKDF2" and hashlib.pbkdf2_hmac(
        function, password.encode(), salt.encode(), int(cost), len(expected)) == expected


def test_tautulli_linked_to_plex(tmp_path, plex):
    url, state = plex
    (tmp_path / "systemd").mkdir()
    variables = _tautulli_vars(tmp_path, url)
    ini = tmp_path / "config" / "tautulli" / "config.ini"
    # check mode writes nothing, and its diff shows the identifier but never the token
    changed, out = _run(tmp_path, variables, extra=["--check", "--diff"])
    assert changed > 0 and not ini.exists()
    assert state.machine in out and PLEX_TOKEN not in out and "test-only-tautulli-login" not in out
    changed, out = _run(tmp_path, variables, extra=["--diff"])
    assert changed > 0
    assert PLEX_TOKEN not in out and "test-only-tautulli-login" not in out
    parser = _tautulli_ini(tmp_path)
    assert dict(parser["PMS"]) == {"pms_ip": "plex", "pms_port": "32400", "pms_ssl": "0", "pms_token": PLEX_TOKEN,
                                   "pms_identifier": state.machine}
    general = parser["General"]
    assert general["api_key"] == KEYS["tautulli"] and general["first_run_complete"] == "1"
    assert general["http_username"] == "admin" and general["http_hashed_password"] == "1"
    assert _pbkdf2_matches("test-only-tautulli-login", general["http_password"])
    assert ini.stat().st_mode & 0o777 == 0o600
    # Plex read at the address this host reaches it, without the token (/identity is open)
    assert ("GET", "/identity") in [(m, p) for m, p, _q in state.requests]
    changed, out = _run(tmp_path, variables, extra=["--diff"])
    assert changed == 0, out
    # a line Tautulli wrote itself is kept, a changed password is hashed again
    ini.write_text(ini.read_text() + "\n[Monitoring]\nmonitoring_interval = 60\n")
    variables["media_apps_passwords"] = {"tautulli": "a-new-login"}
    changed, out = _run(tmp_path, variables, extra=["--diff"])
    assert changed > 0 and "a-new-login" not in out
    parser = _tautulli_ini(tmp_path)
    assert _pbkdf2_matches("a-new-login", parser["General"]["http_password"])
    assert parser["Monitoring"]["monitoring_interval"] == "60"


def test_tautulli_without_a_login_leaves_the_wizard(tmp_path, plex):
    url, state = plex
    (tmp_path / "systemd").mkdir()
    variables = _tautulli_vars(tmp_path, url)
    variables["media_apps_passwords"] = {}
    _run(tmp_path, variables)
    parser = _tautulli_ini(tmp_path)
    assert parser["PMS"]["pms_identifier"] == state.machine
    assert "first_run_complete" not in parser["General"] and "http_password" not in parser["General"]


def test_tautulli_plex_down_warns_and_changes_nothing(tmp_path):
    (tmp_path / "systemd").mkdir()
    variables = _tautulli_vars(tmp_path, "http://127.0.0.1:%d" % free_port())
    _run(tmp_path, variables)
    changed, out = _run(tmp_path, variables)
    assert changed == 0, out
    assert "Tautulli is not linked to Plex yet: Plex did not answer at http://127.0.0.1:" in out
    assert "Run again once Plex is up" in out and PLEX_TOKEN not in out
    parser = _tautulli_ini(tmp_path)
    assert "PMS" not in parser and parser["General"]["api_key"] == KEYS["tautulli"]


def test_tautulli_stopped_before_its_link_is_written(tmp_path, plex):
    # Tautulli writes its whole config from memory when it stops (plexpy/__init__.py shutdown)
    url, _state = plex
    env, log = _fake_docker(tmp_path, FAKE_QBT_CONF=str(tmp_path / "none"), FAKE_PS="plex,tautulli",
                            FAKE_TAUTULLI_CONF=str(tmp_path / "config" / "tautulli" / "config.ini"))
    variables = _tautulli_vars(tmp_path, "http://127.0.0.1:%d" % free_port())  # Plex not up yet
    variables.update({"media_apps_compose_up": True, "media_apps_stack_unit_enable": False})
    _run(tmp_path, variables, env=env)
    assert not any("stop" in json.loads(line)["args"] for line in log.read_text().splitlines())
    log.unlink()
    variables["media_apps_tautulli_plex_identity_url"] = url  # Plex answers now
    _run(tmp_path, variables, env=env)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    stops = [i for i, call in enumerate(calls) if "stop" in call["args"]]
    assert stops and calls[stops[0]]["args"][-1] == "tautulli" and not calls[stops[0]]["tautulli_linked"], calls
    ups = [i for i, call in enumerate(calls) if "up" in call["args"] and "--no-start" not in call["args"]]
    assert ups and ups[-1] > stops[0] and calls[ups[-1]]["tautulli_linked"]
    log.unlink()
    changed, out = _run(tmp_path, variables, env=env)
    assert not any("stop" in json.loads(line)["args"] for line in log.read_text().splitlines()), out


def test_tautulli_stopped_before_its_api_key_is_written(tmp_path):
    # the same for the API key: a key written while Tautulli runs is lost when it stops
    env, log = _fake_docker(tmp_path, FAKE_QBT_CONF=str(tmp_path / "none"), FAKE_PS="tautulli",
                            FAKE_TAUTULLI_CONF=str(tmp_path / "config" / "tautulli" / "config.ini"))
    variables = _download_vars(tmp_path)
    variables.update({"media_apps_enabled": ["tautulli"], "media_apps_stack": "streaming",
                      "media_apps_compose_up": True, "media_apps_stack_unit_enable": False})
    _run(tmp_path, variables, env=env)
    assert not any("stop" in json.loads(line)["args"] for line in log.read_text().splitlines())
    log.unlink()
    new_key = "fedcba9876543210fedcba9876543210"
    variables["mediastack_api_keys"] = dict(variables["mediastack_api_keys"], tautulli=new_key)
    _run(tmp_path, variables, env=env)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    stops = [i for i, call in enumerate(calls) if "stop" in call["args"]]
    assert stops and calls[stops[0]]["args"][-1] == "tautulli", calls
    assert calls[stops[0]]["tautulli_key"] == KEYS["tautulli"]  # stopped before the new key is written
    ups = [i for i, call in enumerate(calls) if "up" in call["args"] and "--no-start" not in call["args"]]
    assert ups and ups[-1] > stops[0] and calls[ups[-1]]["tautulli_key"] == new_key
    log.unlink()
    changed, out = _run(tmp_path, variables, env=env)
    assert changed == 0, out
    assert not any("stop" in json.loads(line)["args"] for line in log.read_text().splitlines()), out

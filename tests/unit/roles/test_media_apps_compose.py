"""The compose runtime of media_apps without a Docker engine (media_apps_compose_up=false).

ansible-playbook runs the role on localhost into a temporary folder: seed 004's download stack
(qBittorrent behind Gluetun) is written, checked against the Compose Specification schema, its
secrets and pre-seeded config are asserted, and a second run changes nothing.
"""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[3]
# Upstream data stays upstream: the Compose Specification schema from the reference tree beside the
# repository (CI has it there), never a copy in the repository.
SCHEMA = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference")) / "k8s" / "compose-spec.json"
KEYS = {"sonarr": "0123456789abcdef0123456789abcdef", "radarr": "0123456789abcdef0123456789abcdea",
        "prowlarr": "0123456789abcdef0123456789abcdeb", "sabnzbd": "0123456789abcdef0123456789abcdec"}
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.mediastack.media_apps
"""


def _run(tmp_path, variables):
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(tmp_path / "play.yml"),
                             "-e", "@%s" % (tmp_path / "vars.json"), "-e", "ansible_python_interpreter=%s" % sys.executable],
                            capture_output=True, text=True, env=env, check=False, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", out).group(1)), out


def test_download_stack_rendered_without_an_engine(tmp_path):
    uid, gid = os.getuid(), os.getgid()
    variables = {
        "media_apps_runtime": "compose", "media_apps_stack": "download", "media_apps_media_mode": "rw",
        "media_apps_enabled": ["sabnzbd", "qbittorrent", "radarr", "sonarr", "prowlarr", "flaresolverr", "gluetun"],
        "media_apps_overrides": {"qbittorrent": {"vpn": True}},
        "media_apps_docker_install": False, "media_apps_compose_up": False,
        "media_apps_config_root": str(tmp_path / "config"), "media_apps_project_root": str(tmp_path / "projects"),
        "media_apps_uid": str(uid), "media_apps_gid": str(gid),
        "mediastack_api_keys": KEYS, "media_apps_passwords": {"qbittorrent": "test-only-password"},
        "media_apps_vpn_secrets": {"WIREGUARD_PRIVATE_KEY": "test-only-wg-key"},
        "media_apps_vpn_outbound_subnets": ["192.0.2.0/24"],
    }
    changed, _out = _run(tmp_path, variables)
    assert changed > 0
    project_dir = tmp_path / "projects" / "download"
    text = (project_dir / "compose.yaml").read_text()
    project = yaml.safe_load(text)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(project)
    assert project["services"]["qbittorrent"]["network_mode"] == "service:gluetun"
    for secret in list(KEYS.values()) + ["test-only-password", "test-only-wg-key"]:
        assert secret not in text
    env_file = project_dir / "secrets.env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    env = env_file.read_text()
    assert "SONARR__AUTH__APIKEY=%s" % KEYS["sonarr"] in env and "WIREGUARD_PRIVATE_KEY=test-only-wg-key" in env
    config = tmp_path / "config"
    assert ET.fromstring((config / "sonarr" / "config.xml").read_text()).findtext("ApiKey") == KEYS["sonarr"]
    assert "api_key = %s" % KEYS["sabnzbd"] in (config / "sabnzbd" / "sabnzbd.ini").read_text()
    qbt = (config / "qbittorrent" / "qBittorrent" / "qBittorrent.conf").read_text()
    assert 'WebUI\\Password_PBKDF2="@ByteArray(' in qbt and "test-only-password" not in qbt
    # the second run compares and changes nothing
    changed, out = _run(tmp_path, variables)
    assert changed == 0, out

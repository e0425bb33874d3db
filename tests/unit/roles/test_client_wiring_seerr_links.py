"""client_wiring: how Seerr reaches each *arr app (issue 17 item 11).

Seed 004 runs Seerr on the streaming VM and Sonarr/Radarr on the download VM: the app's name
(its API key, its category) cannot also be the host name Seerr uses. ansible-playbook renders the
role's Seerr server list and runs its preflight on localhost (no app is called).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

ROLE = ROOT / "roles" / "client_wiring"
KEYS = {"sonarr": "0123456789abcdef0123456789abcdef", "radarr": "0123456789abcdef0123456789abcdea",
        "sonarr4k": "0123456789abcdef0123456789abcdeb"}
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars_files: [%(defaults)s]
  tasks:
    - name: Render Seerr's servers
      ansible.builtin.copy:
        content: "{{ lookup('ansible.builtin.template', '%(template)s', template_vars={'kind': 'sonarr'}) | from_yaml | to_json }}"
        dest: "%(out)s"
      delegate_to: localhost
    - name: Categories (the preflight needs them)
      ansible.builtin.set_fact:
        _client_wiring_categories: "{{ lookup('ansible.builtin.template', '%(categories)s') | from_yaml }}"
    - name: Preflight
      ansible.builtin.import_tasks: %(preflight)s
"""


def _run(tmp_path, apps):
    out = tmp_path / "servers.json"
    (tmp_path / "play.yml").write_text(PLAY % {
        "defaults": ROLE / "defaults" / "main.yml", "template": ROLE / "templates" / "seerr_servers.yml.j2",
        "categories": ROLE / "templates" / "categories.yml.j2", "preflight": ROLE / "tasks" / "preflight.yml",
        "out": out})
    (tmp_path / "vars.json").write_text(json.dumps({"client_wiring_apps": apps, "mediastack_api_keys": KEYS}))
    result = run_playbook(tmp_path / "play.yml", "-e", "@%s" % (tmp_path / "vars.json"))
    return result.returncode, result.stdout + result.stderr, (json.loads(out.read_text()) if out.exists() else None)


def test_seerr_reaches_an_arr_app_on_another_host(tmp_path):
    apps = [{"name": "sonarr", "kind": "sonarr", "media_type": "tv", "url": "https://download-vm.lan:8989/sonarr/"},
            {"name": "sonarr4k", "kind": "sonarr", "media_type": "tv", "host": "download-vm", "port": 8990, "is_4k": True}]
    rc, out, servers = _run(tmp_path, apps)
    assert rc == 0, out
    assert servers[0] == dict(servers[0], name="sonarr", hostname="download-vm.lan", port=8989, use_ssl=True,
                              base_url="/sonarr", api_key=KEYS["sonarr"])
    assert servers[1]["hostname"] == "download-vm" and servers[1]["port"] == 8990 and not servers[1]["use_ssl"]


def test_name_stays_the_host_by_default(tmp_path):
    apps = [{"name": "sonarr", "kind": "sonarr", "media_type": "tv", "port": 8989}]
    rc, out, servers = _run(tmp_path, apps)
    assert rc == 0, out
    assert (servers[0]["hostname"], servers[0]["port"], servers[0]["base_url"]) == ("sonarr", 8989, "")


def test_loopback_url_refused(tmp_path):
    apps = [{"name": "sonarr", "kind": "sonarr", "media_type": "tv", "url": "http://127.0.0.1:8989"}]
    rc, out, _servers = _run(tmp_path, apps)
    assert rc == 2 and "127.0.0.1 would point Seerr at itself" in out, out

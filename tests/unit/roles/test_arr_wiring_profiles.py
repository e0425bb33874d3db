"""The arr_wiring role applies arr_wiring_profiles (seed 004's Recyclarr setup with the
original-language rule) to Sonarr and Radarr stand-ins: ansible-playbook on localhost, --check
first (nothing written), then a run, then a rerun with changed=0 and no writes."""

import json
import os
import re
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, load_standin, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
arr_standin = load_standin("arr_standin_role_profiles", "arr/arr_standin.py")
KEYS = {"sonarr": "1" * 32, "radarr": "2" * 32}

pytestmark = pytest.mark.skipif(not (REFERENCE / "trash" / "json").is_dir(), reason="TRaSH reference data not found")


def requests(url):
    with urllib.request.urlopen(url + "/__standin/requests", timeout=10) as resp:
        return json.loads(resp.read())


def playbook(tmp_path, extra, check=False):
    (tmp_path / "play.yml").write_text("- hosts: localhost\n  gather_facts: false\n  roles:\n"
                                       "    - role: homelab.mediastack.arr_wiring\n")
    (tmp_path / "vars.json").write_text(json.dumps(extra))
    result = run_playbook(tmp_path / "play.yml", "-e", "@" + str(tmp_path / "vars.json"), "--diff",
                          *(["--check"] if check else []), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout


def test_role_applies_seed004_profiles(tmp_path):
    servers = {}
    try:
        for app in ("sonarr", "radarr"):
            server, _arr = arr_standin.make_server(app, 0, KEYS[app], str(tmp_path / "state"), bind="127.0.0.1")
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
            servers[app] = server
        urls = dict((app, "http://127.0.0.1:%d" % s.server_address[1]) for app, s in servers.items())
        data = tmp_path / "data"
        for sub in ("media/tv", "media/movies"):
            (data / sub).mkdir(parents=True)
        seed = yaml.safe_load((ROOT / "inventory" / "seed-004" / "group_vars" / "all" / "arr_profiles.yml").read_text())
        extra = {"mediastack_api_keys": KEYS, "arr_wiring_data_root": str(data),
                 "arr_wiring_apps": [{"name": app, "url": url} for app, url in urls.items()],
                 "arr_wiring_profiles": seed["arr_wiring_profiles"],
                 "arr_wiring_trash_guide": str(REFERENCE / "trash"),
                 "arr_wiring_profiles_state_dir": str(tmp_path / "profiles-state")}
        out = playbook(tmp_path, extra, check=True)
        assert "score Language: Not Original" in out  # the diff names formats, not ids
        for url in urls.values():
            counts = requests(url)["byMethod"]
            assert not set(counts) & {"POST", "PUT", "DELETE"}, counts
        playbook(tmp_path, extra)
        for url in urls.values():
            urllib.request.urlopen(urllib.request.Request(url + "/__standin/requests", method="DELETE"), timeout=10)
        out = playbook(tmp_path, extra)
        assert re.search(r"localhost\s+:\s+ok=\d+\s+changed=0", out), out[-2000:]
        for url in urls.values():
            counts = requests(url)["byMethod"]
            assert set(counts) == {"GET"}, counts
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()

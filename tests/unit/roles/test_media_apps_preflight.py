"""The media_apps preflight, run by Ansible on localhost with bad inventories.

Each inventory must be refused before anything is changed, with a message naming the app. This
exercises the role's wiring (facts, the storage layer's nfs_client_mounts, paths_on_nfs), not
only the Python checks (tests/unit/plugins/module_utils/test_media_apps.py).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import role_play, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

KEY = "0123456789abcdef0123456789abcdef"
PLAY = role_play("homelab.mediastack.media_apps")
BASE = {"mediastack_api_keys": {"sonarr": KEY, "sabnzbd": KEY},
        "media_apps_passwords": {"qbittorrent": "test-only", "nzbget": "test-only"},
        "media_apps_docker_install": False}

CASES = {
    "config_on_nfs": ({"media_apps_runtime": "native", "media_apps_enabled": ["qbittorrent"],
                       "media_apps_config_root": "/srv/nfs-config/apps",
                       "nfs_client_mounts": [{"server": "192.0.2.20", "export": "/tank/config",
                                              "mount": "/srv/nfs-config"}]},
                      "qbittorrent: its config /srv/nfs-config/apps/qbittorrent is on the NFS mount /srv/nfs-config"),
    "port_twice": ({"media_apps_runtime": "compose", "media_apps_enabled": ["qbittorrent", "sabnzbd"],
                    "media_apps_overrides": {"sabnzbd": {"ports": [{"port": 8080}]}}},
                   "sabnzbd: port 8080/tcp is already used by qbittorrent on localhost"),
    "lb_ip_outside_pool": ({"media_apps_runtime": "kubernetes", "media_apps_enabled": ["sonarr"],
                            "mediastack_metallb_addresses": ["192.0.2.150-192.0.2.165"],
                            "media_apps_overrides": {"sonarr": {"lb_ip": "192.0.2.200"}}},
                           "sonarr: LoadBalancer IP 192.0.2.200 is outside the MetalLB pool"),
    "memory_floor": ({"media_apps_runtime": "compose", "media_apps_enabled": ["flaresolverr"],
                      "media_apps_overrides": {"flaresolverr": {"resources": {"limits": {"memory": "512Mi"}}}}},
                     "flaresolverr: memory limit 512Mi is below its floor 1Gi"),
    "missing_api_key": ({"media_apps_runtime": "compose", "media_apps_enabled": ["radarr"]},
                        "radarr: needs an API key chosen before its first start"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_inventory_is_refused(case, tmp_path):
    extra, message = CASES[case]
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps(dict(BASE, **extra)))
    result = run_playbook(tmp_path / "play.yml", "-e", "@%s" % (tmp_path / "vars.json"))
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert message in " ".join(out.split()), out
    # refused in the preflight: no deployment task ran
    assert "media_apps : Deploy the apps with the runtime" not in out

"""doctor: where each host's media tree is read (seeds 003 and 004).

The NAS side of the tree is where the storage layer made it (nas_storage_data_root): seed 003's
pve has it at /srv/media, seed 004's pve at /media; the apps' hosts see it at the data root
(/data in seed 003's containers, /mnt/media on seed 004's VMs). A doctor that read the NAS at the
apps' path reported a missing or root-owned tree on a healthy NAS. ansible-playbook renders the
role's default doctor_data_root for every host of the seed's inventory, on localhost (no host is
reached).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

PLAY = """
- hosts: all
  connection: local
  gather_facts: false
  vars_files: [%(defaults)s]
  tasks:
    - name: Render the doctor's data root of each host
      ansible.builtin.copy:
        content: "{{ doctor_data_root | to_json }}"
        dest: "%(out)s/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""


def _data_roots(tmp_path, inventory):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "play.yml").write_text(PLAY % {"defaults": ROOT / "roles" / "doctor" / "defaults" / "main.yml",
                                               "out": out})
    result = run_playbook(tmp_path / "play.yml", "-i", ROOT / "inventory" / inventory)
    assert result.returncode == 0, result.stdout + result.stderr
    return {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}


@pytest.mark.parametrize("inventory, expected", [
    # pve keeps the tree on its own disk at /srv/media; the containers get it at /data (bind mounts).
    ("seed-003", {"pve": "/srv/media", "jellyfin": "/data", "qbittorrent": "/data"}),
    # pve's dataset tank/media at /media; the VMs mount the export at /mnt/media.
    ("seed-004", {"pve": "/media", "download-stack": "/mnt/media", "streaming-stack": "/mnt/media"}),
])
def test_nas_read_at_its_own_tree_apps_hosts_at_the_data_root(tmp_path, inventory, expected):
    assert _data_roots(tmp_path, inventory) == expected

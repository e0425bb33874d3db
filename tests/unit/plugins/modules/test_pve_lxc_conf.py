"""pve_lxc_conf: the owning node's config file on any cluster node, and Proxmox's config lock (issue 14, point 14)."""

import fcntl

import pytest

from ansible_collections.homelab.mediastack.plugins.modules import pve_lxc_conf


class Failed(Exception):
    pass


class FakeModule:
    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def test_config_file_of_another_node():
    assert pve_lxc_conf.conf_file({"vmid": 159, "node": "pve2", "conf_dir": None}) == "/etc/pve/nodes/pve2/lxc/159.conf"
    assert pve_lxc_conf.conf_file({"vmid": 159, "node": None, "conf_dir": None}) == "/etc/pve/lxc/159.conf"


def test_lock_is_the_pct_flock_and_waits_for_it(tmp_path):
    holder = open(tmp_path / "pve-config-159.lock", "a")  # what pct set holds while it writes
    fcntl.flock(holder, fcntl.LOCK_EX)
    with pytest.raises(Failed) as info:
        pve_lxc_conf.config_lock(FakeModule(), 159, 0.3, lock_dir=str(tmp_path))
    assert "can't lock file" in info.value.args[0]["msg"] and "got timeout" in info.value.args[0]["msg"]
    holder.close()
    lock = pve_lxc_conf.config_lock(FakeModule(), 159, 0.3, lock_dir=str(tmp_path))
    other = open(tmp_path / "pve-config-159.lock", "a")
    with pytest.raises(OSError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while the module writes
    lock.close()
    other.close()

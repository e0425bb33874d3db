"""gpu_lxc_devices: a container's devN entries from the node's devices and the container's groups
(issue 14 item 5: group ids discovered, not typed; NVIDIA's root-owned 0666 nodes)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.mediastack.plugins.filter.proxmox import FilterModule, gpu_lxc_devices

# getent group inside a Debian 12 container: render and video have other ids than on the node.
CT_GROUPS = ["root:x:0:", "video:x:44:", "render:x:105:", "media:x:2000:jellyfin"]


def read(path, major, minor, group, mode):
    return {"item": path, "stdout_lines": ["file", "%x %x %s %s" % (major, minor, group, mode)]}


def test_registered_under_its_name():
    assert FilterModule().filters()["gpu_lxc_devices"] is gpu_lxc_devices


def test_gid_of_the_nodes_group_name_inside_the_container():
    # On the node renderD128 is group render (993 there); inside the container render is 105.
    reads = [read("/dev/dri/renderD128", 226, 128, "render", "660"), read("/dev/dri/card0", 226, 0, "video", "660")]
    assert gpu_lxc_devices(reads, CT_GROUPS) == {"dev0": "/dev/dri/renderD128,gid=105,mode=0660",
                                                 "dev1": "/dev/dri/card0,gid=44,mode=0660"}


def test_nvidia_nodes_stay_root_with_the_nodes_mode():
    reads = [read("/dev/nvidia0", 195, 0, "root", "666"), read("/dev/nvidiactl", 195, 255, "root", "666"),
             read("/dev/nvidia-uvm", 508, 0, "root", "666")]
    assert gpu_lxc_devices(reads, CT_GROUPS, first_index=2) == {
        "dev2": "/dev/nvidia0,mode=0666", "dev3": "/dev/nvidiactl,mode=0666", "dev4": "/dev/nvidia-uvm,mode=0666"}


def test_given_gid_and_mode_win():
    reads = [read("/dev/dri/renderD128", 226, 128, "render", "660")]
    assert gpu_lxc_devices(reads, CT_GROUPS, gid=104, mode="0666") == {"dev0": "/dev/dri/renderD128,gid=104,mode=0666"}


def test_group_missing_in_the_container_says_what_to_do():
    reads = [read("/dev/dri/renderD128", 226, 128, "render", "660")]
    with pytest.raises(AnsibleFilterError, match=r"group render on the node, and container 156 has no group.*groupadd"):
        gpu_lxc_devices(reads, ["root:x:0:", "video:x:44:"], vmid=156)


def test_a_folder_is_not_one_device():
    reads = [{"item": "/dev/dri", "stdout_lines": ["dir", "e2 80 render 660", "e2 0 video 660"]}]
    with pytest.raises(AnsibleFilterError, match="method raw for a folder"):
        gpu_lxc_devices(reads, CT_GROUPS)

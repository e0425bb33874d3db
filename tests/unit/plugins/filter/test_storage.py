"""paths_on_nfs: which paths lie at or below an NFS mount (path components, not string prefix)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.mediastack.plugins.filter.storage import FilterModule, paths_on_nfs

FACTS = [
    {"mount": "/", "fstype": "ext4", "device": "/dev/sda1"},
    {"mount": "/mnt/docker", "fstype": "nfs4", "device": "198.51.100.184:/tank/docker/download-stack"},
    {"mount": "/mnt/media", "fstype": "nfs", "device": "198.51.100.184:/media"},
    {"mount": "/srv/local", "fstype": "xfs", "device": "/dev/sdb1"},
]


def test_registered_under_its_name():
    assert FilterModule().filters()["paths_on_nfs"] is paths_on_nfs


def test_config_below_an_nfs_mount_is_reported_with_its_mount():
    result = paths_on_nfs({"sonarr": "/mnt/docker/sonarr", "radarr": "/srv/mediastack/config/radarr"}, FACTS)
    assert result == [{"label": "sonarr", "path": "/mnt/docker/sonarr", "mount": "/mnt/docker"}]


def test_the_mount_point_itself_counts():
    assert paths_on_nfs({"x": "/mnt/media"}, FACTS) == [{"label": "x", "path": "/mnt/media", "mount": "/mnt/media"}]


def test_component_aware_not_string_prefix():
    assert paths_on_nfs({"a": "/mnt/media2/x", "b": "/mnt/dockerfiles"}, FACTS) == []


def test_local_filesystems_are_ignored_even_at_root():
    assert paths_on_nfs({"a": "/srv/local/app", "b": "/opt/app"}, FACTS) == []


def test_plain_strings_are_nfs_mount_points():
    result = paths_on_nfs({"bazarr": "/data/config/bazarr/", "jellyfin": "/var/lib/jellyfin"}, ["/data"])
    assert result == [{"label": "bazarr", "path": "/data/config/bazarr/", "mount": "/data"}]


def test_paths_are_normalised_before_matching():
    result = paths_on_nfs({"a": "/srv/../mnt/./docker//a"}, ["/mnt/docker/"])
    assert result == [{"label": "a", "path": "/srv/../mnt/./docker//a", "mount": "/mnt/docker"}]


def test_deepest_nfs_mount_wins():
    result = paths_on_nfs({"a": "/mnt/media/tv/x"}, ["/mnt/media", "/mnt/media/tv", "/mnt"])
    assert result[0]["mount"] == "/mnt/media/tv"


def test_nfs_root_mount_holds_everything():
    assert paths_on_nfs({"a": "/anything"}, [{"mount": "/", "fstype": "nfs4"}])[0]["mount"] == "/"


def test_missing_fstype_counts_as_nfs_and_results_are_sorted_by_label():
    result = paths_on_nfs({"z": "/m/z", "a": "/m/a"}, [{"mount": "/m"}])
    assert [r["label"] for r in result] == ["a", "z"]


def test_empty_inputs_and_empty_paths():
    assert paths_on_nfs({}, FACTS) == []
    assert paths_on_nfs(None, FACTS) == []
    assert paths_on_nfs({"a": "/mnt/docker/a"}, []) == []
    assert paths_on_nfs({"a": "/mnt/docker/a"}, None) == []
    assert paths_on_nfs({"a": "", "b": None}, FACTS) == []


@pytest.mark.parametrize("paths, mounts, words", [
    (["/a"], FACTS, "dict of label -> path"),
    ({"a": "relative/path"}, FACTS, "absolute path"),
    ({"a": 3}, FACTS, "non-empty path string"),
    ({"a": "/x"}, [42], "mount point string or a dict"),
    ({"a": "/x"}, [{"fstype": "nfs"}], 'no "mount" key'),
    ({"a": "/x"}, ["relative"], "absolute path"),
])
def test_bad_input_fails_with_a_clear_message(paths, mounts, words):
    with pytest.raises(AnsibleFilterError, match=words.replace("(", r"\(").replace(">", ">")):
        paths_on_nfs(paths, mounts)


EXPORTS = """# Managed by Ansible
/data storage-download(rw,sync,no_subtree_check) storage-streaming(ro,sync,no_subtree_check)
/tank/docker/download-stack 192.0.2.31(rw,sync)
"/srv/with space" *.example.com(rw)
/pub *(ro) 198.51.100.0/24(rw)
/net @media(rw)
"""


@pytest.mark.parametrize("path, names, exported, access", [
    ("/data", ["storage-download", "192.0.2.99"], True, "rw"),
    ("/data/", ["storage-streaming"], True, "ro"),
    ("/data", ["storage-other"], True, None),
    ("/tank/docker/download-stack", ["dl", "192.0.2.31"], True, "rw"),
    ("/tank/docker/streaming-stack", ["192.0.2.31"], False, None),
    ("/srv/with space", ["nas.example.com"], True, "rw"),
    ("/pub", ["198.51.100.7"], True, "ro"),  # first match wins: * before the network
    ("/net", ["anything"], True, None),
])
def test_nfs_export_access(path, names, exported, access):
    from ansible_collections.homelab.mediastack.plugins.filter.storage import nfs_export_access
    result = nfs_export_access(EXPORTS, path, names)
    assert result["exported"] is exported
    assert result["access"] == access


def test_nfs_export_access_lists_clients_and_accepts_one_name():
    from ansible_collections.homelab.mediastack.plugins.filter.storage import nfs_export_access
    result = nfs_export_access(EXPORTS, "/data", "storage-streaming")
    assert result == {"exported": True, "access": "ro", "clients": ["storage-download", "storage-streaming"]}
    assert nfs_export_access("", "/data", ["x"]) == {"exported": False, "access": None, "clients": []}

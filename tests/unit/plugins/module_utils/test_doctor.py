"""The doctor's storage and credential checks, on real folders in a temporary tree and on
mountinfo text in the kernel's format (proc(5))."""

import errno
import json
import os
import stat as stat_mod
from collections import namedtuple

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _doctor as doctor

# A download host as seed 004 had it: / on ext4, the media tree one NFS mount, and (the failure
# seed 002 hit) a second NFS mount for the downloads, plus a config folder on NFS.
MOUNTINFO = (
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "40 22 0:50 / /mnt/media rw,noatime shared:30 - nfs4 192.0.2.20:/tank/media "
    "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,soft,proto=tcp,timeo=150,retrans=3,sec=sys\n"
    "41 22 0:51 / /mnt/media/torrents rw,noatime shared:31 - nfs4 192.0.2.20:/tank/torrents "
    "rw,vers=4.2,soft,proto=tcp,timeo=600,retrans=2,sec=sys\n"
    "42 22 0:52 / /srv/mediastack/config rw,relatime shared:32 - nfs4 192.0.2.20:/tank/config rw,vers=4.2\n"
    "43 22 0:53 / /mnt/with\\040space rw - ext4 /dev/sdb1 rw\n"
)


def test_parse_mountinfo_reads_fstype_source_and_superblock_options():
    mounts = doctor.parse_mountinfo(MOUNTINFO)
    media = [m for m in mounts if m["mount"] == "/mnt/media"][0]
    assert media["fstype"] == "nfs4"
    assert media["source"] == "192.0.2.20:/tank/media"
    assert "vers=4.2" in media["options"] and "noatime" in media["options"] and "soft" in media["options"]
    assert "/mnt/with space" in [m["mount"] for m in mounts]


def test_mount_of_is_the_longest_prefix_not_a_string_prefix():
    mounts = doctor.parse_mountinfo(MOUNTINFO)
    assert doctor.mount_of("/mnt/media/torrents/tv", mounts)["mount"] == "/mnt/media/torrents"
    assert doctor.mount_of("/mnt/media/movies", mounts)["mount"] == "/mnt/media"
    # /mnt/mediafoo is not under /mnt/media
    assert doctor.mount_of("/mnt/mediafoo", mounts)["mount"] == "/"


def test_missing_options_knows_the_kernel_spells_nfsvers_as_vers():
    actual = ["rw", "vers=4.2", "soft", "timeo=150", "retrans=3", "noatime"]
    assert doctor.missing_options(["rw", "nfsvers=4.2", "soft", "timeo=150", "retrans=3", "noatime"], actual) == []
    assert doctor.missing_options(["nfsvers=4.1", "hard"], actual) == ["nfsvers=4.1", "hard"]


def _tree(tmp_path, gid=None, mode=0o2775):
    root = tmp_path / "data"
    for folder in ("torrents", "usenet", "media"):
        (root / folder).mkdir(parents=True)
    for path in [root] + [root / f for f in ("torrents", "usenet", "media")]:
        os.chmod(path, mode)
    return root


def test_same_filesystem_ok_on_one_filesystem(tmp_path):
    root = _tree(tmp_path)
    findings = doctor.StorageDoctor(MOUNTINFO).same_filesystem(str(root), ["torrents", "usenet"], "media")
    assert [f["status"] for f in findings] == ["ok", "ok"]


def test_same_filesystem_fails_when_downloads_are_another_device(tmp_path):
    root = _tree(tmp_path)
    real_stat = os.stat

    def stat(path):
        st = real_stat(path)
        if path.endswith("torrents"):
            fields = list(st)
            fields[stat_mod.ST_DEV] = st.st_dev + 1
            return os.stat_result(fields)
        return st

    findings = doctor.StorageDoctor(MOUNTINFO, stat=stat).same_filesystem(str(root), ["torrents", "usenet"], "media")
    by_where = {os.path.basename(f["where"]): f for f in findings}
    assert by_where["torrents"]["status"] == "fail"
    assert "hardlink" in by_where["torrents"]["message"] and by_where["torrents"]["fix"]
    assert by_where["usenet"]["status"] == "ok"


def test_same_filesystem_skips_a_download_folder_the_host_does_not_have(tmp_path):
    root = _tree(tmp_path)
    (root / "usenet").rmdir()
    findings = doctor.StorageDoctor(MOUNTINFO).same_filesystem(str(root), ["torrents", "usenet"], "media")
    assert [os.path.basename(f["where"]) for f in findings] == ["torrents"]


def test_same_filesystem_fails_without_a_library(tmp_path):
    root = tmp_path / "nothing"
    findings = doctor.StorageDoctor(MOUNTINFO).same_filesystem(str(root), ["torrents"], "media")
    assert findings[0]["status"] == "fail" and "--tags storage" in findings[0]["fix"]


def test_config_on_nfs_fails_and_local_config_passes():
    checker = doctor.StorageDoctor(MOUNTINFO)
    findings = checker.config_off_network({"sonarr": "/srv/mediastack/config/sonarr", "radarr": "/opt/radarr"})
    status = {f["where"]: f["status"] for f in findings}
    assert status == {"/srv/mediastack/config/sonarr": "fail", "/opt/radarr": "ok"}
    failed = [f for f in findings if f["status"] == "fail"][0]
    assert "192.0.2.20:/tank/config" in failed["message"] and "mediastack_config_root" in failed["fix"]


def test_config_under_a_declared_nfs_mount_fails_even_when_it_is_not_mounted():
    # The inventory mounts 192.0.2.20:/tank/docker at /mnt/docker, which is not mounted right now
    # (/mnt/docker is on the root filesystem): a config folder there is on NFS whenever it is up.
    checker = doctor.StorageDoctor(MOUNTINFO)
    declared = [{"server": "192.0.2.20", "export": "/tank/docker", "mount": "/mnt/docker"},
                {"server": "192.0.2.20", "export": "/data", "mount": "/mnt/media"}]
    findings = checker.config_off_network(
        {"sonarr": "/mnt/docker/sonarr", "radarr": "/opt/radarr", "lidarr": "/mnt/dockerish/lidarr"}, declared)
    status = {f["where"]: f["status"] for f in findings}
    assert status == {"/mnt/docker/sonarr": "fail", "/opt/radarr": "ok", "/mnt/dockerish/lidarr": "ok"}
    failed = [f for f in findings if f["status"] == "fail"][0]
    assert "under /mnt/docker" in failed["message"] and "192.0.2.20:/tank/docker" in failed["message"]
    # without the inventory's mounts, the same folders are judged by what is mounted only
    assert all(f["status"] == "ok" for f in checker.config_off_network({"sonarr": "/mnt/docker/sonarr"}))


def test_nfs_mount_options_missing_unmounted_and_ok(tmp_path):
    checker = doctor.StorageDoctor(MOUNTINFO, stat=lambda p: os.stat(str(tmp_path)))
    wanted = doctor.expected_mounts(
        [{"mount": "/mnt/media"}, {"mount": "/mnt/media/torrents"}, {"mount": "/mnt/other"}],
        ["nfsvers=4.2", "soft", "timeo=150", "retrans=3", "noatime"], "rw")
    findings = {f["where"]: f for f in checker.nfs_mounts(wanted)}
    assert findings["/mnt/media"]["status"] == "ok"
    assert findings["/mnt/media/torrents"]["status"] == "fail"
    assert "timeo=150" in findings["/mnt/media/torrents"]["message"]
    assert findings["/mnt/other"]["status"] == "fail" and "nothing mounted" in findings["/mnt/other"]["message"]


def test_nfs_mount_stale_handle_is_named():
    def stale(_path):
        raise OSError(errno.ESTALE, "Stale file handle")

    checker = doctor.StorageDoctor(MOUNTINFO, stat=stale)
    findings = checker.nfs_mounts([{"mount": "/mnt/media", "options": ["rw"]}])
    assert findings[0]["status"] == "fail" and "Stale file handle" in findings[0]["message"]


def test_expected_mounts_item_options_replace_defaults_and_access_is_kept():
    out = doctor.expected_mounts([{"mount": "/a", "access": "ro", "options": ["hard"]}, {"mount": "/b"}],
                                 ["soft"], "rw")
    assert out == [{"mount": "/a", "options": ["ro", "hard"]}, {"mount": "/b", "options": ["rw", "soft"]}]


def test_ownership_group_and_group_write(tmp_path):
    root = _tree(tmp_path)
    gid = os.stat(str(root)).st_gid
    checker = doctor.StorageDoctor(MOUNTINFO)
    assert {f["status"] for f in checker.ownership(str(root), ["torrents", "media"], gid)} == {"ok"}
    os.chmod(str(root / "media"), 0o2755)
    bad = [f for f in checker.ownership(str(root), ["torrents", "media"], gid) if f["status"] == "fail"]
    assert [os.path.basename(f["where"]) for f in bad] == ["media"]
    assert "not group-writable" in bad[0]["message"]
    wrong_gid = [f for f in checker.ownership(str(root), ["torrents"], gid + 1) if f["status"] == "fail"]
    assert len(wrong_gid) == 2 and "not the media group" in wrong_gid[0]["message"]


VFS = namedtuple("VFS", "f_blocks f_frsize f_bavail")


@pytest.mark.parametrize("free, status", [(50, "ok"), (5, "warn"), (1, "fail")])
def test_free_space_thresholds(free, status):
    checker = doctor.StorageDoctor(MOUNTINFO, statvfs=lambda p: VFS(100, 4096, free))
    assert checker.free_space("/data", 10, 2)[0]["status"] == status


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_credentials_read_the_apps_own_files(tmp_path):
    cfg = tmp_path / "config"
    _write(cfg / "qbittorrent" / "qBittorrent" / "qBittorrent.conf",
           "[Preferences]\nWebUI\\Port=8080\n")  # never given a password: temporary one in the log
    _write(cfg / "nzbget" / "nzbget.conf", "ControlUsername=nzbget\nControlPassword=tegbzn6789\n")
    _write(cfg / "sabnzbd" / "sabnzbd.ini", "[misc]\napi_key = 00112233445566778899aabbccddeeff\n")
    paths = {app: str(cfg / app) for app in ("qbittorrent", "nzbget", "sabnzbd", "sonarr")}
    files = doctor.credential_files("compose", paths)
    assert [f["app"] for f in files] == ["nzbget", "qbittorrent", "sabnzbd"]
    status = {f["where"].split("/")[-1]: f["status"] for f in doctor.StorageDoctor(MOUNTINFO).credentials(files)}
    assert status == {"qBittorrent.conf": "fail", "nzbget.conf": "fail", "sabnzbd.ini": "ok"}

    _write(cfg / "qbittorrent" / "qBittorrent" / "qBittorrent.conf",
           '[Preferences]\nWebUI\\Password_PBKDF2="@ByteArray(abc==:def==)"\n')
    _write(cfg / "nzbget" / "nzbget.conf", "ControlUsername=nzbget\nControlPassword=a-vaulted-one\n")
    assert {f["status"] for f in doctor.StorageDoctor(MOUNTINFO).credentials(files)} == {"ok"}


def test_native_qbittorrent_layout_differs_from_the_image():
    files = doctor.credential_files("native", {"qbittorrent": "/srv/q"})
    assert files == [{"app": "qbittorrent", "path": "/srv/q/qBittorrent/config/qBittorrent.conf"}]


def test_unreadable_config_is_a_failure_not_a_traceback(tmp_path):
    findings = doctor.StorageDoctor(MOUNTINFO).credentials([{"app": "nzbget", "path": str(tmp_path / "none")}])
    assert findings[0]["status"] == "fail" and "cannot be read" in findings[0]["message"]


def test_report_renders_problems_first_and_counts():
    findings = [
        doctor.finding("free_space", "storage", "/data", "ok", "plenty", host="nas"),
        doctor.finding("default_password", "apps", "/c/nzbget.conf", "fail", "nzbget: default", "set it", host="dl"),
        doctor.finding("free_space", "storage", "/data", "warn", "9%", "free space soon", host="dl"),
    ]
    table = doctor.render_table(findings)
    assert table[0].startswith("FAIL") and "fix: set it" in table[1] and table[2].startswith("WARN")
    assert table[-1] == "3 checks: 1 ok, 1 warnings, 1 failed"
    markdown = doctor.render_markdown(findings)
    assert markdown.count("\n| ") == 4  # header + 3 rows
    data = json.loads(doctor.render_json(findings))
    assert data["summary"] == {"ok": 1, "warn": 1, "fail": 1}


def test_finding_rejects_an_unknown_status():
    with pytest.raises(ValueError):
        doctor.finding("x", "storage", "/", "bad", "m")

"""Read the storage layer back: datasets from the zfs stand-in, the exports file, the tree, the units.

Each host is read with one command (testinfra's ansible backend costs seconds per call), then
the tests look at the parts.
"""

import pytest

testinfra_hosts = ["ansible://all"]

DATASETS = {
    "tank/docker/download-stack": {"compression": ("lz4", "local"), "recordsize": ("16384", "local"),
                                   "quota": (str(200 * 1024 ** 3), "local"),
                                   "mountpoint": ("/tank/docker/download-stack", "default")},
    "tank/docker/streaming-stack": {"compression": ("lz4", "local"), "recordsize": ("16384", "local"),
                                    "quota": (str(100 * 1024 ** 3), "local"),
                                    "mountpoint": ("/tank/docker/streaming-stack", "default")},
    "tank/media": {"compression": ("lz4", "local"), "recordsize": ("1048576", "local"),
                   "atime": ("off", "local"), "mountpoint": ("/data", "local"), "quota": ("0", "default")},
}
PROPS = "compression,recordsize,atime,quota,mountpoint"
EXPORTS = [
    "/data storage-download(rw,sync,no_subtree_check) storage-streaming(ro,sync,no_subtree_check)",
    "/tank/docker/download-stack storage-download(rw,sync,no_subtree_check)",
    "/tank/docker/streaming-stack storage-streaming(rw,sync,no_subtree_check)",
]
TREE = ["/data"] + ["/data/%s" % top for top in ("torrents", "usenet", "media")] + [
    "/data/%s/%s" % (top, kind) for top in ("torrents", "usenet", "media") for kind in ("movies", "tv", "music", "books")]

NAS_SCRIPT = """
echo '== list'; zfs list -H -o name -r tank
echo '== get'; zfs get -H -p -o name,property,value,source %s %s
echo '== exports'; cat /etc/exports.d/mediastack.exports
echo '== exports.d'; ls /etc/exports.d
echo '== tree'; stat --format='%%n %%u %%g %%a %%F' %s
echo '== zfslog'; cat /var/log/zfs-standin.log
echo '== exportfs'; exportfs -ra && echo exportfs-ok
""" % (PROPS, " ".join(DATASETS), " ".join(TREE))

CLIENT_SCRIPT = """
for u in data.mount mnt-docker.mount; do
  echo "== $u"; cat /etc/systemd/system/$u
  echo "== $u state"; systemctl is-enabled $u; systemctl is-active $u
done
echo '== verify'; systemd-analyze verify --man=no /etc/systemd/system/data.mount /etc/systemd/system/mnt-docker.mount && echo verify-ok
echo '== mount.nfs'; command -v mount.nfs
"""

_CACHE = {}


def sections(host, script):
    name = host.backend.get_hostname()
    if name not in _CACHE:
        out = host.run("bash -c %s" % _quote(script))
        parts, current = {}, None
        for line in (out.stdout + out.stderr).splitlines():
            if line.startswith("== "):
                current = line[3:]
                parts[current] = []
            elif current is not None:
                parts[current].append(line)
        _CACHE[name] = parts
    return _CACHE[name]


def _quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def only(host, name):
    if host.backend.get_hostname() != name:
        pytest.skip("not %s" % name)


def test_datasets_and_properties(host):
    only(host, "storage-nas")
    nas = sections(host, NAS_SCRIPT)
    assert nas["list"] == ["tank", "tank/docker", "tank/docker/download-stack", "tank/docker/streaming-stack", "tank/media"]
    got = {}
    for line in nas["get"]:
        name, prop, value, source = line.split("\t")
        got.setdefault(name, {})[prop] = (value, source)
    for name, props in DATASETS.items():
        assert {p: got[name][p] for p in props} == props, name


def test_nothing_destroyed_and_three_creates(host):
    only(host, "storage-nas")
    log = "\n".join(sections(host, NAS_SCRIPT)["zfslog"])
    assert " zfs destroy" not in log
    assert log.count(" zfs create ") == 3


def test_exports_file_is_the_roles_own(host):
    only(host, "storage-nas")
    nas = sections(host, NAS_SCRIPT)
    assert [line for line in nas["exports"] if line and not line.startswith("#")] == EXPORTS
    assert nas["exports.d"] == ["mediastack.exports"]
    assert nas["exportfs"] == ["exportfs-ok"]  # the stand-in re-checks paths and client options


def test_media_tree(host):
    only(host, "storage-nas")
    assert sections(host, NAS_SCRIPT)["tree"] == ["%s 2000 2000 2775 directory" % path for path in TREE]


@pytest.mark.parametrize("name, access, export", [
    ("storage-download", "rw", "/tank/docker/download-stack"),
    ("storage-streaming", "ro", "/tank/docker/streaming-stack"),
])
def test_mount_units(host, name, access, export):
    only(host, name)
    client = sections(host, CLIENT_SCRIPT)
    data = client["data.mount"]
    assert "What=storage-nas:/data" in data
    assert "Where=/data" in data
    assert "Type=nfs" in data
    assert "Options=%s,nfsvers=4.2,soft,timeo=150,retrans=3,noatime" % access in data
    assert "WantedBy=remote-fs.target" in data
    docker = client["mnt-docker.mount"]
    assert "What=storage-nas:%s" % export in docker
    assert "Where=/mnt/docker" in docker
    assert "Options=rw,nfsvers=4.2,soft,timeo=150,retrans=3,noatime" in docker
    # enabled, not started: kernel NFS cannot mount in a container (nfs_client_start: false)
    assert client["data.mount state"] == ["enabled", "inactive"]
    assert client["mnt-docker.mount state"] == ["enabled", "inactive"]
    assert client["verify"][-1] == "verify-ok"
    assert client["mount.nfs"] == ["/usr/sbin/mount.nfs"] or client["mount.nfs"] == ["/sbin/mount.nfs"]

"""Contract of the zfs stand-in: what OpenZFS 2.2's zfs prints and exits with.

No recorded zfs output exists in ../shared/reference (proxmox/FACTS.md describes ZFS practice,
not command output). Each expectation here is read from OpenZFS's source and man pages
(openzfs/zfs) and names the file; none comes from this collection's modules.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / "standins" / "zfs" / "zfs_standin.py"


@pytest.fixture()
def zfs(tmp_path):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"datasets": {"tank": {"props": {"mountpoint": str(tmp_path / "tank")},
                                                       "creation": 1}}}))
    env = {"ZFS_STANDIN_STATE": str(state), "ZFS_STANDIN_LOG": str(tmp_path / "log")}

    def run(*argv):
        proc = subprocess.run([sys.executable, str(STANDIN)] + list(argv), capture_output=True, text=True,
                              env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    run.root = tmp_path
    return run


def test_no_kernel_module(tmp_path):
    # lib/libzfs/libzfs_util.c libzfs_init failure text, exit 1.
    proc = subprocess.run([sys.executable, str(STANDIN), "list"], capture_output=True, text=True, check=False,
                          env={"ZFS_STANDIN_STATE": str(tmp_path / "none.json")})
    assert proc.returncode == 1 and "The ZFS modules are not loaded" in proc.stderr


def test_get_scripted_exact(zfs):
    # zfs-get.8: -H tab-separated, no header; -p exact numbers; source local/default/inherited from.
    assert zfs("create", "-o", "recordsize=1M", "tank/media")[0] == 0
    rc, out, _unused = zfs("get", "-H", "-p", "-o", "name,property,value,source", "recordsize,compression", "tank/media")
    assert rc == 0
    assert out.splitlines() == ["tank/media\trecordsize\t1048576\tlocal", "tank/media\tcompression\ton\tdefault"]
    rc, out, _unused = zfs("get", "-H", "-o", "value,source", "mountpoint", "tank/media")
    assert out.split("\t") == [str(zfs.root / "tank" / "media"), "inherited from tank\n"]


def test_human_sizes_and_header(zfs):
    # zfs-list.8 without -H: a header of the column names (zfs_prop.c colname RECSIZE); zfs_nicenum sizes.
    zfs("create", "-o", "recordsize=1M", "tank/a")
    rc, out, _unused = zfs("list", "-o", "name,recordsize", "-r", "tank")
    lines = out.splitlines()
    assert rc == 0 and lines[0].split() == ["NAME", "RECSIZE"]
    assert lines[1].split() == ["tank", "128K"] and lines[2].split() == ["tank/a", "1M"]


@pytest.mark.parametrize("value,error", [
    ("0", "use 'none' to disable quota/refquota"),      # libzfs_util.c zprop_parse_value
    ("1 G", "invalid numeric suffix ' G'"),             # libzfs_util.c str2shift
    ("10BB", "invalid numeric suffix 'BB'"),
    ("lots", "bad numeric value 'lots'"),               # zfs_nicestrtonum
])
def test_quota_values_refused(zfs, value, error):
    zfs("create", "tank/q")
    rc, _out, err = zfs("set", "quota=" + value, "tank/q")
    assert rc == 1 and err.strip() == "cannot set property for 'tank/q': " + error


@pytest.mark.parametrize("value,exact", [("none", "0"), ("10G", str(10 * 1024 ** 3)), ("10GiB", str(10 * 1024 ** 3)),
                                         ("1.5G", str(int(1.5 * 1024 ** 3)))])
def test_quota_values_taken(zfs, value, exact):
    # str2shift: 'G' = 'GB' = 'GiB'; a decimal goes through strtod; none is 0.
    zfs("create", "tank/q")
    assert zfs("set", "quota=" + value, "tank/q")[0] == 0
    assert zfs("get", "-H", "-p", "-o", "value", "quota", "tank/q")[1].strip() == exact


def test_index_property_lists_its_values(zfs):
    # zfs_prop.c index tables: "'atime' must be one of 'on | off'".
    zfs("create", "tank/x")
    rc, _out, err = zfs("set", "atime=maybe", "tank/x")
    assert rc == 1 and err.strip() == "cannot set property for 'tank/x': 'atime' must be one of 'on | off'"


@pytest.mark.parametrize("name,why", [
    ("tank/a$b", "invalid character '$' in name"),       # zfs_namecheck.c valid_char
    ("tank//b", "empty component in name"),
    ("tank/b/", "trailing slash in name"),
])
def test_names(zfs, name, why):
    rc, _out, err = zfs("create", name)
    assert rc == 1 and err.strip() == "cannot create '%s': %s" % (name, why)


def test_space_is_a_valid_name_character(zfs):
    # zfs_namecheck.c valid_char accepts ' '.
    assert zfs("create", "tank/my media")[0] == 0


def test_create_needs_parents_and_refuses_existing(zfs):
    # zfs-create.8: without -p a missing parent fails; an existing dataset fails.
    rc, _out, err = zfs("create", "tank/a/b")
    assert rc == 1 and err.strip() == "cannot create 'tank/a/b': parent does not exist"
    assert zfs("create", "-p", "tank/a/b")[0] == 0
    rc, _out, err = zfs("create", "tank/a/b")
    assert rc == 1 and err.strip() == "cannot create 'tank/a/b': dataset already exists"


def test_destroy_with_children_needs_r(zfs):
    # zfs_main.c zfs_do_destroy: "filesystem has children" and the list; -r destroys them.
    zfs("create", "-p", "tank/a/b")
    rc, _out, err = zfs("destroy", "tank/a")
    assert rc == 1 and "cannot destroy 'tank/a': filesystem has children" in err and "tank/a/b" in err
    assert zfs("destroy", "-r", "tank/a")[0] == 0
    assert zfs("list", "tank/a")[0] == 1


def test_usage_errors_exit_2(zfs):
    # zfs_main.c usage(): exit 2.
    assert zfs("frobnicate")[0] == 2
    assert zfs("get", "-H", "nosuchprop", "tank")[0] == 2

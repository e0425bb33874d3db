"""zfs_dataset logic: normalising values, reading `zfs get -H -p`, the exact zfs calls made."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _zfs as z

STANDIN = Path(__file__).resolve().parents[3] / "standins" / "zfs" / "zfs_standin.py"


class Script:
    """A runner that answers from a list of (expected argv, rc, out, err) and records the calls."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        assert self.steps, "unexpected call %s" % argv
        expected, rc, out, err = self.steps.pop(0)
        assert argv == expected
        return rc, out, err


GET = ["zfs", "get", "-H", "-p", "-o", "property,value,source"]


@pytest.mark.parametrize("prop, value, normal", [
    ("recordsize", "1M", "1048576"),
    ("recordsize", "1048576", "1048576"),
    ("recordsize", 1048576, "1048576"),
    ("recordsize", "128k", "131072"),
    ("quota", "none", "0"),
    ("quota", "1.5G", str(int(1.5 * 1024 ** 3))),
    ("quota", "200GB", str(200 * 1024 ** 3)),
    ("quota", "2TiB", str(2 * 1024 ** 4)),
    ("atime", False, "off"),
    ("atime", True, "on"),
    ("compression", "LZ4", "lz4"),
    ("mountpoint", "/data/", "/data"),
    ("mountpoint", "/", "/"),
    ("org.example:note", "Keep Me", "Keep Me"),
])
def test_normalise(prop, value, normal):
    assert z.normalise(prop, value) == normal


def test_bad_size_and_read_only_properties_are_refused():
    with pytest.raises(z.ZfsError, match="recordsize.*not a size"):
        z.validate_properties({"recordsize": "big"})
    with pytest.raises(z.ZfsError, match="read-only"):
        z.validate_properties({"used": "1G"})
    with pytest.raises(z.ZfsError, match="not a whole number"):
        z.validate_properties({"quota": "1.3333B"})


@pytest.mark.parametrize("name", ["tank", "/tank/x", "tank//x", "tank/x/", "", "tank/a b"])
def test_bad_names(name):
    with pytest.raises(z.ZfsError):
        z.validate_name(name)


def test_parse_get_keeps_inherited_source():
    out = "compression\tlz4\tinherited from tank\nquota\t0\tdefault\n"
    assert z.parse_get(out) == {"compression": ("lz4", "inherited from tank"), "quota": ("0", "default")}


def test_inherited_equal_value_and_human_readable_values_are_not_set_again():
    current = {"compression": ("lz4", "inherited from tank"), "recordsize": ("1048576", "local"),
               "atime": ("off", "local"), "quota": ("0", "default")}
    wanted = z.validate_properties({"compression": "lz4", "recordsize": "1M", "atime": False, "quota": "none"})
    assert z.differences(current, wanted) == {}
    assert z.differences(current, z.validate_properties({"recordsize": "128K"})) == {"recordsize": "131072"}


def test_create_with_parents_and_normalised_options():
    run = Script([
        (GET + ["compression,recordsize,type", "tank/media"], 1, "", "cannot open 'tank/media': dataset does not exist\n"),
        (["zfs", "create", "-p", "-o", "compression=lz4", "-o", "recordsize=1048576", "tank/media"], 0, "", ""),
        (GET + ["compression,recordsize,type", "tank/media"], 0,
         "type\tfilesystem\t-\ncompression\tlz4\tlocal\nrecordsize\t1048576\tlocal\n", ""),
    ])
    result = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", {"compression": "lz4", "recordsize": "1M"})
    assert result["changed"] and result["created"]
    assert result["properties"]["recordsize"] == {"value": "1048576", "source": "local"}
    assert result["diff"] == {"before": {}, "after": {"compression": "lz4", "recordsize": "1048576"}}
    assert not run.steps


def test_check_mode_reads_only():
    run = Script([
        (GET + ["atime,type", "tank/media"], 0, "type\tfilesystem\t-\natime\ton\tdefault\n", ""),
    ])
    result = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", {"atime": "off"}, check_mode=True)
    assert result["changed"] and result["updated"] == ["atime"]
    assert result["diff"] == {"before": {"atime": "on"}, "after": {"atime": "off"}}
    assert len(run.calls) == 1


def test_update_sets_only_what_differs():
    run = Script([
        (GET + ["atime,compression,type", "tank/media"], 0,
         "type\tfilesystem\t-\natime\ton\tdefault\ncompression\tlz4\tinherited from tank\n", ""),
        (["zfs", "set", "atime=off", "tank/media"], 0, "", ""),
        (GET + ["atime,compression,type", "tank/media"], 0,
         "type\tfilesystem\t-\natime\toff\tlocal\ncompression\tlz4\tinherited from tank\n", ""),
    ])
    result = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", {"atime": "off", "compression": "lz4"})
    assert result["updated"] == ["atime"]
    assert result["properties"]["compression"]["source"] == "inherited from tank"


def test_create_only_property_on_existing_dataset_is_an_error():
    run = Script([(GET + ["casesensitivity,type", "tank/a"], 0,
                   "type\tfilesystem\t-\ncasesensitivity\tsensitive\t-\n", "")])
    with pytest.raises(z.ZfsError, match="only zfs create"):
        z.reconcile(z.ZfsDataset(run, "zfs", "tank/a"), "present", {"casesensitivity": "insensitive"})


def test_destroy_refuses_children_unless_recursive():
    steps = [
        (GET + ["type", "tank/docker"], 0, "type\tfilesystem\t-\n", ""),
        (["zfs", "list", "-H", "-o", "name", "-r", "-t", "filesystem,volume", "tank/docker"], 0,
         "tank/docker\ntank/docker/a\n", ""),
    ]
    with pytest.raises(z.ZfsError, match=r"child datasets \(tank/docker/a\).*recursive=true"):
        z.reconcile(z.ZfsDataset(Script(steps), "zfs", "tank/docker"), "absent", {})
    run = Script(steps + [(["zfs", "destroy", "-r", "tank/docker"], 0, "", "")])
    result = z.reconcile(z.ZfsDataset(run, "zfs", "tank/docker"), "absent", {}, recursive=True)
    assert result["destroyed"] and not run.steps


def test_absent_dataset_is_no_change_and_errors_are_reported():
    run = Script([(GET + ["type", "tank/x"], 1, "", "cannot open 'tank/x': dataset does not exist\n")])
    assert not z.reconcile(z.ZfsDataset(run, "zfs", "tank/x"), "absent", {})["changed"]
    run = Script([(GET + ["type", "tank/x"], 1, "", "permission denied\n")])
    with pytest.raises(z.ZfsError, match="Failed to read dataset tank/x: permission denied"):
        z.reconcile(z.ZfsDataset(run, "zfs", "tank/x"), "present", {})


def test_against_the_zfs_standin(tmp_path):
    """The same logic against the stand-in the molecule scenario uses: create, no change, drift, repair."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"datasets": {"tank": {"props": {"compression": "lz4"}, "creation": 1}}}))
    env = {"ZFS_STANDIN_STATE": str(state), "ZFS_STANDIN_LOG": str(tmp_path / "log")}

    def run(argv):
        proc = subprocess.run([sys.executable, str(STANDIN)] + argv[1:], capture_output=True, text=True,
                              env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    wanted = {"recordsize": "1M", "compression": "lz4", "atime": False,
              "mountpoint": str(tmp_path / "data"), "quota": "none"}
    first = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", wanted)
    assert first["created"]
    assert (tmp_path / "data").is_dir()
    assert first["properties"]["compression"] == {"value": "lz4", "source": "local"}
    # Made inherited (same value from the pool): still in place, not set again.
    assert run(["zfs", "inherit", "compression", "tank/media"])[0] == 0
    second = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", wanted)
    assert not second["changed"]
    assert second["properties"]["compression"] == {"value": "lz4", "source": "inherited from tank"}
    assert run(["zfs", "set", "recordsize=128K", "tank/media"])[0] == 0
    third = z.reconcile(z.ZfsDataset(run, "zfs", "tank/media"), "present", wanted)
    assert third["updated"] == ["recordsize"]
    assert third["diff"]["before"]["recordsize"] == "131072"
    assert third["properties"]["recordsize"] == {"value": "1048576", "source": "local"}


def test_a_quota_of_none_is_sent_as_none():
    # OpenZFS refuses quota=0 / refquota=0 ("use 'none' to disable quota/refquota"); none means no quota.
    assert z.command_value("quota", z.normalise("quota", "none")) == "none"
    assert z.command_value("refquota", "0") == "none"
    assert z.command_value("quota", z.normalise("quota", "10G")) == str(10 * 1024 ** 3)

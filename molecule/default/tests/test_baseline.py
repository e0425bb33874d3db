"""Read the baseline back from both hosts."""

import pytest

testinfra_hosts = ["ansible://all"]


@pytest.mark.parametrize("package", ["acl", "ca-certificates", "python3-apt", "rsync"])
def test_package_installed(host, package):
    assert host.package(package).is_installed


def test_media_group_has_fixed_gid(host):
    group = host.group("media")
    assert group.exists
    assert group.gid == 2000


def test_media_user_has_fixed_ids_and_no_login(host):
    user = host.user("media")
    assert user.exists
    assert user.uid == 2000
    assert user.gid == 2000
    assert user.shell == "/usr/sbin/nologin"


def test_hosts_reach_each_other_by_name(host):
    # Scenarios rely on a shared podman network where hosts resolve each other.
    peer = "default-app" if host.backend.get_hostname() == "default-nas" else "default-nas"
    assert host.run("getent hosts %s", peer).rc == 0

"""The k3s_cluster role: its unit against install.sh, its config for HA with a VIP, the memory cgroup preflight.

The role's own tasks run under ansible-playbook on localhost (facts, preflight, cgroup); the unit
template is rendered with Jinja2. The k3s stand-in's side of the same rules is in
tests/unit/standins/test_cluster_standins.py; molecule's cluster scenario starts real units.
"""

import json
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

ROLE = ROOT / "roles" / "k3s_cluster"

# k3s-io/k3s install.sh, create_systemd_service_file: the [Service] block it writes (BIN_DIR
# /usr/local/bin, no extra K3S_EXEC), Type notify for a server and exec for an agent
# (setup_env: SYSTEMD_TYPE).
INSTALL_SH_SERVICE = """[Service]
Type={type}
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-/etc/systemd/system/{service}.service.env
KillMode=process
Delegate=yes
User=root
# Having non-zero Limit*s causes performance problems due to accounting overhead
# in the kernel. We recommend using cgroups to do container-local accounting.
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/k3s \\
    {kind}
"""


@pytest.mark.parametrize("kind,service,unit_type", [("server", "k3s", "notify"), ("agent", "k3s-agent", "exec")])
def test_unit_service_block_is_install_sh_s(kind, service, unit_type):
    template = jinja2.Environment(keep_trailing_newline=True).from_string(
        (ROLE / "templates" / "k3s.service.j2").read_text())
    unit = template.render(ansible_managed="managed", _k3s_cluster_kind=kind, _k3s_cluster_service=service,
                           k3s_cluster_bin_path="/usr/local/bin/k3s", k3s_cluster_start_timeout=300)
    service_block = unit[unit.index("[Service]"):].rstrip("\n") + "\n"
    assert service_block == INSTALL_SH_SERVICE.format(type=unit_type, service=service, kind=kind)
    assert unit.index("[Unit]") < unit.index("[Install]") < unit.index("[Service]")


def run_tasks(tmp_path, inventory, tasks_from, extra=None, check_mode=False):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    tasks = [{"ansible.builtin.include_role": {"name": "homelab.mediastack.k3s_cluster", "tasks_from": t}}
             for t in tasks_from]
    tasks.append({"ansible.builtin.copy": {"dest": str(tmp_path) + "/{{ inventory_hostname }}.json",
                                           "content": "{{ _k3s_cluster_config | default({}) | to_json }}"},
                  "check_mode": False, "when": "'facts' in %r" % tasks_from})
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{
        "hosts": "k3s_nodes", "connection": "local", "gather_facts": False,
        "vars": dict({"ansible_python_interpreter": sys.executable}, **(extra or {})), "tasks": tasks}]))
    return run_playbook(tmp_path / "play.yml", "-i", tmp_path / "hosts.yml", *(["--check"] if check_mode else []),
                        env={"ANSIBLE_STDOUT_CALLBACK": "default"})


def inventory(servers, agents=(), **extra):
    return {"all": {"vars": dict({"k3s_cluster_token": "0123456789abcdef0123", "k3s_cluster_arch": "arm64"}, **extra),
                    "children": {"k3s_nodes": {"children": {
                        "k3s_servers": {"hosts": {n: {"ansible_host": a} for n, a in servers}},
                        "k3s_agents": {"hosts": {n: {"ansible_host": a} for n, a in agents}}}}}}}


def test_ha_servers_with_a_vip_join_the_first_server_and_name_the_vip_in_tls_san(tmp_path):
    servers = [("pi-1", "198.51.100.11"), ("pi-2", "198.51.100.12"), ("pi-3", "198.51.100.13")]
    result = run_tasks(tmp_path, inventory(servers, [("pi-4", "198.51.100.14")], k3s_cluster_api_endpoint="198.51.100.10",
                                           k3s_cluster_server_config={"tls-san": ["k3s.home.arpa"]}),
                       ["facts", "preflight"])
    assert result.returncode == 0, result.stdout[-3000:]
    config = {n: json.loads((tmp_path / ("%s.json" % n)).read_text()) for n in ("pi-1", "pi-2", "pi-3", "pi-4")}
    assert config["pi-1"]["cluster-init"] is True and "server" not in config["pi-1"]
    for name in ("pi-2", "pi-3", "pi-4"):
        assert config[name]["server"] == "https://198.51.100.11:6443"  # the VIP may not be up yet
        assert "cluster-init" not in config[name]
    for name in ("pi-1", "pi-2", "pi-3"):
        assert config[name]["tls-san"] == ["k3s.home.arpa", "198.51.100.10"]
    assert "tls-san" not in config["pi-4"]


def test_an_even_number_of_etcd_servers_is_refused(tmp_path):
    result = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11"), ("pi-2", "198.51.100.12")]),
                       ["facts", "preflight"])
    assert result.returncode != 0
    assert "an odd number (1, 3, 5)" in result.stdout


def cgroup_files(tmp_path, memory):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io %spids\n" % ("memory " if memory else ""))
    (tmp_path / "cgroups").write_text("#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t%d\n" % memory)
    (tmp_path / "cmdline.txt").write_text("console=serial0,115200 console=tty1 root=PARTUUID=0a-02 rootwait\n")
    return {"k3s_cluster_cgroup_files": [str(tmp_path / "cgroup.controllers"), str(tmp_path / "cgroups")],
            "k3s_cluster_cmdline_files": [str(tmp_path / "missing.txt"), str(tmp_path / "cmdline.txt")]}


def test_missing_memory_cgroup_stops_with_the_fix(tmp_path):
    result = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11")]), ["cgroup"], cgroup_files(tmp_path, False))
    assert result.returncode != 0
    assert 'Add "cgroup_memory=1 cgroup_enable=memory" to the end of the single line of %s' % (
        tmp_path / "cmdline.txt") in " ".join(result.stdout.split())


def test_fix_without_a_cmdline_file_stops_with_what_to_do(tmp_path):
    extra = dict(cgroup_files(tmp_path, False), k3s_cluster_fix_cmdline=True,
                 k3s_cluster_cmdline_files=[str(tmp_path / "missing.txt")])
    result = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11")]), ["cgroup"], extra)
    assert result.returncode != 0
    assert "cmdline.txt (/boot/firmware/cmdline.txt on Raspberry Pi OS)" in " ".join(result.stdout.split())


def test_memory_cgroup_fix_edits_cmdline_then_reboots(tmp_path):
    # The reboot itself cannot run here (Ansible refuses to reboot the control node over a local
    # connection): that refusal shows the role asked for it, after the edit.
    extra = dict(cgroup_files(tmp_path, False), k3s_cluster_fix_cmdline=True)
    before = (tmp_path / "cmdline.txt").read_text()
    checked = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11")]), ["cgroup"], extra, check_mode=True)
    assert (tmp_path / "cmdline.txt").read_text() == before  # check mode writes nothing
    assert "changed: [pi-1]" in checked.stdout.split("Add cgroup_memory=1 cgroup_enable=memory")[1].split("TASK")[0]
    result = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11")]), ["cgroup"], extra)
    assert (tmp_path / "cmdline.txt").read_text() == before.rstrip("\n") + " cgroup_memory=1 cgroup_enable=memory\n"
    assert "would reboot the control node" in result.stdout.split("Reboot so the kernel takes the new command line")[1]


def test_memory_cgroup_present_changes_nothing(tmp_path):
    for memory_in in ("v2", "v1"):
        extra = cgroup_files(tmp_path, memory_in == "v2")
        if memory_in == "v1":
            (tmp_path / "cgroups").write_text("memory\t4\t93\t1\n")
        result = run_tasks(tmp_path, inventory([("pi-1", "198.51.100.11")]), ["cgroup"],
                           dict(extra, k3s_cluster_fix_cmdline=True))
        assert result.returncode == 0, result.stdout[-3000:]
        assert "changed=0" in result.stdout
        assert "cgroup_memory" not in (tmp_path / "cmdline.txt").read_text()

"""The k3s stand-in behaves like the real k3s where the role depends on it (talosctl: test_talos_standin.py)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

STANDINS = Path(__file__).resolve().parents[2] / "standins"
K3S = [sys.executable, str(STANDINS / "k3s" / "k3s_standin.py")]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="k3s_server")
def fixture_k3s_server(tmp_path):
    port = _free_port()
    (tmp_path / "token").write_text("right-token-0123456789\n")
    (tmp_path / "server.yaml").write_text(
        "token-file: %s\ncluster-init: true\nhttps-listen-port: %d\nnode-name: s1\nnode-label:\n- role=storage\n"
        % (tmp_path / "token", port))
    env = dict(os.environ, K3S_STANDIN_DATA_DIR=str(tmp_path / "data"), K3S_STANDIN_KUBECONFIG=str(tmp_path / "k3s.yaml"))
    proc = subprocess.Popen(K3S + ["server", "--config", str(tmp_path / "server.yaml")], env=env,  # pylint: disable=consider-using-with
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _attempt in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    yield port, tmp_path, env
    proc.terminate()
    proc.wait(timeout=5)


def _agent(tmp_path, env, port, token, name, host="127.0.0.1"):
    config = tmp_path / ("%s.yaml" % name)
    config.write_text("server: https://%s:%d\ntoken: %s\nnode-name: %s\nnode-taint:\n- gpu=true:NoSchedule\n"
                      % (host, port, token, name))
    return subprocess.Popen(K3S + ["agent", "--config", str(config)], env=env,  # pylint: disable=consider-using-with
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _nodes(port, token):
    request = urllib.request.Request("http://127.0.0.1:%d/v1-k3s/standin/nodes" % port,
                                     headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_version_reports_the_release():
    out = subprocess.run(K3S + ["--version"], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0].startswith("k3s version v1.33.4+k3s1 (")


def test_agent_with_wrong_token_does_not_join(k3s_server):
    port, tmp_path, env = k3s_server
    agent = _agent(tmp_path, env, port, "wrong-token", "a-bad")
    time.sleep(1.5)
    agent.terminate()
    _out, err = agent.communicate(timeout=5)
    assert "failed to get CA certs" in err and "401 Unauthorized" in err
    assert "a-bad" not in _nodes(port, "right-token-0123456789")
    with pytest.raises(urllib.error.HTTPError) as info:
        _nodes(port, "wrong-token")
    assert info.value.code == 401


def test_agent_with_right_token_registers_with_taint(k3s_server):
    port, tmp_path, env = k3s_server
    agent = _agent(tmp_path, env, port, "right-token-0123456789", "a-good")
    try:
        for _attempt in range(50):
            nodes = _nodes(port, "right-token-0123456789")
            if "a-good" in nodes:
                break
            time.sleep(0.1)
        assert nodes["a-good"]["taints"] == [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]
        assert nodes["s1"]["labels"]["role"] == "storage"
        assert nodes["s1"]["labels"]["node-role.kubernetes.io/etcd"] == "true"
    finally:
        agent.terminate()
        agent.wait(timeout=5)
    token = (tmp_path / "data" / "server" / "token").read_text()
    assert token.startswith("K10") and token.strip().endswith("::server:right-token-0123456789")


def _start_server(tmp_path, name, port, extra="", env_extra=None):
    config = "token: right-token-0123456789\nhttps-listen-port: %d\nnode-name: %s\n%s" % (port, name, extra)
    (tmp_path / ("%s.yaml" % name)).write_text(config)
    env = dict(os.environ, K3S_STANDIN_DATA_DIR=str(tmp_path / name), K3S_STANDIN_KUBECONFIG=str(tmp_path / (name + ".kc")),
               **(env_extra or {}))
    return subprocess.Popen(K3S + ["server", "--config", str(tmp_path / ("%s.yaml" % name))], env=env,  # pylint: disable=consider-using-with
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_port(port):
    for _attempt in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("nothing listens on %d" % port)


def test_three_servers_form_one_etcd_cluster(tmp_path):
    ports = [_free_port() for _index in range(3)]
    procs = [_start_server(tmp_path, "s1", ports[0], "cluster-init: true\n")]
    try:
        _wait_port(ports[0])
        for index in (1, 2):
            procs.append(_start_server(tmp_path, "s%d" % (index + 1), ports[index],
                                       "server: https://127.0.0.1:%d\n" % ports[0]))
            _wait_port(ports[index])
        nodes = _nodes(ports[2], "right-token-0123456789")
        assert sorted(nodes) == ["s1", "s2", "s3"]
        assert all(n["labels"].get("node-role.kubernetes.io/etcd") == "true" for n in nodes.values())
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=5)


def test_a_name_outside_the_certificate_is_refused_until_it_is_a_tls_san(tmp_path):
    # 127.0.0.2 stands for the VIP: it reaches the server, but is not one of its names.
    port = _free_port()
    server = _start_server(tmp_path, "s1", port, "cluster-init: true\n")
    try:
        _wait_port(port)
        agent = _agent(tmp_path, dict(os.environ, K3S_STANDIN_DATA_DIR=str(tmp_path / "a")), port,
                       "right-token-0123456789", "a-vip", host="127.0.0.2")
        time.sleep(1.5)
        agent.terminate()
        _out, err = agent.communicate(timeout=5)
        assert "x509: certificate is valid for" in err and "not 127.0.0.2" in err
        assert "a-vip" not in _nodes(port, "right-token-0123456789")
    finally:
        server.terminate()
        server.wait(timeout=5)
    port = _free_port()
    server = _start_server(tmp_path, "s2", port, "cluster-init: true\ntls-san:\n- 127.0.0.2\n")
    try:
        _wait_port(port)
        agent = _agent(tmp_path, dict(os.environ, K3S_STANDIN_DATA_DIR=str(tmp_path / "b")), port,
                       "right-token-0123456789", "b-vip", host="127.0.0.2")
        for _attempt in range(50):
            if "b-vip" in _nodes(port, "right-token-0123456789"):
                break
            time.sleep(0.1)
        assert "b-vip" in _nodes(port, "right-token-0123456789")
        agent.terminate()
        agent.wait(timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=5)


def test_no_memory_cgroup_stops_k3s(tmp_path):
    (tmp_path / "controllers").write_text("cpuset cpu io pids\n")
    (tmp_path / "cgroups").write_text("#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t0\n")
    env = dict(os.environ, K3S_STANDIN_CGROUP_CONTROLLERS=str(tmp_path / "controllers"),
               K3S_STANDIN_PROC_CGROUPS=str(tmp_path / "cgroups"),
               K3S_STANDIN_DATA_DIR=str(tmp_path / "d"))
    result = subprocess.run(K3S + ["agent", "--config", str(tmp_path / "none.yaml")], env=env, capture_output=True,
                            text=True, check=False, timeout=10)
    assert result.returncode == 1
    assert 'level=fatal msg="failed to find memory cgroup (v2)"' in result.stderr

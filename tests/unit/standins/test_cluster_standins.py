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


def _agent(tmp_path, env, port, token, name):
    config = tmp_path / ("%s.yaml" % name)
    config.write_text("server: https://127.0.0.1:%d\ntoken: %s\nnode-name: %s\nnode-taint:\n- gpu=true:NoSchedule\n"
                      % (port, token, name))
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

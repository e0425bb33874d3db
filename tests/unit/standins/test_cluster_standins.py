"""The talosctl and k3s stand-ins behave like the real tools where the roles depend on it."""

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
TALOSCTL = [sys.executable, str(STANDINS / "talos" / "talosctl_standin.py")]
K3S = [sys.executable, str(STANDINS / "k3s" / "k3s_standin.py")]


def talosctl(env, *args, stdin=None):
    return subprocess.run(TALOSCTL + list(args), env=env, input=stdin, capture_output=True, text=True, check=False)


@pytest.fixture(name="talos")
def fixture_talos(tmp_path):
    env = dict(os.environ, TALOS_STANDIN_STATE=str(tmp_path / "state"), TALOS_STANDIN_REBOOT_SECONDS="0.5")
    assert talosctl(env, "__standin", "add-node", "192.0.2.11", "--disk", "nvme0n1:nvme:512").returncode == 0
    assert talosctl(env, "gen", "secrets", "-o", str(tmp_path / "secrets.yaml")).returncode == 0
    assert talosctl(env, "gen", "config", "c", "https://192.0.2.10:6443", "--with-secrets", str(tmp_path / "secrets.yaml"),
                    "--output-types", "talosconfig", "-o", str(tmp_path / "talosconfig")).returncode == 0
    config = talosctl(env, "gen", "config", "c", "https://192.0.2.10:6443", "--with-secrets", str(tmp_path / "secrets.yaml"),
                      "--output-types", "controlplane", "--install-disk", "/dev/nvme0n1", "-o", "-").stdout
    return env, tmp_path, config


def secure(tmp_path):
    return ["--talosconfig", str(tmp_path / "talosconfig"), "-n", "192.0.2.11", "-e", "192.0.2.11"]


def test_secrets_are_never_overwritten(talos):
    env, tmp_path, _config = talos
    before = (tmp_path / "secrets.yaml").read_text()
    result = talosctl(env, "gen", "secrets", "-o", str(tmp_path / "secrets.yaml"))
    assert result.returncode != 0 and "already exists" in result.stderr
    assert (tmp_path / "secrets.yaml").read_text() == before


def test_apply_reboots_then_insecure_needs_a_certificate(talos):
    env, tmp_path, config = talos
    secure_call = talosctl(env, "version", *secure(tmp_path))
    assert "certificate signed by unknown authority" in secure_call.stderr  # maintenance mode: no PKI yet
    applied = talosctl(env, "apply-config", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11", "--file", "/dev/stdin",
                       stdin=config)
    assert applied.returncode == 0, applied.stderr
    rebooting = talosctl(env, "version", *secure(tmp_path))
    assert "connect: connection refused" in rebooting.stderr
    time.sleep(0.6)
    assert talosctl(env, "version", *secure(tmp_path)).returncode == 0
    again = talosctl(env, "apply-config", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11", "--file", "/dev/stdin",
                     stdin=config)
    assert again.returncode != 0
    assert "tls: certificate required" in again.stderr


def test_second_bootstrap_answers_already_exists(talos):
    env, tmp_path, config = talos
    talosctl(env, "apply-config", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11", "--file", "/dev/stdin", stdin=config)
    time.sleep(0.6)
    assert "admin.crt" in talosctl(env, "etcd", "members", *secure(tmp_path)).stderr
    assert talosctl(env, "bootstrap", *secure(tmp_path)).returncode == 0
    second = talosctl(env, "bootstrap", *secure(tmp_path))
    assert second.returncode != 0
    assert "code = AlreadyExists desc = etcd data directory is not empty" in second.stderr
    assert "192.0.2.11" in talosctl(env, "etcd", "members", *secure(tmp_path)).stdout


def test_missing_install_disk_is_refused(talos):
    env, _tmp_path, config = talos
    result = talosctl(env, "apply-config", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11", "--file", "/dev/stdin",
                      stdin=config.replace("/dev/nvme0n1", "/dev/sdz"))
    assert "specified install disk does not exist" in result.stderr


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


def test_installer_usb_first_in_boot_order_comes_back_in_maintenance(tmp_path):
    # seed 000: the USB installer left in; after the install reboot the node is in maintenance mode again.
    env = dict(os.environ, TALOS_STANDIN_STATE=str(tmp_path / "state"), TALOS_STANDIN_REBOOT_SECONDS="0.2")
    talosctl(env, "__standin", "add-node", "192.0.2.11", "--disk", "nvme0n1:nvme:512", "--disk", "sda:usb:32",
             "--usb-boot-first")
    talosctl(env, "gen", "secrets", "-o", str(tmp_path / "secrets.yaml"))
    config = talosctl(env, "gen", "config", "c", "https://192.0.2.10:6443", "--with-secrets", str(tmp_path / "secrets.yaml"),
                      "--output-types", "controlplane", "--install-disk", "/dev/nvme0n1", "-o", "-").stdout
    assert talosctl(env, "apply-config", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11", "--file", "/dev/stdin",
                    stdin=config).returncode == 0
    time.sleep(0.3)
    assert talosctl(env, "get", "disks", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11").returncode == 0
    volumes = talosctl(env, "get", "discoveredvolumes", "--insecure", "-n", "192.0.2.11", "-e", "192.0.2.11").stdout
    assert "STATE" in volumes  # installed, but not booted

"""Read the k3s nodes back: real files and services on the hosts, the cluster through the server.

Few commands per host on purpose (each one is an ansible call): one shell line reads everything.
"""

import json

import pytest

testinfra_hosts = ["ansible://k3s_nodes"]

VERSION = "v1.33.4+k3s1"

READ = (
    "/usr/local/bin/k3s --version | head -1; echo ===; "
    "systemctl is-active {svc}; systemctl is-enabled {svc}; echo ===; "
    "stat -c '%a %U %n' /etc/rancher/k3s/config.yaml /etc/rancher/k3s/token; echo ===; "
    "cat /etc/rancher/k3s/config.yaml; echo ===; cat /etc/systemd/system/{svc}.service"
)


@pytest.fixture(name="node", scope="module")
def fixture_node(host):
    svc = "k3s" if host.backend.get_hostname() == "cluster-k3s-server" else "k3s-agent"
    version, state, modes, config, unit = host.check_output(READ.format(svc=svc)).split("===\n")
    return {"svc": svc, "version": version, "state": state.split(), "modes": modes.splitlines(),
            "config": config, "unit": unit}


def test_binary_service_and_files(node):
    assert node["version"].startswith("k3s version %s " % VERSION)
    assert node["state"] == ["active", "enabled"]
    assert node["modes"] == ["600 root /etc/rancher/k3s/config.yaml", "600 root /etc/rancher/k3s/token"]
    kind = "server" if node["svc"] == "k3s" else "agent"
    # k3s install.sh create_systemd_service_file: Type=notify for a server, exec for an agent;
    # ExecStart=<bin> \\ then the command on its own line
    assert "Type=%s" % ("notify" if kind == "server" else "exec") in node["unit"]
    assert "ExecStart=/usr/local/bin/k3s \\\n    %s" % kind in node["unit"]
    assert "token-file: /etc/rancher/k3s/token" in node["config"]
    if kind == "server":
        assert "cluster-init: true" in node["config"]
        assert "server:" not in node["config"]
    else:
        assert "server: https://" in node["config"]


def test_cluster_has_every_node_with_labels_and_taints(host, node):
    if node["svc"] != "k3s":
        pytest.skip("the node list is read on the server")
    nodes = {n["metadata"]["name"]: n for n in json.loads(host.check_output("/usr/local/bin/k3s kubectl get nodes -o json"))["items"]}
    assert sorted(nodes) == ["cluster-k3s-agent1", "cluster-k3s-agent2", "cluster-k3s-server"]
    assert nodes["cluster-k3s-server"]["metadata"]["labels"]["node-role.kubernetes.io/etcd"] == "true"
    assert nodes["cluster-k3s-agent1"]["metadata"]["labels"]["node.longhorn.io/storage"] == "enabled"
    assert nodes["cluster-k3s-agent1"]["spec"]["taints"] == [
        {"key": "node.longhorn.io/storage", "value": "enabled", "effect": "NoSchedule"}]
    assert nodes["cluster-k3s-agent2"]["metadata"]["labels"]["gpu"] == "true"
    for item in nodes.values():
        assert item["status"]["nodeInfo"]["kubeletVersion"] == VERSION


def test_wrong_token_is_refused(host, node):
    if node["svc"] != "k3s":
        pytest.skip("asked of the server")
    cmd = ("python3 -c 'import urllib.request as u; r = u.Request(\"http://127.0.0.1:6443/cacerts\", "
           "headers={\"Authorization\": \"Bearer wrong-token\"});\n"
           "try:\n    u.urlopen(r)\nexcept Exception as e:\n    print(e)'")
    assert "401" in host.check_output(cmd)

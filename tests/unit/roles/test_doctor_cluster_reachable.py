"""The doctor's cluster checks when the API server does not answer (issue 19): one
cluster_reachable finding in the report, the play not failed by a task error, within the doctor's
timeout even when the server accepts connections and never answers. Run by Ansible on localhost.
"""

import json
import socket
import sys
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

PLAY = """
- hosts: k3s-s1
  gather_facts: false
  roles:
    - role: homelab.mediastack.doctor
      vars:
        doctor_storage: false
        doctor_wiring: false
        doctor_report_only: true
        doctor_timeout: 3
"""


def _kubeconfig(path, server):
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "admin"}}],
        "users": [{"name": "admin", "user": {"token": "not-a-real-token"}}]}))
    return path


def _run(tmp_path, kubeconfig):
    inventory = {"all": {"vars": {"ansible_connection": "local"}, "children": {
        "k3s_nodes": {"children": {"k3s_servers": {"hosts": {"k3s-s1": {}}}}}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps({"doctor_kubeconfig": str(kubeconfig),
                                                    "doctor_report_dir": str(tmp_path / "report")}))
    start = time.monotonic()
    result = run_playbook(tmp_path / "play.yml", "-i", tmp_path / "hosts.yml", "-e", "@%s" % (tmp_path / "vars.json"))
    return result, time.monotonic() - start


def _cluster_findings(tmp_path):
    report = json.loads((tmp_path / "report" / "doctor-report.json").read_text())
    findings = report["findings"] if isinstance(report, dict) else report
    return [f for f in findings if f["layer"] == "cluster"]


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_an_api_server_that_refuses_connections_is_one_finding(tmp_path):
    server = "https://127.0.0.1:%d" % _closed_port()
    result = _run(tmp_path, _kubeconfig(tmp_path / "kubeconfig", server))[0]
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    found = _cluster_findings(tmp_path)
    assert [(f["check"], f["status"]) for f in found] == [("cluster_reachable", "fail")], found
    assert server in found[0]["message"], found
    assert "refused" in found[0]["message"].lower(), found
    assert "API server" in found[0]["fix"], found


def test_an_api_server_that_never_answers_is_one_finding_within_the_timeout(tmp_path):
    # Accepts the connection, then says nothing (a hung API server, a port forwarded to nowhere).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        server = "https://127.0.0.1:%d" % listener.getsockname()[1]
        result, elapsed = _run(tmp_path, _kubeconfig(tmp_path / "kubeconfig", server))
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    found = _cluster_findings(tmp_path)
    assert [(f["check"], f["status"]) for f in found] == [("cluster_reachable", "fail")], found
    assert "timed out" in found[0]["message"].lower(), found
    assert elapsed < 60, elapsed  # doctor_timeout 3 s, not the client's unbounded wait


def test_a_missing_kubeconfig_is_still_one_finding_with_its_own_fix(tmp_path):
    result = _run(tmp_path, tmp_path / "nowhere" / "kubeconfig")[0]
    assert result.returncode == 0, result.stdout + result.stderr
    found = _cluster_findings(tmp_path)
    assert [(f["check"], f["status"]) for f in found] == [("cluster_reachable", "fail")], found
    assert "no kubeconfig at" in found[0]["message"] and "--tags cluster" in found[0]["fix"], found

"""Make ``ansible_collections.homelab.mediastack`` importable from the working tree, and the
``kube_lab`` fixture: a local Kubernetes control plane (scripts/kube-lab.sh) for tests that need a
real API server, scheduler and controller manager.

`make link` points .build/collections/ansible_collections/homelab/mediastack at the repository.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COLLECTIONS = Path(__file__).resolve().parents[2] / ".build" / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))


# --- the local Kubernetes control plane (scripts/kube-lab.sh) ---------------------------------------

ROOT = Path(__file__).resolve().parents[2]
KUBE_LAB = ROOT / "scripts" / "kube-lab.sh"


class KubeLab:
    """A running control plane: etcd, API server, controller manager, scheduler, kwok (see kube-lab.sh)."""

    def __init__(self, state_dir):
        self.state_dir = Path(state_dir)
        self.kubeconfig = str(self.state_dir / "kubeconfig")

    def run(self, *args):
        result = subprocess.run(["bash", str(KUBE_LAB)] + list(args), capture_output=True, text=True,
                                timeout=600, check=False)
        if result.returncode != 0:
            raise AssertionError("kube-lab.sh %s failed:\n%s%s" % (" ".join(args), result.stdout, result.stderr))
        return result

    def up(self):
        self.run("up", str(self.state_dir))

    def down(self):
        self.run("down", str(self.state_dir))

    def nodes(self, nodes):
        """Make the kwok nodes exactly these (list of {name, labels, taints, allocatable, ...})."""
        path = self.state_dir / "nodes-request.json"
        path.write_text(json.dumps(nodes))
        self.run("nodes", str(self.state_dir), str(path))

    def kubectl(self, *args, stdin=None, check=True):
        tools = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))
        result = subprocess.run([str(tools / "kubectl"), "--kubeconfig", self.kubeconfig] + list(args),
                                input=stdin, capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise AssertionError("kubectl %s failed: %s" % (" ".join(args), result.stderr))
        return result

    def api_client(self):
        from kubernetes import config  # pylint: disable=import-outside-toplevel
        return config.new_client_from_config(config_file=self.kubeconfig)


@pytest.fixture(name="kube_lab", scope="session")
def fixture_kube_lab(tmp_path_factory):
    """One control plane for the whole test session, stopped at its end.

    Tests share it: each works in its own namespace and sets the nodes it needs with kube_lab.nodes().
    """
    lab = KubeLab(tmp_path_factory.mktemp("kube-lab"))
    try:
        lab.up()
        yield lab
    finally:
        subprocess.run(["bash", str(KUBE_LAB), "down", str(lab.state_dir)], capture_output=True, check=False,
                       timeout=120)

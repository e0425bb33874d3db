"""Reading a local control plane (scripts/kube-lab.sh) back with the real kubectl.

Shared by the molecule scenarios' verifiers (molecule/cluster, molecule/apps), which import it by
path: test equipment, never part of the collection.
"""

import json
import os
import subprocess
import time
from pathlib import Path

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[2]))
KUBECTL = Path(os.environ.get("MEDIASTACK_TOOLS", PROJECT / ".build" / "bin")) / "kubectl"
# The field manager of every object the collection applies (server-side apply).
MANAGER = "homelab.mediastack"


class KubeLab:
    """One control plane, by its kubeconfig."""

    def __init__(self, kubeconfig):
        self.kubeconfig = Path(kubeconfig)

    def run(self, *args, check=True, stdin=None):
        result = subprocess.run([str(KUBECTL), "--kubeconfig", str(self.kubeconfig)] + list(args), input=stdin,
                                capture_output=True, text=True, check=False, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError("kubectl %s: %s" % (" ".join(args), result.stderr))
        return result

    def get(self, *args):
        # kubectl leaves metadata.managedFields out unless asked
        return json.loads(self.run("get", "-o", "json", "--show-managed-fields", *args).stdout)


def applied_by_the_role(obj):
    return any(f.get("manager") == MANAGER and f.get("operation") == "Apply"
               for f in obj["metadata"].get("managedFields") or [])


def wait(predicate, timeout=60):
    """The predicate's first true value, polled every 2 s; its last value after timeout s."""
    deadline = time.time() + timeout
    value = predicate()
    while not value and time.time() < deadline:
        time.sleep(2)
        value = predicate()
    return value

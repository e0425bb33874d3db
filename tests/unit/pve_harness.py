"""Run the Proxmox VE API stand-in (tests/standins/proxmox) in-process over HTTPS for unit tests.

The stand-in reads the official schema in place from the reference folder
(MEDIASTACK_REFERENCE, default <repo>/../shared/reference); tests skip when it is absent.
"""

import importlib.util
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
SCHEMA = REFERENCE / "proxmox" / "pve-api-schema.json"
FACTS = REFERENCE / "proxmox" / "FACTS.md"
ROOT_PASSWORD = "unit-root-password"  # test-only credentials of the stand-in
TOKEN_ID = "automation@pve!ansible"
TOKEN_SECRET = "0b5e7a1c-1111-4222-8333-944445555666"
TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"


def load_standin():
    spec = importlib.util.spec_from_file_location("pve_standin", ROOT / "tests" / "standins" / "proxmox" / "pve_standin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Standin:
    """One stand-in server for the test session; `reset` gives each test a fresh node."""

    def __init__(self, base):
        if not SCHEMA.is_file():
            pytest.skip("reference schema not found at %s (set MEDIASTACK_REFERENCE)" % SCHEMA)
        if not shutil.which("openssl"):
            pytest.skip("openssl is needed for the stand-in's certificate")
        self.base = base
        cert, key = base / "cert.pem", base / "key.pem"
        self.cert = str(cert)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pve", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        self.mod = load_standin()
        self.mod.TASK_SECONDS = 0.2
        self.counter = 0
        self.conf = self.make_conf()
        self.conf.update(cert=str(cert), key=str(key), listen="127.0.0.1", port=0)
        self.server = self.mod.serve(self.conf)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def make_conf(self):
        self.counter += 1
        run = self.base / ("run%d" % self.counter)
        (run / "dev" / "dri").mkdir(parents=True)
        (run / "dev" / "dri" / "renderD128").write_text("")
        return dict(node="pve", pve_root=str(run / "etc-pve"), state_dir=str(run / "state"), schema=str(SCHEMA),
                    device_root=str(run), users={"root@pam": ROOT_PASSWORD}, tokens={TOKEN_ID: TOKEN_SECRET},
                    storages=[{"storage": "local", "content": {"vztmpl": [TEMPLATE], "iso": []}},
                              {"storage": "local-lvm", "content": {"images": [], "rootdir": []}}])

    def reset(self, **extra):
        conf = self.make_conf()
        conf.update(extra)
        self.conf.update(conf)
        self.mod.TASKS.clear()
        self.mod.configure(self.conf)
        self.root = Path(self.conf["pve_root"])
        return self

    def write_conf(self, kind, vmid, text):
        folder = self.root / "nodes" / "pve" / ("lxc" if kind == "lxc" else "qemu-server")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ("%s.conf" % vmid)).write_text(text)

    def read_conf(self, kind, vmid):
        return (self.root / "nodes" / "pve" / ("lxc" if kind == "lxc" else "qemu-server") / ("%s.conf" % vmid)).read_text()

    def set_running(self, vmid, running=True):
        self.mod.set_running(vmid, running)

    def finish_tasks(self):
        for task in list(self.mod.TASKS.values()):
            self.mod.run_task(task)

    def params(self, **kwargs):
        """proxmox_guest connection parameters for this stand-in."""
        out = dict(api_host="127.0.0.1", api_port=self.port, api_user="root@pam", api_password=ROOT_PASSWORD,
                   api_token_id=None, api_token_secret=None, validate_certs=False, ca_path=None, api_timeout=10)
        out.update(kwargs)
        return out

    def token_params(self, **kwargs):
        return self.params(api_user="automation@pve", api_password=None, api_token_id="ansible",
                           api_token_secret=TOKEN_SECRET, **kwargs)

"""Tautulli linked to Plex on the kubernetes runtime, the role run for real against a local API server.

scripts/kube-lab.sh's etcd and kube-apiserver (the kube_lab fixture) take the objects; the Plex
stand-in (tests/standins/plex) answers /identity on a local port, as Plex's LoadBalancer address
would for the controller. kwok runs no container: what the seed step makes of the Secret's values is
tested in tests/unit/plugins/module_utils/test_media_apps_k8s.py (the script run by /bin/sh).
Skipped when the control plane is not built (make tools).
"""

import base64
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, free_port, load_standin, role_play, run_playbook, serving  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(os.environ.get("MEDIASTACK_TOOLS", ROOT / ".build" / "bin"))
pytestmark = pytest.mark.skipif(
    not all((BIN / b).exists() for b in ("kube-apiserver", "kwok", "etcd", "kubectl")),
    reason="the local control plane is not built (make tools; scripts/kube-lab.sh)")

plex_standin = load_standin("plex_standin_k8s", "plex/plex_standin.py")
PLEX_TOKEN = plex_standin.TOKEN
LOGIN = "test-only-tautulli-login"
PLAY = role_play("homelab.mediastack.media_apps")


def _vars(lab, namespace, identity_url):
    return {"media_apps_runtime": "kubernetes", "media_apps_enabled": ["plex", "tautulli"],
            "media_apps_k8s_namespace": namespace, "media_apps_k8s_kubeconfig": lab.kubeconfig,
            "mediastack_nfs_server": "192.0.2.20", "mediastack_nfs_export": "/mnt/media",
            "mediastack_api_keys": {"tautulli": "0123456789abcdef0123456789abcded"},
            "mediastack_plex_token": PLEX_TOKEN, "media_apps_passwords": {"tautulli": LOGIN},
            "media_apps_tautulli_plex_identity_url": identity_url}


def _run(tmp_path, variables, *extra):
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    result = run_playbook(tmp_path / "play.yml", "-e", "@%s" % (tmp_path / "vars.json"), *extra)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert PLEX_TOKEN not in out and LOGIN not in out
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", out).group(1)), out


def _secret(lab, namespace):
    found = lab.kubectl("-n", namespace, "get", "secret", "media-apps-secrets", "-o", "json", check=False)
    if found.returncode != 0:
        return None
    return dict((k, base64.b64decode(v).decode()) for k, v in json.loads(found.stdout)["data"].items())


def _seed_keys(lab, namespace):
    deployment = json.loads(lab.kubectl("-n", namespace, "get", "deployment", "tautulli", "-o", "json").stdout)
    seed = next(c for c in deployment["spec"]["template"]["spec"]["initContainers"] if c["name"] == "seed-config")
    return dict((e["name"], e.get("value", e.get("valueFrom"))) for e in seed["env"])


def test_tautulli_linked_to_plex_on_kubernetes(tmp_path, kube_lab):
    with serving(plex_standin) as (url, state):
        variables = _vars(kube_lab, "media-tautulli", url)
        changed, out = _run(tmp_path, variables, "--check", "--diff")
        assert changed > 0 and _secret(kube_lab, "media-tautulli") is None  # check mode creates nothing
        changed, out = _run(tmp_path, variables)
        assert changed > 0
        secret = _secret(kube_lab, "media-tautulli")
        assert secret["tautulli.TAUTULLI_PMS_IDENTIFIER"] == state.machine
        assert secret["tautulli.TAUTULLI_PMS_TOKEN"] == PLEX_TOKEN
        assert secret["tautulli.TAUTULLI_HTTP_PASSWORD"].startswith("PBKDF2$sha256$")
        env = _seed_keys(kube_lab, "media-tautulli")
        seeded = dict((env["SEED_K%s" % n[len("SEED_V"):]], v) for n, v in env.items() if n.startswith("SEED_V"))
        # Tautulli reaches Plex by its Service name in the namespace
        assert seeded["pms_ip"] == "plex" and seeded["pms_port"] == "32400" and seeded["pms_ssl"] == "0"
        assert seeded["first_run_complete"] == "1"
        assert seeded["pms_token"] == {"secretKeyRef": {"name": "media-apps-secrets",
                                                        "key": "tautulli.TAUTULLI_PMS_TOKEN"}}
        changed, out = _run(tmp_path, variables)
        assert changed == 0, out
    # Plex down now: a warning, the link already in the Secret kept, nothing changes
    variables["media_apps_tautulli_plex_identity_url"] = "http://127.0.0.1:%d" % free_port()
    changed, out = _run(tmp_path, variables)
    assert changed == 0, out
    assert "Tautulli is not linked to Plex yet" in out
    assert _secret(kube_lab, "media-tautulli")["tautulli.TAUTULLI_PMS_IDENTIFIER"] == state.machine


def test_tautulli_plex_down_on_the_first_run(tmp_path, kube_lab):
    variables = _vars(kube_lab, "media-tautulli-first", "http://127.0.0.1:%d" % free_port())
    changed, out = _run(tmp_path, variables)
    assert changed > 0 and "Tautulli is not linked to Plex yet" in out
    secret = _secret(kube_lab, "media-tautulli-first")
    assert secret["tautulli.TAUTULLI_API_KEY"] and "tautulli.TAUTULLI_PMS_IDENTIFIER" not in secret
    assert "pms_ip" not in _seed_keys(kube_lab, "media-tautulli-first").values()

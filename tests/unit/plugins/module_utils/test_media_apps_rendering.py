"""Rendering of seed 004's two Compose stacks, validated offline against the Compose Specification.

The schema is read in place from ../shared/reference/k8s (or $MEDIASTACK_REFERENCE/k8s), never copied
into the repository. (The Kubernetes runtime's manifests: test_media_apps_k8s.py.) A project with a typo must fail.
"""

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps as m

ROOT = Path(__file__).resolve().parents[4]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference")) / "k8s"
CATALOG = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
KEYS = {name: "%032x" % (i + 1) for i, name in enumerate(["sonarr", "radarr", "lidarr", "prowlarr", "sabnzbd"])}
VPN = {"provider": "custom", "type": "wireguard", "outbound_subnets": ["198.51.100.0/24", "10.42.0.0/16", "10.43.0.0/16"],
       "secrets": {"WIREGUARD_PRIVATE_KEY": "test-only-key"}}


def _compose_schema():
    return json.loads((REFERENCE / "compose-spec.json").read_text())


def _stack(names, name, media_mode="", overrides=None):
    apps = m.merge_catalog(CATALOG, names, overrides=overrides or {}, config_root="/srv/mediastack/config")
    return apps, m.compose_project(name, apps, "/srv/mediastack/config", "/data", 2000, 2000, "Etc/UTC",
                                   api_keys=KEYS, vpn=VPN, media_mode=media_mode)


# Seed 004: VM 209 (download stack, media rw, qBittorrent behind Gluetun) and VM 210 (streaming, media ro).
DOWNLOAD = ["sabnzbd", "qbittorrent", "radarr", "sonarr", "lidarr", "prowlarr", "flaresolverr", "gluetun"]
STREAMING = ["jellyfin", "jellyseerr", "bazarr"]


@pytest.fixture(scope="module")
def download():
    return _stack(DOWNLOAD, "download", "rw", {"qbittorrent": {"vpn": True}})


@pytest.fixture(scope="module")
def streaming():
    # each app's own mode: Jellyfin and Jellyseerr read, Bazarr writes subtitles (issue 17 item 10)
    return _stack(STREAMING, "streaming", "")


@pytest.mark.parametrize("which", ["download", "streaming"])
def test_compose_stacks_match_the_compose_spec(which, request):
    _apps, project = request.getfixturevalue(which)
    # round-trip through YAML, as the role writes it
    project = yaml.safe_load(yaml.safe_dump(project))
    jsonschema.Draft7Validator(_compose_schema()).validate(project)


def test_compose_spec_refuses_a_typo(download):
    _apps, project = download
    broken = copy.deepcopy(project)
    broken["services"]["sonarr"]["volumes_from_typo"] = ["x"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_compose_schema()).validate(broken)


def test_download_stack_content(download):
    _apps, project = download
    services = project["services"]
    assert project["name"] == "download"
    assert set(services) == set(DOWNLOAD)
    for name, service in services.items():
        assert not service["image"].endswith(":latest"), name
        assert service["environment"]["PUID"] == "2000" and service["environment"]["TZ"] == "Etc/UTC"
    # config local, media mounted once read-write at /data
    assert services["sonarr"]["volumes"] == ["/srv/mediastack/config/sonarr:/config", "/data:/data"]
    assert services["prowlarr"]["volumes"] == ["/srv/mediastack/config/prowlarr:/config"]
    # secrets come from the env file, never from the project file
    text = yaml.safe_dump(project)
    for key in KEYS.values():
        assert key not in text
    assert "test-only-key" not in text
    assert services["sonarr"]["env_file"] == ["env/sonarr.env"]
    assert "env_file" not in services["flaresolverr"]
    # health checks and the FlareSolverr memory floor
    assert services["radarr"]["healthcheck"]["test"] == ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:7878/ping || exit 1"]
    assert services["flaresolverr"]["deploy"]["resources"]["limits"]["memory"] == "1024m"
    assert services["sabnzbd"]["ports"] == ["8085:8080"]


def test_download_stack_vpn_sidecar(download):
    _apps, project = download
    qbt, gluetun = project["services"]["qbittorrent"], project["services"]["gluetun"]
    assert qbt["network_mode"] == "service:gluetun"
    assert "ports" not in qbt
    assert qbt["depends_on"] == {"gluetun": {"condition": "service_healthy", "restart": True}}
    assert "8080:8080" in gluetun["ports"] and "6881:6881/udp" in gluetun["ports"]
    assert gluetun["cap_add"] == ["NET_ADMIN"] and gluetun["devices"] == ["/dev/net/tun:/dev/net/tun"]
    assert "FIREWALL" not in gluetun["environment"]  # not read by Gluetun since v3.39
    assert gluetun["environment"]["FIREWALL_OUTBOUND_SUBNETS"] == "198.51.100.0/24,10.42.0.0/16,10.43.0.0/16"


def test_streaming_stack_reads_media_only(streaming):
    _apps, project = streaming
    assert "/data:/data:ro" in project["services"]["jellyfin"]["volumes"]
    assert "/data:/data" in project["services"]["bazarr"]["volumes"]
    assert project["services"]["jellyseerr"]["volumes"] == ["/srv/mediastack/config/jellyseerr:/app/config"]
    assert project["services"]["jellyseerr"]["healthcheck"]["test"][1].startswith("wget ")


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose (Debian) not installed")
def test_docker_compose_config_accepts_the_stacks(tmp_path, download, streaming):
    for _apps, project in (download, streaming):
        (tmp_path / "compose.yaml").write_text(yaml.safe_dump(project))
        (tmp_path / "env").mkdir(exist_ok=True)
        for service, text in m.compose_env_files(_apps, KEYS, vpn_secrets=VPN["secrets"]).items():
            (tmp_path / "env" / ("%s.env" % service)).write_text(text)
        subprocess.run(["docker-compose", "-f", str(tmp_path / "compose.yaml"), "config", "-q"], check=True)

"""media_apps model: catalog merge, secret pre-seed rendering, preflight with bad inventories."""

import base64
import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from ansible_collections.homelab.mediastack.plugins.module_utils import _media_apps as m
from ansible_collections.homelab.mediastack.plugins.module_utils._secrets import qbittorrent_pbkdf2

ROOT = Path(__file__).resolve().parents[4]
CATALOG = yaml.safe_load((ROOT / "roles" / "media_apps" / "vars" / "main.yml").read_text())["media_apps_catalog"]
KEY = "0123456789abcdef0123456789abcdef"
KEY2 = "fedcba9876543210fedcba9876543210"


def test_catalog_has_the_issue_apps_pinned():
    for name in ("sonarr", "radarr", "lidarr", "prowlarr", "qbittorrent", "sabnzbd", "nzbget", "flaresolverr",
                 "jellyfin", "plex", "jellyseerr", "overseerr", "bazarr", "gluetun"):
        assert name in CATALOG, name
        assert CATALOG[name]["tag"] and str(CATALOG[name]["tag"]) != "latest", name
    assert CATALOG["flaresolverr"]["memory_floor"] == "1Gi"
    assert CATALOG["qbittorrent"]["native"]["package"] == "qbittorrent-nox"
    assert CATALOG["nzbget"]["native"]["package"] == "nzbget"


def test_merge_deep_overrides_and_inline_fields():
    apps = m.merge_catalog(CATALOG, ["sonarr", {"name": "radarr", "lb_ip": "192.0.2.156"}],
                           overrides={"sonarr": {"tag": "4.0.16", "resources": {"limits": {"memory": "2Gi"}}}},
                           config_root="/srv/cfg/")
    assert sorted(apps) == ["radarr", "sonarr"]
    assert apps["sonarr"]["tag"] == "4.0.16"
    # dicts merge key by key: the request survives an override of the limit
    assert apps["sonarr"]["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "2Gi"}}
    assert apps["sonarr"]["image"] == CATALOG["sonarr"]["image"]
    assert apps["radarr"]["lb_ip"] == "192.0.2.156"
    assert apps["sonarr"]["config_path"] == "/srv/cfg/sonarr"
    # the catalog itself is left untouched
    assert CATALOG["sonarr"]["tag"] != "4.0.16"


def test_merge_lists_replace_and_extra_apps():
    extra = {"navidrome": {"image": "deluan/navidrome", "tag": "0.58.0", "ports": [{"port": 4533}],
                           "config_dir": "/data-navidrome", "media": "ro"}}
    apps = m.merge_catalog(CATALOG, ["navidrome", "qbittorrent"], extra=extra,
                           overrides={"qbittorrent": {"ports": [{"port": 8081}]}})
    assert apps["navidrome"]["image"] == "deluan/navidrome"
    assert apps["qbittorrent"]["ports"] == [{"port": 8081}]


def test_merge_config_path_override_kept():
    apps = m.merge_catalog(CATALOG, ["sonarr"], overrides={"sonarr": {"config_path": "/opt/sonarr"}}, config_root="/x")
    assert apps["sonarr"]["config_path"] == "/opt/sonarr"


@pytest.mark.parametrize("enabled,overrides,needle", [
    (["sonar"], {}, "sonar is not in the catalog"),
    (["sonarr", "sonarr"], {}, "sonarr is listed twice"),
    (["sonarr"], {"raddar": {}}, "raddar not in the catalog"),
    ([{"tag": "1"}], {}, "has no name"),
])
def test_merge_refuses_unknown_names(enabled, overrides, needle):
    with pytest.raises(m.MediaAppsError, match=needle):
        m.merge_catalog(CATALOG, enabled, overrides)


def test_arr_config_xml_carries_the_api_key():
    doc = ET.fromstring(m.arr_config_xml(8989, KEY))
    assert doc.tag == "Config"
    assert doc.findtext("ApiKey") == KEY
    assert doc.findtext("Port") == "8989"
    assert doc.findtext("AuthenticationMethod") == "Forms"
    with pytest.raises(m.MediaAppsError):
        m.arr_config_xml(8989, "NOT-A-KEY")


def test_arr_config_xml_escapes_values():
    doc = ET.fromstring(m.arr_config_xml(7878, KEY, url_base="/a&b"))
    assert doc.findtext("UrlBase") == "/a&b"


def test_qbittorrent_settings_hold_a_pbkdf2_hash_of_the_password():
    value = qbittorrent_pbkdf2("s3cret", seed="host1")
    settings = {(s["section"], s["key"]): s["value"]
                for s in m.qbittorrent_settings(value, username="admin", port=8080, save_path="/data/torrents")}
    stored = settings[("Preferences", "WebUI\\Password_PBKDF2")]
    assert stored.startswith('"@ByteArray(') and stored.endswith(')"')
    salt_b64, key_b64 = stored[len('"@ByteArray('):-2].split(":")
    salt, key = base64.b64decode(salt_b64), base64.b64decode(key_b64)
    assert len(salt) == 16 and len(key) == 64
    # PBKDF2-HMAC-SHA512, 100000 iterations, as qBittorrent checks it
    assert hashlib.pbkdf2_hmac("sha512", b"s3cret", salt, 100000, 64) == key
    assert hashlib.pbkdf2_hmac("sha512", b"wrong", salt, 100000, 64) != key
    assert settings[("LegalNotice", "Accepted")] == "true"
    assert settings[("Preferences", "WebUI\\Username")] == "admin"
    assert settings[("BitTorrent", "Session\\DefaultSavePath")] == "/data/torrents"
    assert "s3cret" not in repr(settings)


def test_compose_env_holds_the_api_keys():
    apps = m.merge_catalog(CATALOG, ["sonarr", "prowlarr", "qbittorrent"])
    env = m.compose_secrets_env(apps, {"sonarr": KEY, "prowlarr": KEY2})
    assert env.splitlines() == ["PROWLARR__AUTH__APIKEY=%s" % KEY2, "SONARR__AUTH__APIKEY=%s" % KEY]


@pytest.mark.parametrize("quantity,expected", [
    ("1Gi", 1024 ** 3), ("512Mi", 512 * 1024 ** 2), ("1G", 10 ** 9), ("1g", 1024 ** 3), ("768m", 768 * 1024 ** 2),
    (1048576, 1048576),
])
def test_parse_quantity(quantity, expected):
    assert m.parse_quantity(quantity) == expected


def test_parse_quantity_refuses_garbage():
    with pytest.raises(m.MediaAppsError):
        m.parse_quantity("lots")


def _good(runtime="compose", names=("sonarr", "qbittorrent", "flaresolverr"), **overrides):
    return m.merge_catalog(CATALOG, list(names), overrides=overrides, config_root="/srv/mediastack/config")


SECRETS = {"api_keys": {"sonarr": KEY, "radarr": KEY2, "prowlarr": KEY, "sabnzbd": KEY},
           "passwords": {"qbittorrent": "x", "nzbget": "y"}}


def test_preflight_accepts_a_good_inventory():
    assert m.preflight_errors(_good(), "compose", SECRETS) == []
    native = m.merge_catalog(CATALOG, ["qbittorrent", "nzbget"])
    assert m.preflight_errors(native, "native", SECRETS) == []


def _only(errors, app):
    assert len(errors) == 1, errors
    assert errors[0].startswith(app + ":"), errors
    return errors[0]


def test_preflight_refuses_config_on_nfs():
    hits = [{"label": "sonarr", "path": "/mnt/docker/sonarr", "mount": "/mnt/docker"}]
    msg = _only(m.preflight_errors(_good(), "compose", SECRETS, nfs_hits=hits), "sonarr")
    assert "NFS mount /mnt/docker" in msg and "media_apps_config_root" in msg


def test_preflight_refuses_a_port_used_twice():
    apps = _good(names=("qbittorrent", "sabnzbd"), sabnzbd={"ports": [{"port": 8080, "host": 8080}]})
    msg = _only(m.preflight_errors(apps, "compose", SECRETS, host="dl1"), "sabnzbd")
    assert "8080/tcp is already used by qbittorrent on dl1" in msg


def test_preflight_refuses_memory_below_the_floor():
    apps = _good(flaresolverr={"resources": {"limits": {"memory": "512Mi"}}})
    msg = _only(m.preflight_errors(apps, "compose", SECRETS), "flaresolverr")
    assert "below its floor 1Gi" in msg


def test_preflight_refuses_missing_or_bad_secrets():
    errors = m.preflight_errors(_good(names=("sonarr", "qbittorrent")), "compose",
                                {"api_keys": {"sonarr": "ABC"}, "passwords": {}})
    assert len(errors) == 2
    assert errors[0].startswith("qbittorrent:") and "media_apps_passwords.qbittorrent" in errors[0]
    assert errors[1].startswith("sonarr:") and "mediastack_api_keys.sonarr" in errors[1]


def test_preflight_refuses_latest_tags():
    msg = _only(m.preflight_errors(_good(sonarr={"tag": "latest"}), "compose", SECRETS), "sonarr")
    assert "pinned tag" in msg


def test_preflight_refuses_unpackaged_apps_natively():
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "jellyfin"])
    msg = _only(m.preflight_errors(apps, "native", SECRETS), "jellyfin")
    assert "no Debian package" in msg


POOL = ["192.0.2.150-192.0.2.165"]


def test_preflight_load_balancer_ips():
    apps = _good(names=("sonarr", "radarr"), sonarr={"lb_ip": "192.0.2.157"}, radarr={"lb_ip": "192.0.2.156"})
    assert m.preflight_errors(apps, "kubernetes", SECRETS, pool=POOL) == []
    outside = _good(names=("sonarr",), sonarr={"lb_ip": "192.0.2.166"})
    msg = _only(m.preflight_errors(outside, "kubernetes", SECRETS, pool=POOL), "sonarr")
    assert "outside the MetalLB pool 192.0.2.150-192.0.2.165" in msg
    twice = _good(names=("sonarr", "radarr"), sonarr={"lb_ip": "192.0.2.157"}, radarr={"lb_ip": "192.0.2.157"})
    msg = _only(m.preflight_errors(twice, "kubernetes", SECRETS, pool=POOL), "sonarr")
    assert "already given to radarr" in msg
    cidr = _good(names=("sonarr",), sonarr={"lb_ip": "198.51.100.7"})
    assert m.preflight_errors(cidr, "kubernetes", SECRETS, pool=["198.51.100.0/28"]) == []


def test_preflight_vpn_needs_gluetun():
    msg = _only(m.preflight_errors(_good(names=("qbittorrent",), qbittorrent={"vpn": True}), "compose", SECRETS),
                "qbittorrent")
    assert "gluetun" in msg

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
                 "jellyfin", "plex", "jellyseerr", "overseerr", "bazarr", "gluetun", "seerr", "unpackerr", "tautulli",
                 "homepage"):
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
    # Forms without a user (users live in the app's database) locks the web UI out (issue 15)
    assert doc.find("AuthenticationMethod") is None
    assert doc.findtext("AuthenticationRequired") == "Enabled"
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


def test_compose_env_files_one_per_service_with_only_its_secrets():
    # issue 17 item 5: one env file per service, holding only its own secrets
    apps = m.merge_catalog(CATALOG, ["sonarr", "prowlarr", "qbittorrent", "gluetun", "flaresolverr"],
                           overrides={"qbittorrent": {"vpn": True}})
    files = m.compose_env_files(apps, {"sonarr": KEY, "prowlarr": KEY2}, {"qbittorrent": "pw"},
                                vpn_secrets={"WIREGUARD_PRIVATE_KEY": "wg"})
    assert files == {"gluetun": "WIREGUARD_PRIVATE_KEY=wg\n", "prowlarr": "PROWLARR__AUTH__APIKEY=%s\n" % KEY2,
                     "sonarr": "SONARR__AUTH__APIKEY=%s\n" % KEY}


def test_nzbget_login_reaches_the_image():
    # issue 17 item 1: the image turns NZBGET_USER/NZBGET_PASS into ControlUsername/ControlPassword
    apps = m.merge_catalog(CATALOG, ["nzbget"], overrides={"nzbget": {"username": "usenet"}})
    files = m.compose_env_files(apps, {}, {"nzbget": "s3cret"})
    assert files == {"nzbget": "NZBGET_PASS=s3cret\nNZBGET_USER=usenet\n"}
    project = m.compose_project("dl", apps, "/srv/cfg", "/data", 2000, 2000, "Etc/UTC", env_files=list(files))
    assert project["services"]["nzbget"]["env_file"] == ["env/nzbget.env"]
    assert "s3cret" not in repr(project)


def test_seerr_gets_the_inventory_api_key_as_api_key_when_it_has_one():
    # Seerr and Jellyseerr take main.apiKey from API_KEY (seerr-team/seerr, Fallenbagel/jellyseerr:
    # server/lib/settings/index.ts); without it their key is random and a vaulted one never works.
    apps = m.merge_catalog(CATALOG, ["seerr", "jellyseerr", "sonarr"])
    files = m.compose_env_files(apps, {"sonarr": KEY, "seerr": "seerr-key", "jellyseerr": KEY2})
    assert files["seerr"] == "API_KEY=seerr-key\n"
    assert files["jellyseerr"] == "API_KEY=%s\n" % KEY2
    # optional: no key in the inventory, no variable and no preflight error (the wiring signs in through Jellyfin)
    assert "seerr" not in m.compose_env_files(apps, {"sonarr": KEY})
    apps = m.merge_catalog(CATALOG, ["seerr", "sonarr"])
    assert m.preflight_errors(apps, "compose", {"api_keys": {"sonarr": KEY}, "passwords": {}}) == []


def test_extra_app_secrets_go_to_its_own_env_file():
    extra = {"navidrome": {"image": "deluan/navidrome", "tag": "0.58.0", "ports": [{"port": 4533}]}}
    apps = m.merge_catalog(CATALOG, ["navidrome", "sonarr"], extra=extra)
    files = m.compose_env_files(apps, {"sonarr": KEY}, app_secrets={"navidrome": {"ND_LASTFM_SECRET": "lf"}})
    assert files["navidrome"] == "ND_LASTFM_SECRET=lf\n"
    assert "lf" not in files["sonarr"]


def test_unpackerr_is_wired_to_each_arr_app():
    apps = m.merge_catalog(CATALOG, ["unpackerr", "sonarr", "radarr", "prowlarr"])
    files = m.compose_env_files(apps, {"sonarr": KEY, "radarr": KEY2, "prowlarr": KEY})
    assert files["unpackerr"] == "UN_RADARR_0_API_KEY=%s\nUN_SONARR_0_API_KEY=%s\n" % (KEY2, KEY)
    env = m.compose_project("dl", apps, "/srv/cfg", "/data", 2000, 2000, "Etc/UTC")["services"]["unpackerr"]
    assert env["environment"]["UN_SONARR_0_URL"] == "http://sonarr:8989"
    assert env["environment"]["UN_RADARR_0_PATHS_0"] == "/data/torrents"
    assert env["user"] == "2000:2000" and env["volumes"] == ["/data:/data"]
    # a Sonarr on another host, given by URL
    links = [{"name": "sonarr", "kind": "sonarr", "url": "http://download-vm:8989/"}]
    env = m.compose_project("dl", apps, "/c", "/data", 1, 1, "UTC", links=links)["services"]["unpackerr"]["environment"]
    assert env["UN_SONARR_0_URL"] == "http://download-vm:8989" and "UN_RADARR_0_URL" not in env
    with pytest.raises(m.MediaAppsError, match="kind must be one of"):
        m.arr_links(apps, [{"name": "x", "kind": "plex", "url": "http://x"}])


def test_linuxserver_images_get_umask_002():
    # issue 17 item 4: docs/storage.md wants group-writable media (UMASK 002)
    apps = m.merge_catalog(CATALOG, ["sonarr", "qbittorrent", "flaresolverr", "seerr"])
    services = m.compose_project("dl", apps, "/c", "/data", 1, 1, "UTC")["services"]
    assert services["sonarr"]["environment"]["UMASK"] == "002"
    assert services["qbittorrent"]["environment"]["UMASK"] == "002"
    assert "UMASK" not in services["flaresolverr"]["environment"]
    assert "UMASK" not in services["seerr"]["environment"]


def test_health_checks_the_real_programs_pass():
    # issue 17 item 3: qBittorrent's API answers 403 and NZBGet 401 without a login
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "nzbget", "sabnzbd"])
    services = m.compose_project("dl", apps, "/c", "/data", 1, 1, "UTC")["services"]
    assert services["qbittorrent"]["healthcheck"]["test"] == ["CMD-SHELL", "nc -z localhost 8080 || exit 1"]
    assert services["nzbget"]["healthcheck"]["test"] == ["CMD-SHELL", "nc -z localhost 6789 || exit 1"]
    assert "/api?mode=version" in services["sabnzbd"]["healthcheck"]["test"][1]


def test_gluetun_depends_on_restart_and_no_dead_firewall_variable():
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "gluetun"], overrides={"qbittorrent": {"vpn": True}})
    project = m.compose_project("dl", apps, "/c", "/data", 1, 1, "UTC",
                                vpn={"outbound_subnets": ["192.0.2.0/24"], "env": {"WIREGUARD_ENDPOINT_PORT": 51820}})
    qbt, gluetun = project["services"]["qbittorrent"], project["services"]["gluetun"]
    assert qbt["depends_on"] == {"gluetun": {"condition": "service_healthy", "restart": True}}
    assert "FIREWALL" not in gluetun["environment"]
    assert gluetun["environment"]["WIREGUARD_ENDPOINT_PORT"] == "51820"
    assert m.service_hosts(apps) == {"qbittorrent": "gluetun", "gluetun": "gluetun"}
    assert m.service_hosts(m.merge_catalog(CATALOG, ["qbittorrent"])) == {"qbittorrent": "qbittorrent"}


@pytest.mark.parametrize("provider,vpn_type,keys,missing", [
    ("custom", "wireguard", ["WIREGUARD_PRIVATE_KEY"],
     ["WIREGUARD_ADDRESSES", "WIREGUARD_ENDPOINT_IP or VPN_ENDPOINT_IP",
      "WIREGUARD_ENDPOINT_PORT or VPN_ENDPOINT_PORT", "WIREGUARD_PUBLIC_KEY"]),
    ("custom", "wireguard", ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES", "VPN_ENDPOINT_IP",
                             "WIREGUARD_ENDPOINT_PORT", "WIREGUARD_PUBLIC_KEY"], []),
    ("mullvad", "wireguard", ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES"], []),
    ("airvpn", "wireguard", ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES"], ["WIREGUARD_PRESHARED_KEY"]),
    ("protonvpn", "openvpn", ["OPENVPN_USER"], ["OPENVPN_PASSWORD"]),
    ("custom", "openvpn", [], ["OPENVPN_CUSTOM_CONFIG"]),
])
def test_preflight_gluetun_required_keys(provider, vpn_type, keys, missing):
    # issue 17 item 9: Gluetun exits without these; say so before the stack starts
    apps = m.merge_catalog(CATALOG, ["qbittorrent", "gluetun"], overrides={"qbittorrent": {"vpn": True}})
    errors = m.preflight_errors(apps, "compose", SECRETS, vpn={"provider": provider, "type": vpn_type, "keys": keys})
    if missing:
        assert len(errors) == 1 and errors[0].startswith("gluetun: %s %s needs %s;" % (provider, vpn_type, ", ".join(missing)))
    else:
        assert errors == []


def test_preflight_refuses_read_only_media_for_an_app_that_writes_it():
    # issue 17 item 10: Bazarr writes subtitles; a ro mount loses them silently
    apps = m.merge_catalog(CATALOG, ["bazarr"], config_root="/srv/cfg")
    errors = m.preflight_errors(apps, "compose", SECRETS, media_mode="ro")
    assert len(errors) == 1 and errors[0].startswith("bazarr: writes into the media tree (subtitles")
    assert m.preflight_errors(apps, "compose", SECRETS, media_mode="rw") == []
    assert m.preflight_errors(apps, "compose", SECRETS) == []
    apps = m.merge_catalog(CATALOG, ["bazarr"], overrides={"bazarr": {"media": "ro"}})
    assert "bazarr: writes into the media tree" in m.preflight_errors(apps, "kubernetes", SECRETS)[0]


def test_sabnzbd_host_whitelist_keeps_its_own_and_adds_ours():
    # issue 17 item 2: SABnzbd answers 403 to Host names not in host_whitelist
    assert m.sabnzbd_host_whitelist("", ["sabnzbd", "dl-vm"]) == "sabnzbd, dl-vm"
    ini = "[misc]\nhost_whitelist = ab12cd, sabnzbd,\n[servers]\n[[news]]\nhost = news.example\n"
    assert m.sabnzbd_host_whitelist(ini, ["sabnzbd", "dl-vm"]) == "ab12cd, sabnzbd, dl-vm"
    done = "[misc]\nhost_whitelist = ab12cd, sabnzbd, dl-vm\n"
    assert m.sabnzbd_host_whitelist(done, ["SABnzbd", "dl-vm"]) == "ab12cd, sabnzbd, dl-vm"


def test_homepage_widgets_refer_to_secrets_by_variable():
    apps = m.merge_catalog(CATALOG, ["homepage", "sonarr", "qbittorrent", "gluetun", "flaresolverr", "plex"],
                           overrides={"qbittorrent": {"vpn": True}})
    config = m.homepage_config(apps, {"sonarr": KEY}, {"qbittorrent": "pw"}, {"plex": "plex-token"})
    entries = dict(next(iter(e.items())) for e in config["services"][0]["Media"])
    assert entries["sonarr"]["widget"] == {"type": "sonarr", "url": "http://sonarr:8989",
                                           "key": "{{HOMEPAGE_VAR_SONARR_KEY}}"}
    assert entries["qbittorrent"]["widget"]["url"] == "http://gluetun:8080"
    assert entries["qbittorrent"]["widget"]["password"] == "{{HOMEPAGE_VAR_QBITTORRENT_PASSWORD}}"
    assert entries["plex"]["widget"]["key"] == "{{HOMEPAGE_VAR_PLEX_KEY}}"
    assert "widget" not in entries["flaresolverr"] and "gluetun" not in entries
    assert config["env"] == {"HOMEPAGE_VAR_SONARR_KEY": KEY, "HOMEPAGE_VAR_QBITTORRENT_PASSWORD": "pw",
                             "HOMEPAGE_VAR_PLEX_KEY": "plex-token"}
    assert KEY not in repr(config["services"])


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

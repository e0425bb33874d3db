"""arr_wiring plan: categories per app, root folders and path mappings from the storage layout,
hardlinks only on one filesystem, Prowlarr applications and FlareSolverr tag matching."""

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_wiring import (
    PlanError, same_filesystem, wiring_plan,
)

KEYS = {"sonarr": "a" * 32, "radarr": "b" * 32, "prowlarr": "c" * 32}


def model(**overrides):
    base = {
        "data_root": "/data", "api_keys": KEYS,
        "apps": [{"name": "sonarr", "url": "http://sonarr.example.com:8989/"},
                 {"name": "radarr", "url": "http://radarr.example.com:7878", "prowlarr_base_url": "http://radarr:7878"}],
        "download_clients": [
            {"name": "qBittorrent", "implementation": "QBittorrent", "host": "qbittorrent", "port": 8080,
             "username": "admin", "password": "pw", "mounts": {"/data/torrents": "/downloads"},
             "categories": {"sonarr": "tv-sonarr"}},
            {"name": "NZBGet", "implementation": "Nzbget", "host": "nzbget", "port": 6789}],
        "prowlarr": {"url": "http://prowlarr.example.com:9696", "url_from_apps": "http://prowlarr:9696"},
        "flaresolverr_url": "http://flaresolverr:8191/",
        "indexers": [{"name": "Example", "implementation": "Torznab", "fields": {"baseUrl": "https://x.example.com"},
                      "flaresolverr": True},
                     {"name": "Plain", "implementation": "Newznab"}],
    }
    base.update(overrides)
    return base


def test_categories_per_app_and_client_fields():
    plan = wiring_plan(model())
    sonarr, radarr = plan["arr"]
    qbt = [c for c in sonarr["download_clients"] if c["name"] == "qBittorrent"][0]
    assert qbt["fields"] == {"host": "qbittorrent", "port": 8080, "username": "admin", "password": "pw",
                             "tvCategory": "tv-sonarr"}
    nzb = [c for c in radarr["download_clients"] if c["name"] == "NZBGet"][0]
    assert nzb["fields"]["movieCategory"] == "radarr"
    assert sonarr["api_key"] == KEYS["sonarr"] and sonarr["url"] == "http://sonarr.example.com:8989"


def test_mapping_only_for_the_client_that_sees_another_path():
    sonarr = wiring_plan(model())["arr"][0]
    assert sonarr["remote_path_mappings"] == [
        {"host": "qbittorrent", "remote_path": "/downloads/", "local_path": "/data/torrents/"}]
    assert sonarr["root_folders"] == ["/data/media/tv"]


def test_app_mounts_translate_root_folders_and_local_paths():
    m = model(apps=[{"name": "sonarr", "url": "http://s:8989", "mounts": {"/data": "/mnt/media"}}])
    sonarr = wiring_plan(m)["arr"][0]
    assert sonarr["root_folders"] == ["/mnt/media/media/tv"]
    assert {"host": "nzbget", "remote_path": "/data/usenet/", "local_path": "/mnt/media/usenet/"} in sonarr["remote_path_mappings"]


def test_hardlinks_only_where_downloads_and_library_share_a_filesystem():
    assert wiring_plan(model())["arr"][0]["config"]["mediamanagement"] == {"copyUsingHardlinks": True}
    split = model(filesystems=["/data/media", "/data/torrents", "/data/usenet"])
    assert wiring_plan(split)["arr"][0]["config"]["mediamanagement"] == {"copyUsingHardlinks": False}
    assert same_filesystem(["/data/torrents/tv", "/data/media/tv"], ["/data"])
    assert not same_filesystem(["/data/torrents/tv", "/data/media/tv"], ["/data", "/data/media"])


def test_prowlarr_applications_flaresolverr_and_tags():
    prowlarr = wiring_plan(model())["prowlarr"]
    assert prowlarr["tags"] == ["flaresolverr"]
    assert prowlarr["indexer_proxies"][0]["tags"] == ["flaresolverr"]
    sonarr_app, radarr_app = prowlarr["applications"]
    assert sonarr_app["name"] == "Sonarr" and sonarr_app["implementation"] == "Sonarr"
    assert sonarr_app["fields"] == {"prowlarrUrl": "http://prowlarr:9696", "baseUrl": "http://sonarr.example.com:8989",
                                    "apiKey": KEYS["sonarr"]}
    assert radarr_app["fields"]["baseUrl"] == "http://radarr:7878"
    assert prowlarr["indexers"][0]["tags"] == ["flaresolverr"] and "tags" not in prowlarr["indexers"][1]
    assert "flaresolverr" not in prowlarr["indexers"][0]


def test_missing_api_key_says_which_variable_to_set():
    with pytest.raises(PlanError, match="mediastack_api_keys.radarr"):
        wiring_plan(model(api_keys={"sonarr": "a" * 32}))


def test_flaresolverr_indexer_without_flaresolverr_fails():
    with pytest.raises(PlanError, match="arr_wiring_flaresolverr_url"):
        wiring_plan(model(flaresolverr_url=""))


def test_client_folder_the_app_cannot_see_fails():
    m = model(apps=[{"name": "sonarr", "url": "http://s:8989", "mounts": {"/data/media": "/media"}}])
    with pytest.raises(PlanError, match="cannot see /data/torrents"):
        wiring_plan(m)

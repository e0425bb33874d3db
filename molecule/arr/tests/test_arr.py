"""Read the wiring back through the apps' APIs (on the app host, where the stand-ins listen)."""

import json

import pytest

testinfra_hosts = ["ansible://arr-stack"]

# Test-only keys of the stand-ins (molecule.yml).
KEYS = {
    "sonarr": ("v3", 8989, "5a0e1c2b3d4f5a6b7c8d9e0f1a2b3c4d"),
    "radarr": ("v3", 7878, "6b1f2d3c4e5a6b7c8d9e0f1a2b3c4d5e"),
    "lidarr": ("v1", 8686, "7c2a3e4d5f6b7c8d9e0f1a2b3c4d5e6f"),
    "prowlarr": ("v1", 9696, "8d3b4f5e6a7c8d9e0f1a2b3c4d5e6f7a"),
}

PATHS = {
    "sonarr": ["downloadclient", "rootfolder", "remotepathmapping", "config/mediamanagement", "indexer"],
    "radarr": ["downloadclient", "rootfolder", "remotepathmapping", "config/mediamanagement", "indexer"],
    "lidarr": ["downloadclient", "rootfolder", "remotepathmapping", "config/mediamanagement", "indexer"],
    "prowlarr": ["tag", "applications", "indexerproxy", "indexer"],
}

# One remote call reads everything (each testinfra command costs an Ansible round trip).
READ_ALL = """
import json, sys, urllib.request
keys, paths = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {}
for app, (version, port, key) in keys.items():
    for path in paths[app]:
        req = urllib.request.Request("http://127.0.0.1:%d/api/%s/%s" % (port, version, path), headers={"X-Api-Key": key})
        out["%s/%s" % (app, path)] = json.load(urllib.request.urlopen(req))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def apis(host):
    return json.loads(host.check_output("python3 -c '%s' '%s' '%s'" % (READ_ALL, json.dumps(KEYS), json.dumps(PATHS))))


def api(apis, app, path):
    return apis["%s/%s" % (app, path)]


def fields(obj):
    return dict((f["name"], f.get("value")) for f in obj["fields"])


def by_name(items):
    return dict((i["name"], i) for i in items)


def test_download_clients_with_a_category_per_app(apis):
    for app, field, nzb_category in (("sonarr", "tvCategory", "Series"), ("radarr", "movieCategory", "Movies"),
                                     ("lidarr", "musicCategory", "Music")):
        clients = by_name(api(apis, app, "downloadclient"))
        qbt = fields(clients["qBittorrent"])
        assert (qbt["host"], qbt["port"], qbt[field]) == ("127.0.0.1", 8080, app)
        assert qbt["password"] == "********"
        assert fields(clients["NZBGet"])[field] == nzb_category


def test_root_folders_and_a_mapping_only_for_the_client_that_needs_one(apis):
    for app, folder in (("sonarr", "/data/media/tv"), ("radarr", "/data/media/movies"), ("lidarr", "/data/media/music")):
        assert [r["path"].rstrip("/") for r in api(apis, app, "rootfolder")] == [folder]
        mappings = api(apis, app, "remotepathmapping")
        assert [(m["host"], m["remotePath"], m["localPath"]) for m in mappings] == [
            ("127.0.0.1", "/downloads/", "/data/torrents/")]


def test_hardlinks_on_one_filesystem(apis):
    for app in ("sonarr", "radarr", "lidarr"):
        assert api(apis, app, "config/mediamanagement")["copyUsingHardlinks"] is True


def test_prowlarr_applications_flaresolverr_and_tags(apis):
    tags = dict((t["id"], t["label"]) for t in api(apis, "prowlarr", "tag"))
    apps = by_name(api(apis, "prowlarr", "applications"))
    assert sorted(apps) == ["Lidarr", "Radarr", "Sonarr"]
    for name, port in (("Sonarr", 8989), ("Radarr", 7878), ("Lidarr", 8686)):
        assert apps[name]["syncLevel"] == "fullSync"
        assert fields(apps[name])["baseUrl"] == "http://127.0.0.1:%d" % port
        assert fields(apps[name])["prowlarrUrl"] == "http://127.0.0.1:9696"
    proxy = by_name(api(apis, "prowlarr", "indexerproxy"))["FlareSolverr"]
    assert [tags[t] for t in proxy["tags"]] == ["flaresolverr"]
    indexers = by_name(api(apis, "prowlarr", "indexer"))
    assert [tags[t] for t in indexers["Torznab One"]["tags"]] == ["flaresolverr"]
    assert indexers["Newznab Two"]["tags"] == []


def test_indexers_reached_the_apps(apis):
    # Prowlarr's ApplicationIndexerSync pushed its indexers into every app.
    for app in ("sonarr", "radarr", "lidarr"):
        names = [i["name"] for i in api(apis, app, "indexer")]
        assert any("Newznab Two" in n for n in names), names


QBT = """
import http.cookiejar, json, urllib.parse, urllib.request
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
form = urllib.parse.urlencode({"username": "admin", "password": "test-only-qbt-Pass-9231"}).encode()
assert opener.open("http://127.0.0.1:8080/api/v2/auth/login", form).read() == b"Ok."
print(opener.open("http://127.0.0.1:8080/api/v2/torrents/categories").read().decode())
"""


def test_qbittorrent_has_the_categories_the_apps_created_when_testing(host):
    # The stand-ins log in to the real qBittorrent when a client is saved, and create the app's
    # category as Sonarr does; this also proves the preseeded WebUI password works.
    categories = json.loads(host.check_output("python3 -c '%s'" % QBT))
    assert {"sonarr", "radarr", "lidarr"} <= set(categories)

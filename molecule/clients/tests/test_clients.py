"""Read the wiring back through each app's API, from the controller as the role calls them.

Real qbittorrent-nox, nzbget and SABnzbd (sabnzbdplus, Debian 12) answer for themselves; Jellyfin
and Jellyseerr are the stand-ins under tests/standins/.
"""

import base64
import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request

testinfra_hosts = ["ansible://clients-apps"]

# Test-only credentials of this scenario (molecule.yml), never real ones.
QBT_PASSWORD = "test-only-qbittorrent-pass"
NZBGET_PASSWORD = "test-only-nzbget-pass"
JELLYFIN_PASSWORD = "test-only-jellyfin-pass"
SAB_KEY = "00112233445566778899aabbccddeeff"


_ADDRESS = {}


def address(host):
    """The app host's address (asked once: each remote command costs an Ansible round trip)."""
    if "ip" not in _ADDRESS:
        _ADDRESS["ip"] = host.check_output("hostname -I").split()[0]
    return _ADDRESS["ip"]


def call(url, data=None, headers=None, opener=None, method=None):
    body = None
    if isinstance(data, dict):
        body = json.dumps(data).encode()
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
    elif isinstance(data, str):
        body = data.encode()
        headers = dict(headers or {}, **{"Content-Type": "application/x-www-form-urlencoded"})
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
        raw = response.read().decode()
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def qbt_session(host, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = "http://%s:8080" % address(host)
    answer = call(base + "/api/v2/auth/login", urllib.parse.urlencode({"username": "admin", "password": password}),
                  opener=opener)
    return base, opener, answer


def test_qbittorrent_login_with_the_inventory_password_on_first_start(host):
    # The hash was written before the first start; nothing was read from a log.
    _base, _opener, answer = qbt_session(host, QBT_PASSWORD)
    assert answer == "Ok."
    _base, _opener, answer = qbt_session(host, "adminadmin")  # 4.5's old default must not work
    assert answer == "Fails."
    journal = host.check_output("journalctl -u qbittorrent-nox@qbittorrent --no-pager")
    assert "password" not in journal.lower()
    conf = host.file("/var/lib/qbittorrent/.config/qBittorrent/qBittorrent.conf").content_string
    assert "WebUI\\Password_PBKDF2=\"@ByteArray(" in conf


def test_qbittorrent_categories_and_preferences(host):
    base, opener, _answer = qbt_session(host, QBT_PASSWORD)
    categories = call(base + "/api/v2/torrents/categories", opener=opener)
    assert categories == {
        "tv-sonarr": {"name": "tv-sonarr", "savePath": "/data/torrents/tv"},
        "radarr": {"name": "radarr", "savePath": "/data/torrents/movies"},
    }
    prefs = call(base + "/api/v2/app/preferences", opener=opener)
    assert prefs["save_path"] == "/data/torrents"
    assert prefs["listen_port"] == 6881 and prefs["random_port"] is False
    assert prefs["max_ratio_enabled"] is True and prefs["max_ratio"] == 2
    assert prefs["web_ui_username"] == "admin"


def test_nzbget_categories_and_folders(host):
    auth = base64.b64encode(("nzbget:%s" % NZBGET_PASSWORD).encode()).decode()
    config = call("http://%s:6789/jsonrpc" % address(host), {"method": "loadconfig", "params": []},
                  headers={"Authorization": "Basic " + auth})["result"]
    options = {e["Name"]: e["Value"] for e in config}
    assert options["DestDir"] == "/data/usenet/complete"
    assert options["InterDir"] == "/data/usenet/incomplete"
    categories = sorted((options[n], options.get(n.replace(".Name", ".DestDir")))
                        for n in options if n.startswith("Category") and n.endswith(".Name"))
    assert categories == [("radarr", "/data/usenet/movies"), ("tv-sonarr", "/data/usenet/tv")]
    # saveconfig kept the options the role does not manage
    assert options["ControlIP"] == "0.0.0.0" and options["MainDir"] == "/var/lib/nzbget"
    # and the running server took them (reload)
    running = {e["Name"]: e["Value"] for e in call("http://%s:6789/jsonrpc" % address(host),
                                                   {"method": "config", "params": []},
                                                   headers={"Authorization": "Basic " + auth})["result"]}
    assert running["DestDir"] == "/data/usenet/complete"


def test_sabnzbd_is_the_real_one(host):
    assert host.package("sabnzbdplus").is_installed
    assert host.service("sabnzbd").is_running
    assert call("http://%s:8085/api?mode=version&output=json" % address(host))["version"].startswith(("3.", "4."))


def test_sabnzbd_categories_and_folders(host):
    config = call("http://%s:8085/api?mode=get_config&output=json&apikey=%s" % (address(host), SAB_KEY))["config"]
    assert config["misc"]["complete_dir"] == "/data/usenet/complete"
    assert config["misc"]["download_dir"] == "/data/usenet/incomplete"
    cats = {c["name"]: c["dir"] for c in config["categories"]}
    assert cats["tv-sonarr"] == "/data/usenet/tv" and cats["radarr"] == "/data/usenet/movies"
    assert cats["handmade"] == "handmade"  # not purged: client_wiring_sabnzbd_purge_categories is false


def jellyfin_token(host):
    answer = call("http://%s:8096/Users/AuthenticateByName" % address(host), {"Username": "admin", "Pw": JELLYFIN_PASSWORD},
                  headers={"Authorization": 'MediaBrowser Client="verify", Device="t", DeviceId="t", Version="1"'})
    return answer["AccessToken"]


def test_jellyfin_wizard_done_and_libraries_on_the_root_folders(host):
    base = "http://%s:8096" % address(host)
    assert call(base + "/System/Info/Public")["StartupWizardCompleted"] is True
    headers = {"X-Emby-Token": jellyfin_token(host)}
    libraries = {f["Name"]: (f["CollectionType"], f["Locations"]) for f in call(base + "/Library/VirtualFolders", headers=headers)}
    assert libraries == {"Shows": ("tvshows", ["/data/media/tv"]), "Movies": ("movies", ["/data/media/movies"])}
    keys = [k["AppName"] for k in call(base + "/Auth/Keys", headers=headers)["Items"]]
    assert "homelab.mediastack" in keys and "Jellyseerr" in keys
    # After the wizard the /Startup endpoints are closed to anonymous callers.
    try:
        call(base + "/Startup/User")
        raise AssertionError("/Startup/User answered without a token after the wizard")
    except urllib.error.HTTPError as exc:
        assert exc.code == 401


def test_seerr_linked_to_jellyfin_and_arr_apps_by_service_name(host):
    base = "http://%s:5055/api/v1" % address(host)
    public = call(base + "/settings/public")
    assert public["initialized"] is True and public["mediaServerType"] == 2
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    call(base + "/auth/jellyfin", {"username": "admin", "password": JELLYFIN_PASSWORD}, opener=opener)
    jellyfin = call(base + "/settings/jellyfin", opener=opener)
    assert (jellyfin["ip"], jellyfin["port"], jellyfin["useSsl"]) == ("jellyfin", 8096, False)
    # Read from settings/jellyfin: any call of /settings/jellyfin/library rewrites the enabled flags.
    assert sorted(lib["name"] for lib in jellyfin["libraries"] if lib["enabled"]) == ["Movies", "Shows"]
    sonarr = call(base + "/settings/sonarr", opener=opener)
    radarr = call(base + "/settings/radarr", opener=opener)
    assert [(s["name"], s["hostname"], s["port"], s["activeProfileName"], s["activeDirectory"], s["isDefault"])
            for s in sonarr] == [("sonarr", "sonarr", 8989, "Any", "/data/media/tv", True)]
    assert [(s["name"], s["hostname"], s["port"], s["activeDirectory"], s["minimumAvailability"])
            for s in radarr] == [("radarr", "radarr", 7878, "/data/media/movies", "released")]
    for server in sonarr + radarr:
        assert server["hostname"] not in ("localhost", "127.0.0.1")

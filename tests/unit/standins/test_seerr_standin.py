"""Contract of the Jellyseerr stand-in: what real Jellyseerr answers, status, shape and masking.

No recorded Jellyseerr responses exist in ../shared/reference. Each expectation here is read
from Jellyseerr's source (Fallenbagel/jellyseerr: server/routes/auth.ts, server/routes/settings/,
server/middleware/auth.ts, jellyseerr-api.yml) and names the file; none comes from this
collection's modules. The Jellyfin it links to is the Jellyfin stand-in, in process.
"""

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[2] / "standins"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seerr = _load("seerr_standin_contract", HERE / "seerr" / "seerr_standin.py")
jellyfin = _load("jellyfin_standin_for_seerr", HERE / "jellyfin" / "jellyfin_standin.py")

SONARR = {"name": "Sonarr", "hostname": "sonarr", "port": 8989, "apiKey": "0123456789abcdef0123456789abcdef",
          "useSsl": False, "activeProfileId": 1, "activeProfileName": "Any", "activeDirectory": "/data/media/tv",
          "is4k": False, "enableSeasonFolders": True, "isDefault": True}


def serve(handler):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture()
def servers(tmp_path, monkeypatch):
    monkeypatch.setattr(jellyfin, "STATE_FILE", str(tmp_path / "jellyfin.json"))
    monkeypatch.setattr(seerr, "STATE_FILE", str(tmp_path / "seerr.json"))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"arr_servers": {"sonarr:8989": {
        "kind": "sonarr", "apiKey": SONARR["apiKey"], "profiles": [{"id": 1, "name": "Any"}],
        "rootFolders": [{"id": 1, "path": "/data/media/tv", "freeSpace": 1}], "tags": []}}}))
    monkeypatch.setattr(seerr, "CONFIG_FILE", str(config))
    jf, se = serve(jellyfin.Handler), serve(seerr.Handler)
    yield jf.server_address[1], "http://127.0.0.1:%d/api/v1" % se.server_address[1]
    jf.shutdown()
    se.shutdown()


def call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers=dict({"Content-Type": "application/json"}, **(headers or {})))
    try:
        with urllib.request.urlopen(request) as answer:
            status, raw, cookie = answer.status, answer.read(), answer.headers.get("Set-Cookie")
    except urllib.error.HTTPError as err:
        status, raw, cookie = err.code, err.read(), None
    return status, (json.loads(raw) if raw else None), cookie


def jellyfin_ready(port, password="pw"):
    base = "http://127.0.0.1:%d" % port
    for path, body in (("/Startup/Configuration", {"UICulture": "en-US"}), ("/Startup/User", None),
                       ("/Startup/User", {"Name": "admin", "Password": password}), ("/Startup/Complete", {})):
        call(base + path, "GET" if body is None else "POST", body)


def first_sign_in(port, base):
    jellyfin_ready(port)
    status, user, cookie = call(base + "/auth/jellyfin", "POST", {
        "username": "admin", "password": "pw", "hostname": "127.0.0.1", "port": port, "serverType": 2})
    assert status == 200 and user["id"] == 1
    return {"Cookie": cookie.split(";")[0]}


def test_anonymous_settings_are_403_with_status_and_error(servers):
    # server/middleware/auth.ts isAuthenticated: 403 {status: 403, error: "..."}.
    _port, base = servers
    assert call(base + "/settings/main")[:2] == (403, {"status": 403, "error": "You do not have permission to access this endpoint"})


def test_auth_jellyfin_body_is_validated_first(servers):
    # jellyseerr-api.yml /auth/jellyfin: username and password required -> express-openapi-validator 400.
    _port, base = servers
    status, answer, _unused = call(base + "/auth/jellyfin", "POST", {"username": "admin"})
    assert status == 400 and answer["errors"][0]["path"] == "/body/password"
    assert answer["message"] == "request/body must have required property 'password'"


def test_first_sign_in_needs_a_hostname(servers):
    # server/routes/auth.ts: no Jellyfin yet and no hostname -> 500 {error: "No hostname provided."}.
    _port, base = servers
    assert call(base + "/auth/jellyfin", "POST", {"username": "a", "password": "b"})[:2] == (
        500, {"error": "No hostname provided."})


def test_unreachable_jellyfin_is_404_invalid_url(servers):
    # server/api/jellyfin.ts login: no answer -> ApiError(404, INVALID_URL).
    _port, base = servers
    status, answer, _unused = call(base + "/auth/jellyfin", "POST", {
        "username": "a", "password": "b", "hostname": "127.0.0.1", "port": 9, "serverType": 2})
    assert (status, answer) == (404, {"message": "INVALID_URL"})


def test_wrong_password_is_401_invalid_credentials(servers):
    port, base = servers
    jellyfin_ready(port)
    status, answer, _unused = call(base + "/auth/jellyfin", "POST", {
        "username": "admin", "password": "wrong", "hostname": "127.0.0.1", "port": port, "serverType": 2})
    assert (status, answer) == (401, {"message": "INVALID_CREDENTIALS"})


def test_first_sign_in_links_jellyfin_and_a_second_hostname_is_refused(servers):
    # auth.ts: the first sign-in stores the address and a Jellyfin API key; a later hostname -> 500.
    port, base = servers
    cookie = first_sign_in(port, base)
    status, settings, _unused = call(base + "/settings/jellyfin", headers=cookie)
    # GET /settings/jellyfin answers settings.jellyfin as stored: apiKey included (no masking).
    assert status == 200 and settings["ip"] == "127.0.0.1" and len(settings["apiKey"]) == 32
    status, answer, _unused = call(base + "/auth/jellyfin", "POST", {
        "username": "admin", "password": "pw", "hostname": "127.0.0.1", "port": port})
    assert (status, answer) == (500, {"error": "Jellyfin hostname already configured"})


def test_api_key_acts_as_user_one(servers):
    # server/middleware/auth.ts checkUser: X-API-Key = main.apiKey -> user 1.
    port, base = servers
    cookie = first_sign_in(port, base)
    key = call(base + "/settings/main", headers=cookie)[1]["apiKey"]
    assert call(base + "/settings/main", headers={"X-Api-Key": key})[0] == 200
    assert call(base + "/settings/main", headers={"X-Api-Key": "wrong"})[0] == 403


def test_api_key_from_the_environment(servers, monkeypatch):
    # server/lib/settings/index.ts generateApiKey and load: API_KEY (the container's environment)
    # is main.apiKey at the first start and replaces a stored key at every later one.
    port, base = servers
    monkeypatch.setenv("API_KEY", "0123456789abcdef0123456789abcdef")
    first_sign_in(port, base)
    assert call(base + "/settings/main", headers={"X-Api-Key": "0123456789abcdef0123456789abcdef"})[0] == 200
    monkeypatch.setenv("API_KEY", "fedcba9876543210fedcba9876543210")
    assert call(base + "/settings/main", headers={"X-Api-Key": "0123456789abcdef0123456789abcdef"})[0] == 403
    status, main, _cookie = call(base + "/settings/main", headers={"X-Api-Key": "fedcba9876543210fedcba9876543210"})
    assert (status, main["apiKey"]) == (200, "fedcba9876543210fedcba9876543210")


def test_library_calls_without_enable_disable_every_library(servers):
    # server/routes/settings/index.ts GET /jellyfin/library: "enabled" is set from ?enable on EVERY call.
    port, base = servers
    cookie = first_sign_in(port, base)
    token = call("http://127.0.0.1:%d/Users/AuthenticateByName" % port, "POST", {"Username": "admin", "Pw": "pw"},
                 headers={"Authorization": 'MediaBrowser Client="t", Device="t", DeviceId="t", Version="1"'})[1]["AccessToken"]
    call("http://127.0.0.1:%d/Library/VirtualFolders?name=Movies&collectionType=movies" % port, "POST",
         headers={"X-Emby-Token": token})
    call("http://127.0.0.1:%d/Library/VirtualFolders?name=Music&collectionType=music" % port, "POST",
         headers={"X-Emby-Token": token})
    status, libraries, _unused = call(base + "/settings/jellyfin/library?sync=true", headers=cookie)
    # mapLibraries: music is left out; movies -> type movie.
    assert status == 200 and [(lib["name"], lib["type"]) for lib in libraries] == [("Movies", "movie")]
    ident = libraries[0]["id"]
    assert call(base + "/settings/jellyfin/library?enable=" + ident, headers=cookie)[1][0]["enabled"] is True
    # a plain read turns it off again, and the stored settings show it
    assert call(base + "/settings/jellyfin/library", headers=cookie)[1][0]["enabled"] is False
    assert call(base + "/settings/jellyfin", headers=cookie)[1]["libraries"][0]["enabled"] is False


def test_sync_without_libraries_is_404(servers):
    port, base = servers
    cookie = first_sign_in(port, base)
    assert call(base + "/settings/jellyfin/library?sync=true", headers=cookie)[:2] == (
        404, {"message": "SYNC_ERROR_NO_LIBRARIES"})


def test_arr_servers(servers):
    # server/routes/settings/sonarr.ts: POST 201 with id 0 then last+1; PUT/DELETE unknown id -> 404 with
    # status "404" (a string); DELETE answers the removed server; the body is validated against
    # jellyseerr-api.yml SonarrSettings (required, types) first.
    port, base = servers
    cookie = first_sign_in(port, base)
    status, created, _unused = call(base + "/settings/sonarr", "POST", dict(SONARR), headers=cookie)
    assert status == 201 and created["id"] == 0
    assert call(base + "/settings/sonarr", "POST", dict(SONARR, name="Two"), headers=cookie)[1]["id"] == 1
    assert [s["isDefault"] for s in call(base + "/settings/sonarr", headers=cookie)[1]] == [False, True]
    missing = dict(SONARR)
    del missing["activeProfileName"]
    status, answer, _unused = call(base + "/settings/sonarr", "POST", missing, headers=cookie)
    assert status == 400 and answer["errors"][0]["errorCode"] == "required.openapi.validation"
    status, answer, _unused = call(base + "/settings/sonarr", "POST", dict(SONARR, port="8989"), headers=cookie)
    assert status == 400 and answer["message"] == "request/body/port must be number"
    assert call(base + "/settings/sonarr/7", "PUT", dict(SONARR), headers=cookie)[:2] == (
        404, {"status": "404", "message": "Settings instance not found"})
    status, removed, _unused = call(base + "/settings/sonarr/0", "DELETE", headers=cookie)
    assert status == 200 and removed["name"] == "Sonarr"


def test_arr_test_endpoint(servers):
    # sonarr.ts POST /test: 200 with profiles, rootFolders {id, path}, languageProfiles null (v4), tags;
    # a failure to reach the app -> 500 "Failed to connect to Sonarr".
    port, base = servers
    cookie = first_sign_in(port, base)
    probe = {"hostname": "sonarr", "port": 8989, "apiKey": SONARR["apiKey"], "useSsl": False}
    status, answer, _unused = call(base + "/settings/sonarr/test", "POST", probe, headers=cookie)
    assert status == 200 and answer["rootFolders"] == [{"id": 1, "path": "/data/media/tv"}]
    assert answer["languageProfiles"] is None
    assert call(base + "/settings/sonarr/test", "POST", dict(probe, apiKey="x"), headers=cookie)[:2] == (
        500, {"message": "Failed to connect to Sonarr"})

"""The Decypharr stand-in answers as Decypharr's qBittorrent-compatible API does (contract), and
the collection's arr_objects wires it into Sonarr (the Sonarr stand-in tests the client on save
as Sonarr does: login, webapiVersion, preferences, categories).

No recorded Decypharr responses exist in the project's reference data (MEDIASTACK_REFERENCE has
no decypharr/): the contract follows the upstream handlers of sirrobot01/decypharr v2.4, each
assertion naming the file: pkg/server/qbit/routes.go (the routes and which need authentication),
pkg/server/qbit/http.go (the answers), pkg/server/qbit/context.go (credentials: Basic header or
SID cookie; the username is the *arr app's URL and the password its API key, validated by calling
the app back), pkg/arr/arr.go (Validate: GET <url>/api/v3/health with X-Api-Key), and the user
guide docs/src/content/docs/guides/arrs.mdx ("Username: Arr's host (http://sonarr:8989), Password:
Arr's token").
"""

import base64
import json
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, free_port, load_standin, serving  # noqa: E402  pylint: disable=wrong-import-position

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
decypharr = load_standin("decypharr_standin", "decypharr/decypharr_standin.py")
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def arr_app():
    """A minimal *arr app for the callback: /api/v3/health answers 200 with the right X-Api-Key, 401
    otherwise (Sonarr's API key middleware). Yields its URL and the list of keys it was called with."""
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

        def do_GET(self):  # noqa: N802
            calls.append((self.path, self.headers.get("X-Api-Key")))
            ok = self.path == "/api/v3/health" and self.headers.get("X-Api-Key") == KEY
            body = b"[]" if ok else b""
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % port, calls
    finally:
        server.shutdown()


def _call(url, method="GET", form=None, headers=None, opener=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def test_no_recorded_responses_in_reference():
    # The contract below is from the upstream handlers because nothing of Decypharr is recorded; if
    # recordings are added to the reference data, this test says to replay them instead.
    assert not (REFERENCE / "decypharr").exists(), "recorded Decypharr responses exist: replay them here"


def test_app_routes_need_no_login():
    # routes.go: /app/* sit outside authContext; http.go: fixed version strings
    with serving(decypharr, download_folder="/data/torrents", categories=[]) as (url, _state):
        assert _call(url + "/api/v2/app/webapiVersion")[::2] == (200, "2.7")
        assert _call(url + "/api/v2/app/version")[::2] == (200, "v4.3.2")
        status, headers, body = _call(url + "/api/v2/app/preferences")
        prefs = json.loads(body)
        assert status == 200 and headers["Content-Type"] == "application/json"
        # handlePreferences: save_path is the download folder, temp_path <folder>/temp
        assert prefs["save_path"] == "/data/torrents" and prefs["temp_path"] == "/data/torrents/temp"
        # getAppPreferences: no share-ratio removal (what Sonarr's test refuses)
        assert prefs["max_ratio_enabled"] is False and prefs["max_seeding_time_enabled"] is False
        # chi: unknown route 404, known route with another method 405
        assert _call(url + "/api/v2/app/nothing")[0] == 404
        assert _call(url + "/api/v2/app/webapiVersion", method="POST", form={})[0] == 405


def test_login_with_arr_url_and_key_validates_by_callback(arr_app):
    app_url, calls = arr_app
    with serving(decypharr, use_auth=True, download_folder="/data/torrents", categories=[]) as (url, state):
        status, headers, body = _call(url + "/api/v2/auth/login", "POST", {"username": app_url, "password": KEY})
        # http.go handleLogin: "Ok." and, with auth on, the SID cookie; arr.go Validate called the app back
        assert (status, body) == (200, "Ok.")
        assert headers["Set-Cookie"].startswith("SID=")
        assert ("/api/v3/health", KEY) in calls
        # with a category, the app is kept under it for later callbacks (context.go authenticate, AddOrUpdate)
        status, _h, _b = _call(url + "/api/v2/torrents/categories?category=sonarr", headers=_basic(app_url, KEY))
        assert status == 200
        assert state.arrs["sonarr"]["host"] == app_url and state.arrs["sonarr"]["token"] == KEY


def test_login_refused_when_the_app_refuses_the_key(arr_app):
    app_url, _calls = arr_app
    with serving(decypharr, use_auth=True, download_folder="/data/torrents", categories=[]) as (url, state):
        # context.go: arr validation failed and auth on -> Decypharr's own login -> 401 "invalid credentials"
        status, _h, body = _call(url + "/api/v2/auth/login", "POST", {"username": app_url, "password": "wrong"})
        assert status == 401 and "unauthorized: invalid credentials" in body
        # a login name instead of the app's URL (as for a real qBittorrent) is refused too
        status, _h, body = _call(url + "/api/v2/auth/login", "POST", {"username": "admin", "password": KEY})
        assert status == 401
        # empty credentials with auth on
        status, _h, body = _call(url + "/api/v2/auth/login", "POST", {"username": "", "password": ""})
        assert status == 401 and "Host and token are required" in body
        assert not state.arrs


def test_decypharr_own_login_is_accepted():
    # context.go: when the arr validation fails, config.VerifyAuth (Decypharr's UI user) is tried
    with serving(decypharr, use_auth=True, username="ui", password="secret", download_folder="/d",
                 categories=[]) as (url, _state):
        assert _call(url + "/api/v2/auth/login", "POST", {"username": "ui", "password": "secret"})[::2] == (200, "Ok.")


def test_without_auth_anything_logs_in():
    # context.go authenticate: with use_auth off, an unvalidated arr still passes; no cookie is set
    with serving(decypharr, use_auth=False, download_folder="/d", categories=[]) as (url, _state):
        status, headers, body = _call(url + "/api/v2/auth/login", "POST", {"username": "x", "password": "y"})
        assert (status, body) == (200, "Ok.") and headers.get("Set-Cookie") is None
        assert _call(url + "/api/v2/torrents/categories")[0] == 200


def test_torrents_routes_need_credentials(arr_app):
    app_url, _calls = arr_app
    with serving(decypharr, use_auth=True, download_folder="/data/torrents", categories=["movies"]) as (url, _state):
        # routes.go: /torrents/* behind authContext
        assert _call(url + "/api/v2/torrents/categories")[0] == 401
        # a forged SID fails its signature check (context.go extractFromSID)
        forged = base64.urlsafe_b64encode(b"%s|%s|0000000000000000" % (app_url.encode(), KEY.encode())).decode()
        status, _h, body = _call(url + "/api/v2/torrents/categories", headers={"Cookie": "SID=" + forged})
        assert status == 401 and "invalid SID signature" in body
        # the cookie from login works (the way Sonarr's QBittorrentProxyV2 carries it)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        assert _call(url + "/api/v2/auth/login", "POST", {"username": app_url, "password": KEY}, opener=opener)[0] == 200
        status, _h, body = _call(url + "/api/v2/torrents/categories", opener=opener)
        # http.go handleCategories: {name: {name, savePath: <download folder>/<name>}}
        assert status == 200 and json.loads(body) == {"movies": {"name": "movies", "savePath": "/data/torrents/movies"}}
        # http.go handleCreateCategory: 400 without a name; 200 and listed after
        assert _call(url + "/api/v2/torrents/createCategory", "POST", {}, opener=opener)[0] == 400
        assert _call(url + "/api/v2/torrents/createCategory", "POST", {"category": "radarr"}, opener=opener)[0] == 200
        assert "radarr" in json.loads(_call(url + "/api/v2/torrents/categories", opener=opener)[2])
        # http.go handleTorrentsInfo: a JSON list (empty: nothing queued)
        assert json.loads(_call(url + "/api/v2/torrents/info?category=radarr", opener=opener)[2]) == []


@pytest.fixture(name="sonarr")
def fixture_sonarr(tmp_path):
    """The Sonarr stand-in (tests/standins/arr), which tests a download client on save as Sonarr does."""
    arr = load_standin("arr_standin", "arr/arr_standin.py")
    server, _state = arr.make_server("sonarr", 0, KEY, str(tmp_path / "state"), bind="127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def _save_client(sonarr, port, username, password):
    fields = [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": port},
              {"name": "username", "value": username}, {"name": "password", "value": password},
              {"name": "tvCategory", "value": "sonarr"}]
    body = {"name": "Decypharr", "implementation": "QBittorrent", "configContract": "QBittorrentSettings",
            "enable": True, "priority": 1, "protocol": "torrent", "tags": [], "fields": fields}
    req = urllib.request.Request(sonarr + "/api/v3/downloadclient", data=json.dumps(body).encode(), method="POST",
                                 headers={"X-Api-Key": KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_sonarr_saves_decypharr_with_its_url_and_key(sonarr):
    """Sonarr's test on save (login, webapiVersion, preferences, categories, createCategory) passes
    against Decypharr with the app's URL and API key, Decypharr learns Sonarr under the category;
    a qBittorrent-style login (admin and a password) is refused as Decypharr refuses it."""
    port = free_port()
    server, state = decypharr.serve(port, use_auth=True, download_folder="/data/torrents", categories=[],
                                    bind="127.0.0.1")
    try:
        status, body = _save_client(sonarr, port, "admin", "s3cret")
        assert status == 400, body
        assert any("Authentication failure" in f["errorMessage"] for f in body), body
        status, body = _save_client(sonarr, port, sonarr, KEY)
        assert status == 201, body
        assert "sonarr" in state.categories  # Sonarr created its category (QBittorrent.cs TestCategory)
    finally:
        server.shutdown()

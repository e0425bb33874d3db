"""The *arr stand-in answers like the apps do (reference/arr/API_BEHAVIOUR.md).

Each server runs in a thread on a free port; a small qBittorrent WebUI stand-in in this file
checks that download-client saves really log in.
"""

import http.server
import importlib.util
import json
import socketserver
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / "standins" / "arr" / "arr_standin.py"
SPEC = importlib.util.spec_from_file_location("arr_standin", STANDIN)
arr_standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(arr_standin)

SONARR_KEY = "0123456789abcdef0123456789abcdef"
PROWLARR_KEY = "fedcba9876543210fedcba9876543210"


class FakeQbt(http.server.BaseHTTPRequestHandler):
    """qBittorrent WebUI API v2: login with a form, SID cookie, version, preferences, categories."""

    logins = []
    categories = {}

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def reply(self, status, text, cookie=None):
        data = text.encode()
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", "SID=%s; path=/" % cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()))
        if self.path == "/api/v2/auth/login":
            FakeQbt.logins.append(form)
            if form == {"username": "admin", "password": "s3cret"}:
                return self.reply(200, "Ok.", cookie="abc")
            return self.reply(200, "Fails.")
        if self.headers.get("Cookie") != "SID=abc":
            return self.reply(403, "Forbidden")
        if self.path == "/api/v2/torrents/createCategory":
            FakeQbt.categories[form["category"]] = {"name": form["category"], "savePath": ""}
            return self.reply(200, "")
        return self.reply(404, "")

    def do_GET(self):
        if self.headers.get("Cookie") != "SID=abc":
            return self.reply(403, "Forbidden")
        answers = {"/api/v2/app/webapiVersion": "2.9.3", "/api/v2/app/preferences": json.dumps({"max_ratio_enabled": False}),
                   "/api/v2/torrents/categories": json.dumps(FakeQbt.categories)}
        if self.path in answers:
            return self.reply(200, answers[self.path])
        return self.reply(404, "")


class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


@pytest.fixture(name="qbt")
def fixture_qbt():
    FakeQbt.logins = []
    FakeQbt.categories = {}
    server = serve(Threaded(("127.0.0.1", 0), FakeQbt))
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(name="stack")
def fixture_stack(tmp_path):
    servers = {}
    for app, key in (("sonarr", SONARR_KEY), ("prowlarr", PROWLARR_KEY)):
        server, arr = arr_standin.make_server(app, 0, key, str(tmp_path / "state"), bind="127.0.0.1")
        serve(server)
        servers[app] = (server, arr, "http://127.0.0.1:%d" % server.server_address[1])
    yield servers
    for server, _arr, _url in servers.values():
        server.shutdown()
        server.server_close()


def call(method, url, body=None, key=SONARR_KEY):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["X-Api-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, json.loads(text) if text else None


def qbt_client(port, password="s3cret", **extra):
    fields = [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": str(port)},
              {"name": "username", "value": "admin"}, {"name": "password", "value": password}]
    fields += [{"name": k, "value": v} for k, v in extra.items()]
    return {"name": "qBittorrent", "implementation": "QBittorrent", "configContract": "QBittorrentSettings",
            "enable": True, "priority": 1, "protocol": "torrent", "tags": [], "fields": fields}


def values(resource):
    return {f["name"]: f.get("value") for f in resource["fields"]}


def test_auth_rejects_missing_and_wrong_keys_with_empty_401(stack):
    url = stack["sonarr"][2]
    assert call("GET", url + "/api/v3/system/status", key=None) == (401, None)
    assert call("GET", url + "/api/v3/system/status", key="wrong") == (401, None)
    assert call("GET", url + "/ping", key=None) == (200, {"status": "OK"})
    status, body = call("GET", url + "/api/v3/system/status?apikey=" + SONARR_KEY, key=None)
    assert status == 200 and body["appName"] == "Sonarr" and body["version"].startswith("4.")
    assert call("GET", url + "/api/v1/system/status")[0] == 404  # Sonarr speaks v3
    assert call("GET", url + "/api") == (200, {"current": "v3", "deprecated": []})
    status, body = call("GET", stack["prowlarr"][2] + "/api/v1/system/status", key=PROWLARR_KEY)
    assert status == 200 and body["appName"] == "Prowlarr"


def test_tags_are_lowercased_and_post_is_idempotent(stack):
    url = stack["sonarr"][2] + "/api/v3/tag"
    status, first = call("POST", url, {"label": "FlareSolverr"})
    assert status == 201 and first["label"] == "flaresolverr"
    status, again = call("POST", url, {"label": "flaresolverr"})
    assert status == 201 and again["id"] == first["id"]
    status, updated = call("PUT", "%s/%d" % (url, first["id"]), {"id": first["id"], "label": "Streaming"})
    assert status == 202 and updated["label"] == "streaming"
    assert call("GET", url)[1] == [{"id": first["id"], "label": "streaming"}]


def test_download_client_logs_in_for_real_and_masks_the_password(stack, qbt):
    url = stack["sonarr"][2] + "/api/v3/downloadclient"
    status, created = call("POST", url, qbt_client(qbt))
    assert status == 201
    assert FakeQbt.logins == [{"username": "admin", "password": "s3cret"}]
    assert "tv-sonarr" in FakeQbt.categories  # Sonarr creates its missing category
    got = values(call("GET", "%s/%d" % (url, created["id"]))[1])
    assert got["password"] == "********" and got["username"] == "admin" and got["port"] == qbt

    FakeQbt.logins = []
    stored = call("GET", "%s/%d" % (url, created["id"]))[1]
    assert call("POST", url + "/test", stored) == (200, {})  # the masked secret is replaced by the stored one
    assert FakeQbt.logins == [{"username": "admin", "password": "s3cret"}]
    assert call("POST", url, [stored])[0] == 400  # not an object

    status, failures = call("POST", url, dict(qbt_client(qbt, password="wrong"), name="other"))
    assert status == 400 and isinstance(failures, list)
    assert failures[0]["propertyName"] == "Username" and failures[0]["severity"] == "error"


def test_put_returns_202_keeps_masked_secret_and_resets_omitted_fields(stack, qbt):
    url = stack["sonarr"][2] + "/api/v3/downloadclient"
    _status, created = call("POST", url, qbt_client(qbt, tvCategory="tv", sequentialOrder=True))
    assert values(created)["tvCategory"] == "tv"
    body = qbt_client(qbt, password="********")  # tvCategory and sequentialOrder omitted
    body["id"] = created["id"]
    FakeQbt.logins = []
    status, updated = call("PUT", "%s/%d" % (url, created["id"]), body)
    assert status == 202
    assert FakeQbt.logins == [{"username": "admin", "password": "s3cret"}]  # the stored secret was kept and tested
    got = values(updated)
    assert got["tvCategory"] == "tv-sonarr"  # constructor default, not the old value
    assert got["sequentialOrder"] is False


def test_validation_errors_are_a_bare_array_and_binding_errors_problem_details(stack, qbt):
    url = stack["sonarr"][2] + "/api/v3/downloadclient"
    status, body = call("POST", url, dict(qbt_client(qbt), priority="high"))
    assert status == 400 and body["title"] == "One or more validation errors occurred." and "$.priority" in body["errors"]
    status, _body = call("POST", url, dict(qbt_client(qbt), noSuchProperty=1, name="unknown-ignored"))
    assert status == 201  # System.Text.Json skips unknown properties
    status, body = call("POST", url, dict(qbt_client(qbt), implementation="Deluge2"))
    assert status == 400 and body[0]["propertyName"] == "Implementation" and "QBittorrent" in body[0]["errorMessage"]
    call("POST", url, qbt_client(qbt))
    status, body = call("POST", url, dict(qbt_client(qbt), name="QBITTORRENT"))
    assert status == 400
    assert body == [{"propertyName": "Name", "errorMessage": "Should be unique", "attemptedValue": "QBITTORRENT",
                     "severity": "error", "errorCode": "PredicateValidator", "formattedMessageArguments": [],
                     "formattedMessagePlaceholderValues": {"PropertyName": "Name", "PropertyValue": "QBITTORRENT"}}]


def test_config_put_saves_omitted_booleans_as_false(stack):
    url = stack["sonarr"][2] + "/api/v3/config/mediamanagement"
    before = call("GET", url)[1]
    assert before["enableMediaInfo"] is True and before["id"] == 1
    status, after = call("PUT", url + "/1", {"id": 1, "copyUsingHardlinks": True})
    assert status == 202
    assert after["copyUsingHardlinks"] is True
    assert after["enableMediaInfo"] is False and after["minimumFreeSpaceWhenImporting"] == 0
    assert after["chmodFolder"] == before["chmodFolder"]  # omitted strings are null, and nulls are skipped


def test_root_folder_must_exist_and_mapping_gets_trailing_slash(stack, tmp_path):
    url = stack["sonarr"][2] + "/api/v3"
    status, body = call("POST", url + "/rootfolder", {"path": str(tmp_path / "missing")})
    assert status == 400 and body[0]["errorCode"] == "PathExistsValidator"
    (tmp_path / "tv").mkdir()
    status, body = call("POST", url + "/rootfolder", {"path": str(tmp_path / "tv")})
    assert status == 201 and body["accessible"] is True
    assert call("POST", url + "/rootfolder", {"path": str(tmp_path / "tv")})[0] == 400
    mapping = {"host": "qbittorrent", "remotePath": "/downloads", "localPath": str(tmp_path / "tv")}
    status, body = call("POST", url + "/remotepathmapping", mapping)
    assert status == 201 and body["remotePath"] == "/downloads/" and body["localPath"].endswith("/")


def application(sonarr_url, key):
    return {"name": "Sonarr", "implementation": "Sonarr", "configContract": "SonarrSettings", "syncLevel": "fullSync",
            "tags": [], "fields": [{"name": "prowlarrUrl", "value": "http://prowlarr.example.com:9696"},
                                   {"name": "baseUrl", "value": sonarr_url}, {"name": "apiKey", "value": key}]}


def test_prowlarr_application_test_calls_the_app_and_retests_every_put(stack):
    purl = stack["prowlarr"][2] + "/api/v1/applications"
    status, body = call("POST", purl, application(stack["sonarr"][2], "wrong"), key=PROWLARR_KEY)
    assert status == 400 and body[0]["propertyName"] == "ApiKey"
    # the synthetic indexer test makes Sonarr call back prowlarrUrl, which does not answer here
    status, body = call("POST", purl, application(stack["sonarr"][2], SONARR_KEY), key=PROWLARR_KEY)
    assert status == 400 and body[0]["propertyName"] == "ProwlarrUrl"
    app = application(stack["sonarr"][2], SONARR_KEY)
    app["fields"][0]["value"] = stack["prowlarr"][2]
    status, created = call("POST", purl, app, key=PROWLARR_KEY)
    assert status == 201 and values(created)["apiKey"] == "********"
    stack["sonarr"][0].shutdown()  # the target app goes away
    stack["sonarr"][0].server_close()
    status, body = call("PUT", "%s/%d" % (purl, created["id"]), created, key=PROWLARR_KEY)
    assert status == 400 and body[0]["propertyName"] == "BaseUrl"  # no change, but Prowlarr tests every PUT
    status, body = call("PUT", "%s/%d?forceSave=true" % (purl, created["id"]), created, key=PROWLARR_KEY)
    assert status == 202, body


def test_indexer_sync_pushes_to_the_app(stack):
    purl, surl = stack["prowlarr"][2], stack["sonarr"][2]
    app = application(surl, SONARR_KEY)
    app["fields"][0]["value"] = purl
    assert call("POST", purl + "/api/v1/applications", app, key=PROWLARR_KEY)[0] == 201
    indexer = {"name": "Example", "implementation": "Torznab", "configContract": "TorznabSettings", "enable": True,
               "appProfileId": 1, "priority": 25, "tags": [],
               "fields": [{"name": "baseUrl", "value": purl + "/__standin/newznab/example"}, {"name": "apiKey", "value": "k"}]}
    status, created = call("POST", purl + "/api/v1/indexer", indexer, key=PROWLARR_KEY)
    assert status == 201
    status, cmd = call("POST", purl + "/api/v1/command", {"name": "ApplicationIndexerSync"}, key=PROWLARR_KEY)
    assert status == 201 and cmd["status"] == "queued"
    for _wait in range(50):
        cmd = call("GET", "%s/api/v1/command/%d" % (purl, cmd["id"]), key=PROWLARR_KEY)[1]
        if cmd["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert cmd["status"] == "completed"
    remote = call("GET", surl + "/api/v3/indexer")[1]
    assert [r["name"] for r in remote] == ["Example (Prowlarr)"]
    assert values(remote[0])["baseUrl"] == "%s/%d/" % (purl, created["id"])


def test_state_survives_a_restart_and_requests_are_counted(stack, tmp_path):
    url = stack["sonarr"][2]
    call("DELETE", url + "/__standin/requests", key=None)
    call("POST", url + "/api/v3/tag", {"label": "keep"})
    call("GET", url + "/api/v3/tag")
    counts = call("GET", url + "/__standin/requests", key=None)[1]
    assert counts["byMethod"] == {"POST": 1, "GET": 1}
    arr = arr_standin.ArrApp("sonarr", SONARR_KEY, str(tmp_path / "state"), 0)  # a restart reads the state file
    assert [t["label"] for t in arr.state["tag"]] == ["keep"]
    assert arr.new_id("tag") == 2


def test_get_bodies_validate_against_the_official_schema(stack, qbt):
    url = stack["sonarr"][2] + "/api/v3"
    call("POST", url + "/downloadclient", qbt_client(qbt))
    validator = stack["sonarr"][1].validator
    for path, schema in (("/downloadclient", "DownloadClientResource"), ("/config/mediamanagement", "MediaManagementConfigResource"),
                         ("/config/host", "HostConfigResource"), ("/tag", "TagResource")):
        body = call("GET", url + path)[1]
        for item in body if isinstance(body, list) else [body]:
            validator.check(item, schema)
    for item in call("GET", url + "/downloadclient/schema")[1]:
        validator.check(item, "DownloadClientResource")


class FakeNzbget(http.server.BaseHTTPRequestHandler):
    """NZBGet JSON-RPC with basic auth (nzbget:tegbzn6789) and one category, Series."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.path != "/jsonrpc" or self.headers.get("Authorization") != "Basic bnpiZ2V0OnRlZ2J6bjY3ODk=":
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        result = {"version": "21.0", "config": [{"Name": "Category1.Name", "Value": "Series"},
                                                {"Name": "KeepHistory", "Value": "30"}]}[request["method"]]
        data = json.dumps({"version": "1.1", "id": request["id"], "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_nzbget_is_called_over_json_rpc(stack):
    server = serve(Threaded(("127.0.0.1", 0), FakeNzbget))
    try:
        url = stack["sonarr"][2] + "/api/v3/downloadclient"
        client = {"name": "NZBGet", "implementation": "Nzbget", "configContract": "NzbgetSettings", "enable": True,
                  "priority": 1, "fields": [{"name": "host", "value": "127.0.0.1"},
                                            {"name": "port", "value": server.server_address[1]},
                                            {"name": "password", "value": "wrong"}]}
        status, body = call("POST", url, client)
        assert status == 400 and body[0]["propertyName"] == "Username"
        client["fields"][2]["value"] = "tegbzn6789"
        status, body = call("POST", url, client)  # tvCategory defaults to "tv", which NZBGet does not have
        assert status == 400 and body[0]["propertyName"] == "TvCategory" and body[0]["errorMessage"] == "Category does not exist"
        client["fields"].append({"name": "tvCategory", "value": "Series"})
        status, body = call("POST", url, client)
        assert status == 201 and values(body)["password"] == "********" and values(body)["username"] == "nzbget"
    finally:
        server.shutdown()
        server.server_close()


def test_force_save_passes_warnings_but_not_errors(stack, qbt):
    url = stack["sonarr"][2] + "/api/v3/downloadclient"
    status, body = call("POST", url, qbt_client(qbt, tvCategory=""))
    assert status == 400 and body[0]["isWarning"] is True and body[0]["severity"] == "warning"
    assert call("POST", url + "?forceSave=true", qbt_client(qbt, tvCategory=""))[0] == 201
    status, body = call("POST", url + "?forceSave=true", dict(qbt_client(qbt, password="wrong"), name="second"))
    assert status == 400 and body[0]["propertyName"] == "Username"


def test_lidarr_speaks_v1_and_checks_root_folder_profiles(tmp_path):
    server, _arr = arr_standin.make_server("lidarr", 0, SONARR_KEY, str(tmp_path / "state"), bind="127.0.0.1")
    serve(server)
    try:
        url = "http://127.0.0.1:%d/api/v1" % server.server_address[1]
        assert call("GET", url + "/system/status")[1]["appName"] == "Lidarr"
        (tmp_path / "music").mkdir()
        folder = {"name": "Music", "path": str(tmp_path / "music"), "defaultMetadataProfileId": 99,
                  "defaultQualityProfileId": 1, "defaultMonitorOption": "all", "defaultNewItemMonitorOption": "all",
                  "defaultTags": []}
        status, body = call("POST", url + "/rootfolder", folder)
        assert status == 400 and body[0]["propertyName"] == "DefaultMetadataProfileId"
        folder["defaultMetadataProfileId"] = call("GET", url + "/metadataprofile")[1][0]["id"]
        status, body = call("POST", url + "/rootfolder", folder)
        assert status == 201 and body["path"] == str(tmp_path / "music") + "/"
        status, body = call("PUT", "%s/rootfolder/%d" % (url, body["id"]), dict(folder, id=body["id"], name="Music library"))
        assert status == 202 and body["name"] == "Music library"
        schema = call("GET", url + "/downloadclient/schema")[1]
        qbt = [t for t in schema if t["implementation"] == "QBittorrent"][0]
        assert "musicCategory" in [f["name"] for f in qbt["fields"]]
        assert call("POST", url + "/command", {"name": "RescanSeries"})[0] == 400
        assert call("POST", url + "/command", {"name": "RescanFolders"})[0] == 201
    finally:
        server.shutdown()
        server.server_close()


def prowlarr_indexer(purl, name, tags=(), target=None):
    return {"name": name, "implementation": "Torznab", "configContract": "TorznabSettings", "enable": True,
            "appProfileId": 1, "priority": 25, "tags": list(tags),
            "fields": [{"name": "baseUrl", "value": purl + "/__standin/newznab/" + (target or name.lower())},
                       {"name": "apiKey", "value": "k"}]}


def test_flaresolverr_applies_only_by_shared_tag_after_the_first_test(stack):
    purl = stack["prowlarr"][2]
    api = purl + "/api/v1"
    status, body = call("POST", api + "/indexer", prowlarr_indexer(purl, "Blocked", target="cloudflare-a"), key=PROWLARR_KEY)
    assert status == 400 and "CloudFlare" in body[0]["errorMessage"]  # no FlareSolverr at all
    tag = call("POST", api + "/tag", {"label": "flaresolverr"}, key=PROWLARR_KEY)[1]
    proxy = {"name": "FlareSolverr", "implementation": "FlareSolverr", "configContract": "FlareSolverrSettings",
             "tags": [tag["id"]], "fields": [{"name": "host", "value": "http://flaresolverr.example.com:8191/"}]}
    assert call("POST", api + "/indexerproxy", proxy, key=PROWLARR_KEY)[0] == 201
    # a new indexer's first test falls back to any FlareSolverr, so the missing tag goes unnoticed...
    status, created = call("POST", api + "/indexer", prowlarr_indexer(purl, "Blocked", target="cloudflare-a"), key=PROWLARR_KEY)
    assert status == 201
    # ...until the saved indexer is tested again
    status, results = call("POST", api + "/indexer/testall", key=PROWLARR_KEY)
    assert status == 400 and results[0]["isValid"] is False
    tagged = dict(prowlarr_indexer(purl, "Blocked", tags=[tag["id"]], target="cloudflare-a"), id=created["id"])
    assert call("PUT", "%s/indexer/%d" % (api, created["id"]), tagged, key=PROWLARR_KEY)[0] == 202
    assert call("POST", api + "/indexer/testall", key=PROWLARR_KEY)[0] == 200
    assert call("DELETE", "%s/tag/%d" % (api, tag["id"]), key=PROWLARR_KEY)[0] == 409  # still in use
    detail = call("GET", "%s/tag/detail/%d" % (api, tag["id"]), key=PROWLARR_KEY)[1]
    assert detail["indexerIds"] == [created["id"]] and len(detail["indexerProxyIds"]) == 1 and detail["applicationIds"] == []


def test_full_sync_removes_what_prowlarr_no_longer_has_and_leaves_the_users_indexers(stack):
    purl, surl = stack["prowlarr"][2], stack["sonarr"][2]
    own = {"name": "Mine", "implementation": "Newznab", "configContract": "NewznabSettings", "enableRss": True,
           "enableAutomaticSearch": True, "enableInteractiveSearch": True, "priority": 25, "tags": [],
           "fields": [{"name": "baseUrl", "value": purl + "/__standin/newznab/mine"}, {"name": "apiKey", "value": "k"}]}
    assert call("POST", surl + "/api/v3/indexer", own)[0] == 201
    app = application(surl, SONARR_KEY)
    app["fields"][0]["value"] = purl
    assert call("POST", purl + "/api/v1/applications", app, key=PROWLARR_KEY)[0] == 201
    first = call("POST", purl + "/api/v1/indexer", prowlarr_indexer(purl, "One"), key=PROWLARR_KEY)[1]
    call("POST", purl + "/api/v1/indexer", prowlarr_indexer(purl, "Two"), key=PROWLARR_KEY)
    assert call("DELETE", "%s/api/v1/indexer/%d" % (purl, first["id"]), key=PROWLARR_KEY)[0] == 200
    cmd = call("POST", purl + "/api/v1/command", {"name": "ApplicationIndexerSync", "forceSync": True}, key=PROWLARR_KEY)[1]
    for _wait in range(50):
        if call("GET", "%s/api/v1/command/%d" % (purl, cmd["id"]), key=PROWLARR_KEY)[1]["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    names = sorted(r["name"] for r in call("GET", surl + "/api/v3/indexer")[1])
    assert names == ["Mine", "Two (Prowlarr)"]


class FakeSab(http.server.BaseHTTPRequestHandler):
    """SABnzbd API: key abc, category tv, TV sorting on for tv when sorting=1 is in the key."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        if query.get("apikey") not in ("abc", "abc-sorting"):
            answer = {"status": False, "error": "API Key Incorrect"}
        elif query["mode"] == "version":
            answer = {"version": "4.3.2"}
        else:
            sorting = 1 if query["apikey"] == "abc-sorting" else 0
            answer = {"config": {"misc": {"enable_tv_sorting": sorting, "tv_categories": ["tv"], "enable_date_sorting": 0},
                                 "categories": [{"name": "*"}, {"name": "tv"}]}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_sabnzbd_key_category_and_sorting(stack):
    server = serve(Threaded(("127.0.0.1", 0), FakeSab))
    try:
        url = stack["sonarr"][2] + "/api/v3/downloadclient/test"
        client = {"name": "SABnzbd", "implementation": "Sabnzbd", "configContract": "SabnzbdSettings", "enable": True,
                  "priority": 1, "fields": [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": server.server_address[1]},
                                            {"name": "apiKey", "value": "wrong"}, {"name": "tvCategory", "value": "tv"}]}
        status, body = call("POST", url, client)
        assert status == 400 and body[0]["propertyName"] == "APIKey" and body[0]["errorMessage"] == "API Key Incorrect"
        client["fields"][2]["value"] = "abc-sorting"
        status, body = call("POST", url, client)
        assert status == 400 and body[0]["errorMessage"] == "Disable TV Sorting"
        client["fields"][2]["value"] = "abc"
        assert call("POST", url, client) == (200, {})
        client["fields"][3]["value"] = "series"
        status, body = call("POST", url, client)
        assert status == 400 and body[0]["propertyName"] == "TvCategory"
    finally:
        server.shutdown()
        server.server_close()


def test_initialize_json_gives_the_key_while_authentication_is_none(stack):
    status, body = call("GET", stack["sonarr"][2] + "/initialize.json", key=None)
    assert status == 200 and body["apiKey"] == SONARR_KEY and body["apiRoot"] == "/api/v3"
    url = stack["sonarr"][2] + "/api/v3/config/host"
    host = call("GET", url)[1]
    host.update(authenticationMethod="forms", username="admin", password="secret", passwordConfirmation="secret")
    assert call("PUT", url, host)[0] == 202
    assert call("GET", stack["sonarr"][2] + "/initialize.json", key=None) == (401, None)


class FakeJellyfin(http.server.BaseHTTPRequestHandler):
    """Jellyfin's /System/Info behind an API key, and a webhook receiver."""

    received = []

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def reply(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_GET(self):
        self.reply(200 if self.path == "/System/Info" and self.headers.get("X-MediaBrowser-Token") == "jf-key" else 401)

    def do_POST(self):
        FakeJellyfin.received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
        self.reply(200 if self.path == "/hook" else 404)


def test_connect_entries_are_tested_when_an_event_is_on(stack):
    server = serve(Threaded(("127.0.0.1", 0), FakeJellyfin))
    FakeJellyfin.received = []
    try:
        url = stack["sonarr"][2] + "/api/v3/notification"
        port = server.server_address[1]
        jellyfin = {"name": "Jellyfin", "implementation": "MediaBrowser", "configContract": "MediaBrowserSettings",
                    "onDownload": True, "onUpgrade": True, "tags": [],
                    "fields": [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": port},
                               {"name": "apiKey", "value": "wrong"}, {"name": "updateLibrary", "value": True}]}
        status, body = call("POST", url, jellyfin)
        assert status == 400 and body[0]["propertyName"] == "ApiKey"
        assert call("POST", url, dict(jellyfin, onDownload=False, onUpgrade=False))[0] == 201  # no event: no test
        jellyfin["fields"][2]["value"] = "jf-key"
        status, body = call("POST", url, dict(jellyfin, name="Jellyfin 2"))
        assert status == 201 and values(body)["apiKey"] == "********" and body["onDownload"] is True
        hook = {"name": "Hook", "implementation": "Webhook", "configContract": "WebhookSettings", "onGrab": True, "tags": [],
                "fields": [{"name": "url", "value": "http://127.0.0.1:%d/hook" % port}]}
        assert call("POST", url, hook)[0] == 201 and FakeJellyfin.received[0]["eventType"] == "Test"
        hook["fields"][0]["value"] = "http://127.0.0.1:%d/gone" % port
        assert call("POST", url, dict(hook, name="Hook 2"))[0] == 400
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("app", ["sonarr", "radarr", "lidarr", "prowlarr"])
def test_every_app_answers_bodies_its_schema_accepts(app, tmp_path):
    server, arr = arr_standin.make_server(app, 0, SONARR_KEY, str(tmp_path / "state"), bind="127.0.0.1")
    serve(server)
    try:
        url = "http://127.0.0.1:%d/api/%s" % (server.server_address[1], arr_standin.APPS[app]["api"])
        kinds = {"downloadclient": "DownloadClientResource", "indexer": "IndexerResource", "notification": "NotificationResource"}
        if app == "prowlarr":
            kinds.update(applications="ApplicationResource", indexerproxy="IndexerProxyResource")
        for kind, schema in kinds.items():
            templates = call("GET", "%s/%s/schema" % (url, kind))[1]
            assert templates, kind
            for template in templates:
                arr.validator.check(template, schema)
        for section in arr_standin.CONFIG_SECTIONS[app]:
            body = call("GET", "%s/config/%s" % (url, section))[1]
            arr.validator.check(body, arr_standin.CONFIG_SCHEMA[section])
            assert call("PUT", "%s/config/%s/1" % (url, section), body) == (202, body)  # a round trip changes nothing
    finally:
        server.shutdown()
        server.server_close()


def test_sync_to_radarr_and_lidarr_filters_categories(stack, tmp_path):
    purl = stack["prowlarr"][2]
    targets = {}
    for app, key in (("radarr", "a" * 32), ("lidarr", "b" * 32)):
        server, _arr = arr_standin.make_server(app, 0, key, str(tmp_path / "state"), bind="127.0.0.1")
        serve(server)
        targets[app] = (server, "http://127.0.0.1:%d" % server.server_address[1], key)
    try:
        for app, (_server, url, key) in targets.items():
            body = {"name": app.title(), "implementation": app.title(), "configContract": app.title() + "Settings",
                    "syncLevel": "addOnly", "tags": [],
                    "fields": [{"name": "prowlarrUrl", "value": purl}, {"name": "baseUrl", "value": url}, {"name": "apiKey", "value": key}]}
            assert call("POST", purl + "/api/v1/applications", body, key=PROWLARR_KEY)[0] == 201
        assert call("POST", purl + "/api/v1/indexer", prowlarr_indexer(purl, "Everything"), key=PROWLARR_KEY)[0] == 201
        for _wait in range(60):
            got = {app: call("GET", "%s/api/%s/indexer" % (url, arr_standin.APPS[app]["api"]), key=key)[1]
                   for app, (_s, url, key) in targets.items()}
            if all(got.values()):
                break
            time.sleep(0.05)
        radarr_cats = values(got["radarr"][0])["categories"]
        lidarr_cats = values(got["lidarr"][0])["categories"]
        assert radarr_cats and all(2000 <= c < 3000 for c in radarr_cats)
        assert lidarr_cats and all(3000 <= c < 4000 for c in lidarr_cats)
    finally:
        for server, _url, _key in targets.values():
            server.shutdown()
            server.server_close()

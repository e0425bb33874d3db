"""Contract test: the *arr stand-in against recorded real responses (../shared/reference/arr).

Each case replays a request whose real answer was recorded (fixtures marked REAL or quoted from
a real instance in reference/arr/SOURCES.md) and fails on any difference in status, shape or
masking. Sonarr v3-era recordings are compared on the keys the current official OpenAPI document
still has (the stand-in serves Sonarr v4).
"""

import importlib.util
import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", REPO.parent / "shared" / "reference")) / "arr"
STANDIN = REPO / "tests" / "standins" / "arr" / "arr_standin.py"
SPEC = importlib.util.spec_from_file_location("arr_standin_contract", STANDIN)
arr_standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(arr_standin)

KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.skipif(not (REFERENCE / "fixtures").is_dir(), reason="reference data not present")


def recorded(*parts):
    return json.loads(REFERENCE.joinpath("fixtures", *parts).read_text())


def openapi_props(app, schema):
    doc = json.loads(REFERENCE.joinpath("openapi", "%s.json" % app).read_text())
    return doc["components"]["schemas"][schema]["properties"]


@pytest.fixture(name="serve")
def fixture_serve(tmp_path):
    servers = []

    def start(app):
        server, arr = arr_standin.make_server(app, 0, KEY, str(tmp_path / app), bind="127.0.0.1")
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d/api/%s" % (server.server_address[1], arr.api)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def call(method, url, body=None, key=KEY):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["X-Api-Key"] = key
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, json.loads(text) if text else None


def json_type(value):
    return {bool: "bool", int: "number", float: "number", str: "string", list: "list", dict: "object"}.get(
        type(value), "null")


def test_duplicate_name_400_is_the_recorded_failure(serve):
    """issue-quoted/prowlarr-indexerproxy-post-400-name-not-unique.json (terraform-provider-prowlarr#207)."""
    url = serve("prowlarr")
    body = {"name": "FlareSolverr", "implementation": "FlareSolverr", "configContract": "FlareSolverrSettings",
            "fields": [{"name": "host", "value": "http://flaresolverr:8191/"}, {"name": "requestTimeout", "value": 60}],
            "tags": []}
    assert call("POST", url + "/indexerproxy?forceSave=true", body)[0] == 201
    status, answer = call("POST", url + "/indexerproxy?forceSave=true", body)
    assert status == 400
    assert answer == recorded("issue-quoted", "prowlarr-indexerproxy-post-400-name-not-unique.json")


def test_browser_application_payload_binds(serve):
    """issue-quoted/prowlarr-applications-post-payload-browser.json (Prowlarr#697): the web UI's body
    passes model binding; what fails is the connection test (a FluentValidation array, not a
    ValidationProblemDetails)."""
    url = serve("prowlarr")
    status, answer = call("POST", url + "/applications", recorded("issue-quoted",
                                                                  "prowlarr-applications-post-payload-browser.json"))
    assert status == 400 and isinstance(answer, list)
    assert {f["propertyName"] for f in answer} == {"BaseUrl"}


def test_application_templates_match_the_recorded_schema(serve):
    """buildarr-prowlarr/applications-schema.json (REAL GET /api/v1/applications/schema)."""
    url = serve("prowlarr")
    ours = {t["implementation"]: t for t in call("GET", url + "/applications/schema")[1]}
    for real in recorded("buildarr-prowlarr", "applications-schema.json"):
        if real["implementation"] not in ("Sonarr", "Radarr", "Lidarr"):
            continue
        mine = ours[real["implementation"]]
        assert mine["syncLevel"] == real["syncLevel"]
        assert mine["configContract"] == real["configContract"]
        fields = {f["name"]: f for f in mine["fields"]}
        for field in real["fields"]:
            assert field["name"] in fields, (real["implementation"], field["name"])
            got = fields[field["name"]]
            assert got["type"] == field["type"]
            # the stand-in serves Prowlarr 2.3.5: newer constructors give defaults the 2023 recording lacks,
            # and category lists only grew (Radarr's 2090)
            if isinstance(field.get("value"), list):
                assert set(field["value"]) <= set(got["value"]), field["name"]
            elif field.get("value") is not None:
                assert got.get("value") == field["value"], field["name"]
            if field.get("selectOptions"):
                assert got["selectOptions"] == field["selectOptions"]


def test_system_status_has_the_recorded_shape(serve):
    """pyarr sonarr/system_status.json (REAL Sonarr 3.0.8): every key the v4 SystemResource kept."""
    url = serve("sonarr")
    mine = call("GET", url + "/system/status")[1]
    props = openapi_props("sonarr", "SystemResource")
    real = recorded("pyarr", "sonarr", "system_status.json")
    shared = [k for k in real if k in props]
    assert len(shared) > 15
    for key in shared:
        assert key in mine, key
        if real[key] is not None and mine[key] is not None:
            assert json_type(mine[key]) == json_type(real[key]), key


@pytest.mark.parametrize("section, name, schema", [
    ("ui", "config_ui.json", "UiConfigResource"),
    ("naming", "config_naming.json", "NamingConfigResource"),
    ("downloadclient", "config_downloadclient.json", "DownloadClientConfigResource"),
    ("host", "config_host.json", "HostConfigResource"),
    ("mediamanagement", "media_management.json", "MediaManagementConfigResource"),
])
def test_config_sections_have_the_recorded_shape(serve, section, name, schema):
    """pyarr sonarr/config_*.json (REAL): same keys and JSON types, id 1."""
    url = serve("sonarr")
    mine = call("GET", url + "/config/" + section)[1]
    real = recorded("pyarr", "sonarr", name)
    props = openapi_props("sonarr", schema)
    assert mine["id"] == real["id"] == 1
    for key, value in real.items():
        if key not in props:
            continue
        assert key in mine, key
        if value is not None and mine[key] is not None and not (isinstance(value, str) and value == "string"):
            assert json_type(mine[key]) == json_type(value), key


def test_host_config_returns_the_hash_and_an_empty_confirmation(serve):
    """Sonarr.Api.V3/Config/HostConfigController.cs: GET gives the stored hash, PUT needs the hash back
    or a matching confirmation; the recorded host config carries username and password keys."""
    url = serve("sonarr")
    host = call("GET", url + "/config/host")[1]
    assert {"username", "password", "passwordConfirmation"} <= set(host)
    body = dict(host, authenticationMethod="forms", username="admin", password="pw1", passwordConfirmation="other")
    status, answer = call("PUT", url + "/config/host/1", body)
    assert status == 400 and answer[0]["propertyName"] == "PasswordConfirmation"
    body["passwordConfirmation"] = "pw1"
    assert call("PUT", url + "/config/host/1", body)[0] == 202
    host = call("GET", url + "/config/host")[1]
    assert host["username"] == "admin" and host["password"] not in ("", "pw1") and host["passwordConfirmation"] == ""
    stored = host["password"]
    assert call("PUT", url + "/config/host/1", host)[0] == 202  # the hash round-trips
    assert call("GET", url + "/config/host")[1]["password"] == stored


def test_remote_path_mapping_is_stored_like_the_recording(serve, tmp_path):
    """pyarr sonarr/remotepathmapping_all.json (REAL): both paths end with a separator."""
    url = serve("sonarr")
    real = recorded("pyarr", "sonarr", "remotepathmapping_all.json")[0]
    local = tmp_path / "downloads"
    local.mkdir()
    status, mine = call("POST", url + "/remotepathmapping", {"host": real["host"], "remotePath": real["remotePath"].rstrip("/"),
                                                             "localPath": str(local)})
    assert status == 201
    assert set(mine) == set(real)
    assert mine["remotePath"] == real["remotePath"] and mine["localPath"].endswith("/")


def test_tag_detail_has_the_recorded_keys(serve):
    """pyarr sonarr/tag_detail_all.json (REAL): the keys the v4 TagDetailsResource kept."""
    url = serve("sonarr")
    call("POST", url + "/tag", {"label": "Flaresolverr"})
    mine = call("GET", url + "/tag/detail")[1][0]
    props = openapi_props("sonarr", "TagDetailsResource")
    real = recorded("pyarr", "sonarr", "tag_detail_all.json")[0]
    for key in real:
        if key in props:
            assert key in mine and json_type(mine[key]) == json_type(real[key]), key
    assert mine["label"] == "flaresolverr"


def test_testall_results_have_the_recorded_shape(serve, tmp_path):
    """aiopyarr common/validation-failed.json: [{id, isValid, validationFailures: [...]}]."""
    url = serve("sonarr")
    body = {"name": "broken", "implementation": "Sabnzbd", "configContract": "SabnzbdSettings", "enable": True,
            "fields": [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": 1}], "tags": [],
            "priority": 1}
    assert call("POST", url + "/downloadclient?forceSave=true", dict(body, enable=False))[0] == 201
    status, answer = call("POST", url + "/downloadclient/testall")
    real = recorded("aiopyarr", "common", "validation-failed.json")
    assert status == 400
    assert set(answer[0]) == set(real[0])
    assert set(real[0]["validationFailures"][0]) <= set(answer[0]["validationFailures"][0])


def test_unchanged_put_is_not_tested_in_sonarr_but_is_in_prowlarr(serve):
    """Sonarr.Api.V3/ProviderControllerBase.cs: tests and writes only a changed definition (202 either way);
    Prowlarr.Api.V1/ProviderControllerBase.cs: tests every enabled PUT unless forceSave."""
    sonarr = serve("sonarr")
    client = {"name": "down", "implementation": "Sabnzbd", "configContract": "SabnzbdSettings", "enable": True,
              "priority": 1, "tags": [], "fields": [{"name": "host", "value": "127.0.0.1"}, {"name": "port", "value": 1}]}
    status, created = call("POST", sonarr + "/downloadclient?forceSave=true", dict(client, enable=False))
    assert status == 201
    stored = dict(created, enable=True)
    assert call("PUT", sonarr + "/downloadclient/%d?forceSave=true" % created["id"], stored)[0] == 202
    assert call("PUT", sonarr + "/downloadclient/%d" % created["id"], stored)[0] == 202  # unchanged: no test
    assert call("PUT", sonarr + "/downloadclient/%d" % created["id"], dict(stored, priority=2))[0] == 400
    prowlarr = serve("prowlarr")
    status, created = call("POST", prowlarr + "/downloadclient?forceSave=true", dict(client, enable=False))
    stored = dict(created, enable=True)
    assert call("PUT", prowlarr + "/downloadclient/%d?forceSave=true" % created["id"], stored)[0] == 202
    assert call("PUT", prowlarr + "/downloadclient/%d" % created["id"], stored)[0] == 400  # re-tested

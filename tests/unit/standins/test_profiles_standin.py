"""The stand-in's profile endpoints answer like Sonarr v4 / Radarr do (reference/arr/PROFILES.md).

Each app runs in a thread on a free loopback port. The contract tests replay recorded real
responses (pyarr, aiopyarr fixtures under reference/arr/fixtures) against it.
"""

import importlib.util
import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STANDIN = ROOT / "tests" / "standins" / "arr" / "arr_standin.py"
SPEC = importlib.util.spec_from_file_location("arr_standin_profiles", STANDIN)
arr_standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(arr_standin)
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
FIXTURES = REFERENCE / "arr" / "fixtures"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(name="apps")
def fixture_apps(tmp_path):
    out, servers = {}, []
    for app in ("sonarr", "radarr", "lidarr"):
        server, _arr = arr_standin.make_server(app, 0, KEY, str(tmp_path / "state"), bind="127.0.0.1")
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        api = "v1" if app == "lidarr" else "v3"
        out[app] = "http://127.0.0.1:%d/api/%s/" % (server.server_address[1], api)
    yield out
    for server in servers:
        server.shutdown()
        server.server_close()


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"X-Api-Key": KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw else None


def messages(body):
    return [f["errorMessage"] for f in body]


def cf(name, value="x265", implementation="ReleaseTitleSpecification"):
    return {"name": name, "specifications": [{"name": "s", "implementation": implementation, "negate": False,
                                              "required": False, "fields": [{"name": "value", "value": value}]}]}


def test_new_custom_format_added_to_every_profile_with_score_zero(apps):
    url = apps["sonarr"]
    _s, profiles = call("GET", url + "qualityprofile")
    assert profiles and all(p["formatItems"] == [] for p in profiles)
    status, first = call("POST", url + "customformat", cf("First"))
    assert status == 201
    status, second = call("POST", url + "customformat", cf("Second", "x264"))
    _s, profiles = call("GET", url + "qualityprofile")
    # inserted at index 0, score 0, name filled in on output
    assert profiles[0]["formatItems"] == [{"format": second["id"], "name": "Second", "score": 0},
                                          {"format": first["id"], "name": "First", "score": 0}]
    assert call("DELETE", url + "customformat/%d" % second["id"])[0] == 200
    _s, profile = call("GET", url + "qualityprofile/%d" % profiles[0]["id"])
    assert [f["format"] for f in profile["formatItems"]] == [first["id"]]


def test_custom_format_rules(apps):
    url = apps["radarr"]
    assert call("POST", url + "customformat", cf("HULU"))[0] == 201
    status, body = call("POST", url + "customformat", cf("HULU"))
    assert status == 400 and messages(body) == ["Must be unique."]
    assert call("POST", url + "customformat", cf("Hulu"))[0] == 201  # uniqueness is case-sensitive
    status, body = call("POST", url + "customformat", {"name": "Empty", "specifications": []})
    assert "Must contain at least one Condition" in messages(body)
    assert call("POST", url + "customformat", cf("Bad", 1, "ReleaseTypeSpecification"))[0] == 500  # Sonarr only
    assert call("POST", url + "customformat", cf("Zero", 0, "SourceSpecification"))[0] == 400
    _s, listed = call("GET", url + "customformat")
    spec = listed[0]["specifications"][0]
    assert spec["implementationName"] == "ReleaseTitle" and spec["fields"][0]["label"] == "Value"
    status, lang = call("POST", url + "customformat", cf("German", 4, "LanguageSpecification"))
    assert status == 201
    # every field comes back, including those never sent
    assert [f["name"] for f in lang["specifications"][0]["fields"]] == ["value", "exceptLanguage"]


def good_profile(url, name="P"):
    _s, schema = call("GET", url + "qualityprofile/schema")
    schema["name"] = name
    schema["items"][-1]["allowed"] = True
    top = schema["items"][-1]
    schema["cutoff"] = top.get("id") or top["quality"]["id"]
    return schema


def test_profile_write_rules(apps):
    for app in ("sonarr", "radarr"):
        url = apps[app]
        call("POST", url + "customformat", cf("One"))
        _s, schema = call("GET", url + "qualityprofile/schema")
        assert not any(i["allowed"] for i in schema["items"]) and schema["cutoff"] == 0
        assert [f["name"] for f in schema["formatItems"]] == ["One"]
        status, body = call("POST", url + "qualityprofile", dict(schema, name="Blank"))
        assert status == 400 and "Cutoff must be an allowed quality or group" in messages(body)
        profile = good_profile(url)
        missing = dict(profile, formatItems=[])
        status, body = call("POST", url + "qualityprofile", missing)
        assert status == 400 and messages(body)[0].startswith("All Custom Formats and no extra ones")
        short = dict(profile, items=profile["items"][1:])
        assert "Must contain all qualities" in messages(call("POST", url + "qualityprofile", short)[1])
        unreachable = dict(profile, minFormatScore=100)
        assert "Minimum Custom Format Score can never be satisfied" in messages(
            call("POST", url + "qualityprofile", unreachable)[1])
        status, created = call("POST", url + "qualityprofile", profile)
        assert status == 201
        if app == "radarr":
            assert created["language"] == {"id": -2, "name": "Original"}
        else:
            assert "language" not in created


def test_quality_ids_differ_per_app(apps):
    names = {}
    for app in ("sonarr", "radarr"):
        _s, rows = call("GET", apps[app] + "qualitydefinition")
        names[app] = dict((r["quality"]["name"], r["quality"]["id"]) for r in rows)
    assert names["sonarr"]["Bluray-480p"] == 13 and names["radarr"]["Bluray-480p"] == 20
    assert names["sonarr"]["Bluray-576p"] == 22 and names["radarr"]["BR-DISK"] == 22
    assert "Remux-1080p" in names["radarr"] and "Remux-1080p" not in names["sonarr"]
    assert len(names["sonarr"]) == 22 and len(names["radarr"]) == 30


def test_bulk_size_update_answers_stale_values(apps):
    url = apps["sonarr"]
    _s, rows = call("GET", url + "qualitydefinition")
    row = next(r for r in rows if r["quality"]["name"] == "HDTV-720p")
    assert "maxSize" in row
    changed = dict(row, minSize=10.0, maxSize=None)
    status, answer = call("PUT", url + "qualitydefinition/update", [changed])
    assert status == 202
    stale = next(r for r in answer if r["id"] == row["id"])
    assert stale["minSize"] == row["minSize"]  # the old value, as the apps answer
    _s, again = call("GET", url + "qualitydefinition")
    assert next(r for r in again if r["id"] == row["id"])["minSize"] == row["minSize"]  # still cached
    # a single-row PUT clears the cache: fresh answer, fresh reads
    status, one = call("PUT", url + "qualitydefinition/%d" % row["id"], dict(changed, minSize=11.0))
    assert status == 202 and one["minSize"] == 11.0 and "maxSize" not in one  # null left out
    _s, fresh = call("GET", url + "qualitydefinition")
    assert next(r for r in fresh if r["id"] == row["id"])["minSize"] == 11.0
    status, body = call("PUT", url + "qualitydefinition/%d" % row["id"], dict(changed, minSize=50, preferredSize=20))
    assert status == 400
    status, limits = call("GET", url + "qualitydefinition/limits")
    assert limits == {"min": 0, "max": 1000}


def test_delay_release_metadata_profiles(apps):
    url = apps["sonarr"]
    _s, delays = call("GET", url + "delayprofile")
    assert [d["id"] for d in delays] == [1] and delays[0]["order"] == 2147483647
    new = dict(delays[0], tags=[])
    new.pop("id")
    assert "Must have a tag" in messages(call("POST", url + "delayprofile", new)[1])
    assert call("DELETE", url + "delayprofile/1")[0] == 400
    status, body = call("POST", url + "releaseprofile", {"name": "x", "enabled": True, "required": [], "ignored": []})
    assert status == 400
    assert call("POST", url + "releaseprofile", {"name": "x", "enabled": True, "ignored": ["dubbed"]})[0] == 201
    assert call("GET", apps["lidarr"] + "customformat")[0] in (404, 405)  # not a Lidarr endpoint here
    _s, meta = call("GET", apps["lidarr"] + "metadataprofile")
    assert meta[0]["name"] == "Standard"
    created = dict(meta[0], name="Albums only")
    created.pop("id")
    assert call("POST", apps["lidarr"] + "metadataprofile", created)[0] == 201


# ---- contract: recorded real responses replayed against the stand-in

def test_contract_recorded_sonarr_v3_profile_lacks_a_v4_quality(tmp_path):
    """pyarr's recorded Sonarr profile predates Bluray-576p: a v4 server refuses to save it as is
    ("Must contain all qualities", Sonarr#7227); the stand-in must too."""
    recorded = json.loads((FIXTURES / "pyarr" / "sonarr" / "quality_profile_all.json").read_text())[0]
    server, _arr = arr_standin.make_server("sonarr", 0, KEY, str(tmp_path), bind="127.0.0.1")
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/api/v3/" % server.server_address[1]
        body = dict(recorded, formatItems=[], minUpgradeFormatScore=1)
        body.pop("id")
        status, answer = call("POST", url + "qualityprofile", body)
        assert status == 400 and "Must contain all qualities" in messages(answer)
        # the recorded quality definition rows have the stand-in's shape and ids for the same qualities
        rows = json.loads((FIXTURES / "pyarr" / "sonarr" / "quality_definition_all.json").read_text())
        _s, ours = call("GET", url + "qualitydefinition")
        by_name = dict((r["quality"]["name"], r) for r in ours)
        for row in rows:
            mine = by_name[row["quality"]["name"]]
            assert mine["quality"]["id"] == row["quality"]["id"]
            assert set(row) - {"maxSize", "preferredSize"} <= set(mine)
        delay = json.loads((FIXTURES / "aiopyarr" / "common" / "delayprofile.json").read_text())[0]
        _s, delays = call("GET", url + "delayprofile")
        assert set(delay) <= set(delays[0])
    finally:
        server.shutdown()
        server.server_close()

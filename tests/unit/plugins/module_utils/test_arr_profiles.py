"""Profiles against the *arr stand-in (started in-process on loopback ports).

Guide profiles with their custom formats in Sonarr and Radarr, rerun without writes, a drifted
score repaired alone, a guide rename followed, hand-made formats left alone, quality sizes, naming,
delay/release/metadata/app profiles. The guide is the real TRaSH copy in ../shared/reference/trash.
"""

import copy
import importlib.util
import json
import os
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _arr
from ansible_collections.homelab.mediastack.plugins.module_utils import _arr_client
from ansible_collections.homelab.mediastack.plugins.module_utils import _arr_profiles as prof
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import Reconciler

ROOT = Path(__file__).resolve().parents[4]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
TRASH = REFERENCE / "trash"
STANDIN = ROOT / "tests" / "standins" / "arr" / "arr_standin.py"
SPEC = importlib.util.spec_from_file_location("arr_standin_for_profiles", STANDIN)
arr_standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(arr_standin)
KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.skipif(not (TRASH / "json").is_dir(), reason="TRaSH reference data not found")


class App(object):
    def __init__(self, app, state):
        self.server, self.arr = arr_standin.make_server(app, 0, KEY, str(state), bind="127.0.0.1")
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.api = self.url + ("/api/v1/" if app in ("lidarr", "prowlarr") else "/api/v3/")

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + path, data=data, method=method,
                                     headers={"X-Api-Key": KEY, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def counts(self):
        req = urllib.request.Request(self.url + "/__standin/requests")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def reset_counts(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/__standin/requests", method="DELETE"), timeout=10)

    def writes(self):
        by = self.counts()["byMethod"]
        return sum(by.get(m, 0) for m in ("POST", "PUT", "DELETE"))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="apps")
def fixture_apps(tmp_path):
    out = dict((app, App(app, tmp_path / "state")) for app in ("sonarr", "radarr", "lidarr", "prowlarr"))
    yield out
    for app in out.values():
        app.close()


def run(app, params, check=False, state_dir=None):
    client = _arr_client.make_client(dict(url=app.url, api_key=KEY, app=app.arr.app))
    rec = Reconciler(client, check_mode=check)
    client.detect()
    params = dict(params)
    if state_dir:
        params["profiles_state_dir"] = str(state_dir)
    return prof.sync_profiles(rec, params)


def changed(outcomes):
    return [(o.kind, o.key, o.action) for o in outcomes if o.changed]


WEB_1080P = {"sonarr": "WEB-1080p", "radarr": "WEB 1080p"}


def guide_params(app, guide=TRASH):
    return {"guide": str(guide), "quality_profiles": [{"template": "web-1080p", "reset_unmatched_scores": True}]}


@pytest.mark.parametrize("name", ["sonarr", "radarr"])
def test_guide_profile_applied_then_rerun_writes_nothing(apps, name, tmp_path):
    app = apps[name]
    params = guide_params(name)
    first = run(app, params, state_dir=tmp_path)
    made = [o for o in first if o.kind == "custom format" and o.action == "created"]
    assert len(made) > 30
    profile = next(o for o in first if o.kind == "quality profile")
    assert profile.action == "created"
    stored = next(p for p in app.call("GET", "qualityprofile") if p["name"] == WEB_1080P[name])
    # every CF listed, guide scores applied, cutoff the allowed WEB 1080p group, items worst first
    cfs = app.call("GET", "customformat")
    assert len(stored["formatItems"]) == len(cfs)
    scores = dict((f["name"], f["score"]) for f in stored["formatItems"])
    assert scores["WEB Tier 01"] == 1700 if name == "sonarr" else scores["WEB Tier 01"] > 0
    group = next(i for i in stored["items"] if i.get("name") == "WEB 1080p")
    assert group["allowed"] and stored["cutoff"] == group["id"]
    assert stored["items"][-1].get("name") == "WEB 1080p"  # the guide's best is the API's last
    if name == "radarr":
        assert stored["language"]["name"] == "Original"
    # rerun: nothing changes, no writes, each collection read once
    app.reset_counts()
    second = run(app, params, state_dir=tmp_path)
    assert changed(second) == []
    counts = app.counts()
    assert app.writes() == 0
    per_path = counts["byPath"]
    assert all(v == 1 for k, v in per_path.items() if k.startswith("GET")), per_path
    # check mode on a fresh app shows names, not ids
    fresh = App(name, tmp_path / ("fresh-" + name))
    try:
        preview = run(fresh, params, check=True)
        assert fresh.writes() == 0
        qp = next(o for o in preview if o.kind == "quality profile")
        assert qp.after["cutoff"] == "WEB 1080p"
        assert any(k.startswith("score WEB Tier 01") for k in qp.after)
        assert fresh.call("GET", "customformat") == []
    finally:
        fresh.close()


def test_drifted_score_repaired_alone(apps, tmp_path):
    app = apps["sonarr"]
    params = guide_params("sonarr")
    run(app, params, state_dir=tmp_path)
    stored = next(p for p in app.call("GET", "qualityprofile") if p["name"] == "WEB-1080p")
    item = next(f for f in stored["formatItems"] if f["name"] == "WEB Tier 02")
    good = item["score"]
    item["score"] = 5
    app.call("PUT", "qualityprofile/%d" % stored["id"], stored)
    app.reset_counts()
    outcomes = run(app, params, state_dir=tmp_path)
    assert changed(outcomes) == [("quality profile", "WEB-1080p", "updated")]
    qp = next(o for o in outcomes if o.kind == "quality profile")
    differing = [k for k in qp.after if qp.before.get(k) != qp.after[k]]
    assert differing == ["score WEB Tier 02"] and qp.after["score WEB Tier 02"] == good
    assert app.counts()["byMethod"] == {"GET": app.counts()["byMethod"]["GET"], "PUT": 1}


def test_unmanaged_scores_left_without_reset(apps):
    app = apps["radarr"]
    app.call("POST", "customformat", {"name": "Mine", "specifications": [
        {"name": "x", "implementation": "ReleaseTitleSpecification", "fields": [{"name": "value", "value": "mine"}]}]})
    params = {"guide": str(TRASH), "quality_profiles": [{"template": "web-1080p"}]}
    run(app, params)
    stored = next(p for p in app.call("GET", "qualityprofile") if p["name"] == "WEB 1080p")
    mine = next(f for f in stored["formatItems"] if f["name"] == "Mine")
    mine["score"] = 42
    app.call("PUT", "qualityprofile/%d" % stored["id"], stored)
    assert changed(run(app, params)) == []
    again = next(p for p in app.call("GET", "qualityprofile") if p["name"] == "WEB 1080p")
    assert next(f for f in again["formatItems"] if f["name"] == "Mine")["score"] == 42
    reset = {"guide": str(TRASH), "quality_profiles": [{"template": "web-1080p", "reset_unmatched_scores": True}]}
    out = run(app, reset)
    qp = next(o for o in out if o.kind == "quality profile")
    assert qp.before["score Mine"] == 42 and qp.after["score Mine"] == 0


def test_guide_rename_followed_without_duplicate(apps, tmp_path):
    """A CF renamed in the guide (same trash_id, same conditions) is renamed in the app, with or
    without the ownership record."""
    guide = tmp_path / "guide"
    shutil.copytree(str(TRASH / "json" / "sonarr"), str(guide / "json" / "sonarr"))
    app = apps["sonarr"]
    params = {"guide": str(guide), "quality_profiles": [{"template": "web-1080p"}]}
    run(app, params)
    before = len(app.call("GET", "customformat"))
    path = guide / "json" / "sonarr" / "cf" / "web-tier-02.json"
    data = json.loads(path.read_text())
    data["name"] = "WEB Tier 2 (renamed)"
    path.write_text(json.dumps(data))
    outcomes = run(app, params)
    names = [c["name"] for c in app.call("GET", "customformat")]
    assert len(names) == before
    assert "WEB Tier 2 (renamed)" in names and "WEB Tier 02" not in names
    renamed = next(o for o in outcomes if o.key == "WEB Tier 2 (renamed)")
    assert renamed.action == "updated" and "renamed" in renamed.msg
    stored = next(p for p in app.call("GET", "qualityprofile") if p["name"] == "WEB-1080p")
    assert next(f for f in stored["formatItems"] if f["name"] == "WEB Tier 2 (renamed)")["score"] > 0
    assert changed(run(app, params)) == []


def test_hand_made_formats_left_alone_takeover_on_request(apps, tmp_path):
    app = apps["sonarr"]
    hand = app.call("POST", "customformat", {"name": "My own", "specifications": [
        {"name": "x", "implementation": "ReleaseTitleSpecification", "fields": [{"name": "value", "value": "own"}]}]})
    clash = app.call("POST", "customformat", {"name": "WEB Tier 01", "specifications": [
        {"name": "x", "implementation": "ReleaseTitleSpecification", "fields": [{"name": "value", "value": "hand"}]}]})
    params = {"guide": str(TRASH), "quality_profiles": [{"template": "web-1080p"}]}
    outcomes = run(app, params, state_dir=tmp_path)
    skipped = next(o for o in outcomes if o.key == "WEB Tier 01")
    assert skipped.action == "skipped" and "takeover" in skipped.msg
    assert app.call("GET", "customformat/%d" % hand["id"])["specifications"][0]["fields"][0]["value"] == "own"
    assert app.call("GET", "customformat/%d" % clash["id"])["specifications"][0]["fields"][0]["value"] == "hand"
    stored = next(p for p in app.call("GET", "qualityprofile") if p["name"] == "WEB-1080p")
    assert next(f for f in stored["formatItems"] if f["format"] == clash["id"])["score"] == 0  # not scored either
    taken = run(app, {"guide": str(TRASH), "quality_profiles": [{"template": "web-1080p", "takeover_formats": True}]},
                state_dir=tmp_path)
    assert next(o for o in taken if o.key == "WEB Tier 01").action == "updated"
    assert app.call("GET", "customformat/%d" % clash["id"])["specifications"][0]["fields"][0]["value"] != "hand"
    assert app.call("GET", "customformat/%d" % hand["id"])["name"] == "My own"
    # purge removes what the inventory does not name, the hand-made one included
    purged = run(app, dict(params, purge=["custom_formats"]), state_dir=tmp_path)
    assert ("custom format", "My own", "deleted") in changed(purged)


def test_case_only_name_clash_refused(apps):
    app = apps["sonarr"]
    for name in ("HULU", "Hulu"):
        app.call("POST", "customformat", {"name": name, "specifications": [
            {"name": "x", "implementation": "ReleaseTitleSpecification", "fields": [{"name": "value", "value": name}]}]})
    with pytest.raises(_arr.ArrError, match="differ only in case"):
        run(app, {"custom_formats": [{"name": "hulu", "specifications": [
            {"name": "x", "implementation": "ReleaseTitle", "fields": {"value": "hulu"}}]}]})


def test_inline_profile_without_guide_and_rename(apps):
    app = apps["sonarr"]
    params = {"custom_formats": [{"name": "No x265", "specifications": [
        {"name": "x265", "implementation": "ReleaseTitle", "fields": {"value": "[xh]\\.?265"}}]}],
        "quality_profiles": [{"name": "HD", "qualities": [
            {"name": "WEB 1080p", "items": ["WEBDL-1080p", "WEBRip-1080p"]}, "Bluray-720p", "HDTV-720p"],
            "cutoff": "WEB 1080p", "upgrade_allowed": True, "scores": {"No x265": -10000}}]}
    out = run(app, params)
    assert [o.action for o in out] == ["created", "created"]
    assert changed(run(app, params)) == []
    renamed = copy.deepcopy(params)
    renamed["quality_profiles"][0].update(name="HD (720p/1080p)", rename_from=["HD"])
    out = run(app, renamed)
    assert changed(out) == [("quality profile", "HD (720p/1080p)", "updated")]
    assert [p["name"] for p in app.call("GET", "qualityprofile")].count("HD (720p/1080p)") == 1
    assert "HD" not in [p["name"] for p in app.call("GET", "qualityprofile")]
    with pytest.raises(_arr.ArrError, match="no custom format 'Nope'"):
        run(app, {"quality_profiles": [{"name": "HD (720p/1080p)", "scores": {"Nope": 1}}]})
    with pytest.raises(_arr.ArrError, match="unknown quality 'Remux-1080p'"):
        run(app, {"quality_profiles": [{"name": "X", "qualities": ["Remux-1080p"]}]})


def test_quality_sizes_and_naming(apps):
    app = apps["radarr"]
    params = {"guide": str(TRASH), "quality_definitions": {"preset": "movie"},
              "naming": {"preset": {"file": "jellyfin-tmdb", "folder": "jellyfin-tmdb"}, "rename": True}}
    out = run(app, params)
    assert any(o.kind == "quality size" and o.changed for o in out)
    assert ("config", "naming", "updated") in changed(out)
    app.reset_counts()
    assert changed(run(app, params)) == []  # single-row PUTs: no stale answer to chase
    assert app.writes() == 0
    naming = app.call("GET", "config/naming")
    assert "tmdbid-{TmdbId}" in naming["movieFolderFormat"] and naming["renameMovies"] is True
    rows = dict((r["quality"]["name"], r) for r in app.call("GET", "qualitydefinition"))
    assert "maxSize" not in rows["Bluray-1080p"] or rows["Bluray-1080p"]["maxSize"] < 2000


def test_delay_release_app_metadata_profiles(apps):
    sonarr, lidarr, prowlarr = apps["sonarr"], apps["lidarr"], apps["prowlarr"]
    params = {"delay_profiles": [{"tags": [], "usenet_delay": 60}, {"tags": ["anime"], "preferred_protocol": "torrent"}],
              "release_profiles": [{"name": "No dubs", "ignored": ["dubbed", "dual audio"], "tags": ["anime"]}]}
    out = run(sonarr, params)
    assert [o.action for o in out] == ["updated", "created", "created"]
    assert changed(run(sonarr, params)) == []
    meta = {"metadata_profiles": [{"name": "Albums and EPs", "primary_types": ["Album", "EP"],
                                   "secondary_types": ["Studio"], "release_statuses": ["Official"]}]}
    assert changed(run(lidarr, meta)) == [("metadata profile", "Albums and EPs", "created")]
    assert changed(run(lidarr, meta)) == []
    appp = {"app_profiles": [{"name": "Standard", "minimum_seeders": 3},
                             {"name": "Interactive only", "enable_rss": False, "enable_automatic_search": False}]}
    assert [a for _k, _n, a in changed(run(prowlarr, appp))] == ["updated", "created"]
    assert changed(run(prowlarr, appp)) == []
    with pytest.raises(_arr.ArrError, match="no release profiles"):
        run(lidarr, {"release_profiles": [{"name": "x", "ignored": ["y"]}]})
    with pytest.raises(_arr.ArrError, match="quality profiles are managed for Sonarr v4 and Radarr"):
        run(lidarr, {"quality_profiles": [{"name": "x", "qualities": ["FLAC"]}]})
    with pytest.raises(_arr.ArrError, match="Prowlarr has no delay profiles"):
        run(prowlarr, {"delay_profiles": [{"tags": [], "usenet_delay": 5}]})


# ---- through the module entry points (what the action plugins and modules run)

def arr_objects(app, params, check=False):
    base = dict(url=app.url, api_key=KEY, app=app.arr.app, validate_certs=True, timeout=30, purge=[],
                force_save=False, secret_policy="verify")
    base.update(params)
    return _arr.execute("arr_objects", base, check_mode=check, diff=True)


@pytest.mark.parametrize("name", ["sonarr", "radarr"])
def test_arr_objects_guide_profile_check_apply_rerun(apps, name, tmp_path):
    app = apps[name]
    params = dict(guide=str(TRASH), profiles_state_dir=str(tmp_path), quality_profiles=[{"template": "web-1080p"}],
                  quality_definitions={"preset": "series" if name == "sonarr" else "movie"})
    check = arr_objects(app, params, check=True)
    assert check["changed"] and app.writes() == 0
    assert app.call("GET", "customformat") == []
    first = arr_objects(app, params)
    assert first["changed"] and first["counts"]["created"] > 30
    assert os.listdir(str(tmp_path))  # the ownership record was written
    app.reset_counts()
    again = arr_objects(app, params)
    assert again["changed"] is False, again["objects"]
    by_method = app.counts()["byMethod"]
    assert set(by_method) == {"GET"}
    # one GET per collection: status, customformat, qualitydefinition (+limits), qualityprofile (+schema)
    assert by_method["GET"] <= 7, app.counts()["byPath"]


def test_module_quality_profile_and_custom_format(apps, tmp_path):
    app = apps["sonarr"]
    conn = dict(url=app.url, api_key=KEY, app="sonarr", validate_certs=True, timeout=30)
    cf = dict(conn, trash_id=None, guide_name=None, name="No dubs", include_when_renaming=None, takeover=False,
              rename_from=None, state="present", guide=None, profiles_state_dir=None,
              specifications=[{"name": "dub", "implementation": "ReleaseTitle", "fields": {"value": "dubbed"}}])
    out = _arr.execute("arr_custom_format", cf)
    assert out["changed"] and out["action"] == "created"
    assert _arr.execute("arr_custom_format", cf)["changed"] is False
    qp = dict(conn, name="HD", template=None, cf_groups=None, score_set=None, exclude_formats=None,
              upgrade_allowed=True, cutoff=None, min_format_score=None, cutoff_format_score=None,
              min_upgrade_format_score=None, language=None, qualities=["WEBDL-1080p", "HDTV-1080p"],
              scores={"No dubs": -1000}, reset_unmatched_scores=False, reset_except=None, takeover_formats=False,
              rename_from=None, state="present", guide=None, profiles_state_dir=None)
    made = _arr.execute("arr_quality_profile", qp, diff=True)
    assert made["action"] == "created"
    assert made["diff"]["after"]["score No dubs"] == -1000 and made["diff"]["after"]["cutoff"] == "WEBDL-1080p"
    assert _arr.execute("arr_quality_profile", qp)["changed"] is False
    guide = dict(qp, name=None, template="web-1080p", qualities=None, scores=None, guide=str(TRASH))
    result = _arr.execute("arr_quality_profile", guide)
    assert result["changed"] and len(result["custom_formats"]) > 30
    assert _arr.execute("arr_quality_profile", guide)["changed"] is False
    with pytest.raises(_arr.ArrError, match="set guide"):
        _arr.execute("arr_quality_profile", dict(guide, guide=None))


# ---- the seed inventories' profiles (inventory/seed-00N/group_vars/all/arr_profiles.yml)

def _seed_profiles(seed):
    import yaml  # pylint: disable=import-outside-toplevel
    data = yaml.safe_load((ROOT / "inventory" / seed / "group_vars" / "all" / "arr_profiles.yml").read_text())

    def resolve(value):
        if isinstance(value, str) and value.startswith("{{ ") and value.endswith(" }}"):
            return resolve(data[value[3:-3].strip()])
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return dict((k, resolve(v)) for k, v in value.items())
        return value
    return resolve(data["arr_wiring_profiles"])


@pytest.mark.parametrize("seed", ["seed-001", "seed-004"])
def test_seed_profiles_apply_and_settle(apps, seed, tmp_path):
    profiles = _seed_profiles(seed)
    for name in ("sonarr", "radarr"):
        app = apps[name]
        params = dict(profiles[name], guide=str(TRASH), profiles_state_dir=str(tmp_path))
        first = arr_objects(app, params)
        assert first["changed"], first
        assert not [o for o in first["objects"] if o["action"] == "skipped"]
        app.reset_counts()
        assert arr_objects(app, params)["changed"] is False
        assert app.writes() == 0
        stored = app.call("GET", "qualityprofile")
        wanted = profiles[name]["quality_profiles"][0]
        prof_ = next(p for p in stored if p["name"] == wanted.get("name", p["name"]) and p["id"] != 1)
        if seed == "seed-004":
            # the original-language rule: Language: Not Original at -10000
            scores = dict((f["name"], f["score"]) for f in prof_["formatItems"])
            assert scores["Language: Not Original"] == -10000
            if name == "radarr":
                assert prof_["language"]["name"] == "Original"
        else:
            assert prof_["name"] == "HD-720p/1080p"
            allowed = [i.get("name") or i["quality"]["name"] for i in prof_["items"] if i["allowed"]]
            assert allowed[-1] == "WEB 1080p" and "Bluray-2160p" not in allowed


def test_guide_conflicts_warned(apps):
    """conflicts.json: x265 (HD) and x265 (no HDR/DV) must not be used together; both are still synced."""
    app = apps["sonarr"]
    result = arr_objects(app, dict(guide=str(TRASH), custom_formats=[
        "47435ece6b99a0b477caf360e79ba0bb", {"trash_id": "9b64dff695c2115facf1b6ea59c9bd07"}]))
    assert result["counts"] == {"created": 2}
    assert any("x265 (HD)" in w and "not to be used together" in w for w in result.get("warnings", [])), result
    alone = arr_objects(app, dict(guide=str(TRASH), custom_formats=["47435ece6b99a0b477caf360e79ba0bb"]))
    assert not alone.get("warnings")


def test_guide_condition_change_follows_the_ownership_record(apps, tmp_path):
    """With the record, a custom format the collection made is updated when the guide changes its
    conditions; without it, the same-named format counts as someone else's and is left alone."""
    guide = tmp_path / "guide"
    shutil.copytree(str(TRASH / "json" / "radarr"), str(guide / "json" / "radarr"))
    path = guide / "json" / "radarr" / "cf" / "x265-hd.json"
    data = json.loads(path.read_text())
    params = {"guide": str(guide), "custom_formats": [data["trash_id"]]}
    assert changed(run(apps["radarr"], params, state_dir=tmp_path / "record")) == [
        ("custom format", data["name"], "created")]
    data["specifications"][0]["fields"]["value"] = data["specifications"][0]["fields"]["value"] + "|x265-changed"
    path.write_text(json.dumps(data))
    without = run(apps["radarr"], params)
    assert [o.action for o in without] == ["skipped"]
    with_record = run(apps["radarr"], params, state_dir=tmp_path / "record")
    assert [o.action for o in with_record] == ["updated"]
    stored = next(c for c in apps["radarr"].call("GET", "customformat") if c["name"] == data["name"])
    assert stored["specifications"][0]["fields"][0]["value"].endswith("|x265-changed")

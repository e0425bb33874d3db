"""TRaSH Guides JSON -> API bodies, on the real guide files (../shared/reference/trash).

The quality tables below are the tests' own, written from PROFILES.md section 4 (the apps'
Quality.cs); the module under test never has one: it takes the app's table at run time.
"""

import json
import os
from pathlib import Path

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _trash_guide as tg

ROOT = Path(__file__).resolve().parents[4]
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT / ".." / "shared" / "reference"))
TRASH = REFERENCE / "trash"

pytestmark = pytest.mark.skipif(not (TRASH / "json").is_dir(), reason="TRaSH reference data not found")

# (id, name) worst first, per PROFILES.md section 4
SONARR_Q = [(0, "Unknown"), (1, "SDTV"), (12, "WEBRip-480p"), (8, "WEBDL-480p"), (2, "DVD"), (13, "Bluray-480p"),
            (22, "Bluray-576p"), (4, "HDTV-720p"), (9, "HDTV-1080p"), (10, "Raw-HD"), (14, "WEBRip-720p"),
            (5, "WEBDL-720p"), (6, "Bluray-720p"), (15, "WEBRip-1080p"), (3, "WEBDL-1080p"), (7, "Bluray-1080p"),
            (20, "Bluray-1080p Remux"), (16, "HDTV-2160p"), (17, "WEBRip-2160p"), (18, "WEBDL-2160p"),
            (19, "Bluray-2160p"), (21, "Bluray-2160p Remux")]
RADARR_Q = [(0, "Unknown"), (24, "WORKPRINT"), (25, "CAM"), (26, "TELESYNC"), (27, "TELECINE"), (29, "REGIONAL"),
            (28, "DVDSCR"), (1, "SDTV"), (2, "DVD"), (23, "DVD-R"), (8, "WEBDL-480p"), (12, "WEBRip-480p"),
            (20, "Bluray-480p"), (21, "Bluray-576p"), (4, "HDTV-720p"), (5, "WEBDL-720p"), (14, "WEBRip-720p"),
            (6, "Bluray-720p"), (9, "HDTV-1080p"), (3, "WEBDL-1080p"), (15, "WEBRip-1080p"), (7, "Bluray-1080p"),
            (30, "Remux-1080p"), (16, "HDTV-2160p"), (18, "WEBDL-2160p"), (17, "WEBRip-2160p"), (19, "Bluray-2160p"),
            (31, "Remux-2160p"), (22, "BR-DISK"), (10, "Raw-HD")]
TABLES = {"sonarr": [{"id": i, "name": n} for i, n in SONARR_Q], "radarr": [{"id": i, "name": n} for i, n in RADARR_Q]}


@pytest.fixture(scope="module", params=["sonarr", "radarr"])
def guide(request):
    return tg.Guide(str(TRASH), request.param)


def test_guide_root_forms():
    assert tg.Guide(str(TRASH / "json"), "sonarr").base == tg.Guide(str(TRASH), "sonarr").base
    assert tg.Guide(str(TRASH / "json" / "radarr"), "radarr").base.endswith("radarr")
    with pytest.raises(tg.GuideError, match="no TRaSH Guides data for sonarr"):
        tg.Guide(str(REFERENCE / "arr"), "sonarr")
    with pytest.raises(tg.GuideError, match="Sonarr and Radarr only"):
        tg.Guide(str(TRASH), "lidarr")


def test_every_guide_cf_converts(guide):
    """Fields object -> [{name, value}] list, trash_* keys gone, for every CF of the snapshot."""
    assert len(guide.custom_formats) > 200
    for trash_id, raw in guide.custom_formats.items():
        body = tg.cf_body(raw)
        assert not [k for k in body if k.startswith("trash")], trash_id
        assert len(body["specifications"]) == len(raw["specifications"])
        for spec, raw_spec in zip(body["specifications"], raw["specifications"]):
            assert isinstance(spec["fields"], list)
            assert dict((f["name"], f["value"]) for f in spec["fields"]) == raw_spec["fields"]
            assert spec["implementation"].endswith("Specification")


def test_cf_body_example_from_fact_sheet():
    raw = json.loads((TRASH / "json" / "sonarr" / "cf" / "10-mono.json").read_text())
    body = tg.cf_body(raw)
    assert body["name"] == "1.0 Mono"
    assert body["includeCustomFormatWhenRenaming"] is False
    assert body["specifications"][0]["name"] == "Mono"
    assert body["specifications"][0]["fields"][0]["name"] == "value"


def test_inline_cf_without_guide():
    body = tg.cf_body({"name": "No x265", "specifications": [
        {"name": "x265", "implementation": "ReleaseTitle", "negate": True, "fields": {"value": "x265"}}]})
    assert body["specifications"][0]["implementation"] == "ReleaseTitleSpecification"
    assert body["specifications"][0]["negate"] is True
    assert body["specifications"][0]["required"] is False
    with pytest.raises(tg.GuideError, match="at least one specification"):
        tg.cf_body({"name": "x", "specifications": []})
    with pytest.raises(tg.GuideError, match="name and an implementation"):
        tg.cf_body({"name": "x", "specifications": [{"name": " ", "implementation": "ReleaseTitle"}]})


def test_cf_differences_ignores_unmanaged_fields_and_metadata():
    desired = tg.cf_body({"name": "German", "specifications": [
        {"name": "German", "implementation": "LanguageSpecification", "fields": {"value": 4}}]})
    current = {"id": 3, "name": "German", "includeCustomFormatWhenRenaming": False, "specifications": [
        {"name": "German", "implementation": "LanguageSpecification", "implementationName": "Language",
         "negate": False, "required": False,
         "fields": [{"name": "value", "value": 4, "label": "Language", "selectOptions": []},
                    {"name": "exceptLanguage", "value": False}]}]}
    assert tg.cf_differences(current, desired) == []
    current["specifications"][0]["fields"][0]["value"] = 2
    assert tg.cf_differences(current, desired) == ["specifications"]
    current["specifications"][0]["fields"][0]["value"] = 4
    current["name"] = "german"
    assert tg.cf_differences(current, desired) == ["name"]
    assert tg.cf_fingerprint(desired) != tg.cf_fingerprint(tg.cf_body({"name": "German", "specifications": [
        {"name": "German", "implementation": "LanguageSpecification", "fields": {"value": 2}}]}))


def test_scores_set_then_default_then_none():
    guide = tg.Guide(str(TRASH), "radarr")
    raw = guide.custom_format_by_name("BR-DISK")
    assert tg.cf_score(raw) == raw["trash_scores"]["default"]
    sets = [k for k in raw["trash_scores"] if k != "default"]
    assert sets, "BR-DISK has named score sets in this snapshot"
    assert tg.cf_score(raw, sets[0]) == raw["trash_scores"][sets[0]]
    assert tg.cf_score(raw, "no-such-set") == raw["trash_scores"]["default"]
    assert tg.cf_score({"name": "x"}) is None


def test_unknown_trash_id_fails_loudly(guide):
    with pytest.raises(tg.GuideError, match="trash_id 0000 is not in the .* guide"):
        guide.custom_format("0000")


@pytest.mark.parametrize("app,ref", [("sonarr", "WEB-1080p"), ("sonarr", "web-1080p"),
                                     ("radarr", "WEB 1080p"), ("radarr", "e8c5acb741363a0dbda67d3978f4912f")])
def test_profile_lookup_by_name_file_or_trash_id(app, ref):
    assert tg.Guide(str(TRASH), app).profile(ref)["_file"] == "web-1080p"


def test_web1080p_resolves_with_default_groups():
    """The guide's WEB-1080p with its default cf-groups: the bench's ~40 custom formats."""
    for app in ("sonarr", "radarr"):
        guide = tg.Guide(str(TRASH), app)
        plain = tg.resolve_profile(guide, "web-1080p", cf_groups="none")
        full = tg.resolve_profile(guide, "web-1080p")
        raw = guide.profile("web-1080p")
        assert [f["trash_id"] for f in plain["formats"]] == list(raw["formatItems"].values())
        assert len(full["formats"]) > 30
        assert len(set(f["trash_id"] for f in full["formats"])) == len(full["formats"])
        # every group CF brought in is required or pre-selected in a default group for this template
        assert full["cutoff"] == raw["cutoff"]
        assert full["cutoffFormatScore"] == raw["cutoffFormatScore"]
        assert all(f["score"] is None or isinstance(f["score"], int) for f in full["formats"])
    radarr = tg.resolve_profile(tg.Guide(str(TRASH), "radarr"), "web-1080p")
    assert radarr["language"] == "Original"


def test_explicit_groups_and_exclude():
    guide = tg.Guide(str(TRASH), "sonarr")
    uk = guide.group("[Streaming Services] UK")
    with_uk = tg.resolve_profile(guide, "WEB-1080p", cf_groups=["default", uk["name"]])
    base = tg.resolve_profile(guide, "WEB-1080p")
    uk_ids = set(c["trash_id"] for c in uk["custom_formats"] if c.get("required"))
    assert uk_ids and uk_ids <= set(f["trash_id"] for f in with_uk["formats"])
    assert not uk_ids & set(f["trash_id"] for f in base["formats"])
    first = base["formats"][0]
    without = tg.resolve_profile(guide, "WEB-1080p", exclude=[first["name"].upper()])
    assert first["trash_id"] not in [f["trash_id"] for f in without["formats"]]
    anime_only = [g for g in guide.groups if "WEB-1080p" not in ((g.get("quality_profiles") or {}).get("include") or {})]
    with pytest.raises(tg.GuideError, match="not meant for profile"):
        tg.resolve_profile(guide, "WEB-1080p", cf_groups=[anime_only[0]["trash_id"]])


def test_score_set_of_template_used():
    guide = tg.Guide(str(TRASH), "radarr")
    prof = tg.resolve_profile(guide, "sqp-1-1080p", cf_groups="none")
    assert prof["score_set"] == "sqp-1-1080p"
    for fmt in prof["formats"]:
        raw = guide.custom_format(fmt["trash_id"])
        scores = raw.get("trash_scores") or {}
        assert fmt["score"] == scores.get("sqp-1-1080p", scores.get("default"))


@pytest.mark.parametrize("app", ["sonarr", "radarr"])
def test_every_template_becomes_valid_api_items(app):
    """Items worst first (members too), every app quality present once, cutoff an allowed
    top-level id: for every template of the snapshot, with the app's own ids."""
    guide = tg.Guide(str(TRASH), app)
    table = TABLES[app]
    for raw in guide.profiles:
        items = tg.api_items(raw["items"], table)
        flat = [i["quality"]["id"] for i in items if i.get("quality")]
        flat += [m["quality"]["id"] for i in items if not i.get("quality") for m in i["items"]]
        assert sorted(flat) == sorted(q["id"] for q in table), raw["name"]
        # reversed: the guide's first item is the API's last
        assert tg.item_name(items[-1]) == raw["items"][0]["name"]
        cutoff = tg.cutoff_id(items, raw["cutoff"])
        top = [i for i in items if (i.get("id") or i["quality"]["id"]) == cutoff and i["allowed"]]
        assert len(top) == 1, raw["name"]
        assert tg.cutoff_name(items, cutoff) == raw["cutoff"]


def test_items_order_groups_and_ids_per_app():
    quals = [{"name": "WEB 1080p", "allowed": True, "items": ["WEBRip-1080p", "WEBDL-1080p"]},
             {"name": "Bluray-480p", "allowed": True}, "DVD"]
    sonarr = tg.api_items(quals, TABLES["sonarr"])
    radarr = tg.api_items(quals, TABLES["radarr"])
    assert [tg.item_name(i) for i in sonarr[-3:]] == ["DVD", "Bluray-480p", "WEB 1080p"]
    assert sonarr[-2]["quality"]["id"] == 13 and radarr[-2]["quality"]["id"] == 20
    group = sonarr[-1]
    assert [m["quality"]["name"] for m in group["items"]] == ["WEBDL-1080p", "WEBRip-1080p"]
    assert group["id"] == 1001
    kept = tg.api_items(quals, TABLES["sonarr"], existing=[{"id": 1002, "name": "web 1080p", "items": []}])
    assert kept[-1]["id"] == 1002
    assert not any(i["allowed"] for i in sonarr[:-3])
    assert len(sonarr) == len(TABLES["sonarr"]) - 1
    assert tg.cutoff_id(sonarr) == 1001  # no cutoff named: the best allowed item
    assert tg.cutoff_id(sonarr, "Bluray-480p") == 13


def test_items_validation():
    table = TABLES["sonarr"]
    with pytest.raises(tg.GuideError, match="unknown quality 'Remux-1080p'"):
        tg.api_items(["Remux-1080p"], table)  # a Radarr name in Sonarr
    with pytest.raises(tg.GuideError, match="listed twice"):
        tg.api_items(["DVD", {"name": "G", "items": ["DVD", "SDTV"]}], table)
    with pytest.raises(tg.GuideError, match="name of a quality"):
        tg.api_items([{"name": "DVD", "items": ["SDTV", "Bluray-480p"]}], table)
    single = tg.api_items([{"name": "Only", "items": ["DVD"]}], table)
    assert single[-1]["quality"]["name"] == "DVD" and "id" not in single[-1]
    items = tg.api_items([{"name": "DVD", "allowed": False}, "SDTV"], table)
    with pytest.raises(tg.GuideError, match="not an allowed"):
        tg.cutoff_id(items, "DVD")
    with pytest.raises(tg.GuideError, match="not a top-level"):
        tg.cutoff_id(tg.api_items([{"name": "G", "items": ["DVD", "SDTV"]}], table), "DVD")


@pytest.mark.parametrize("app,kind,limit", [("sonarr", "series", 1000), ("radarr", "movie", 2000)])
def test_quality_sizes_limits_become_null(app, kind, limit):
    raw = tg.Guide(str(TRASH), app).quality_size(kind)
    sizes = tg.quality_sizes(raw["qualities"], max_limit=limit, preferred_limit=limit - (5 if app == "sonarr" else 1))
    assert set(sizes) == set(q["quality"] for q in raw["qualities"])
    for entry in raw["qualities"]:
        row = sizes[entry["quality"]]
        assert row["minSize"] == entry["min"]
        assert (row["maxSize"] is None) == (entry["max"] >= limit)
        assert (row["preferredSize"] is None) == (entry["preferred"] >= limit - (5 if app == "sonarr" else 1))
    assert any(r["maxSize"] is None for r in sizes.values())


def test_naming_presets():
    sonarr = tg.Guide(str(TRASH), "sonarr")
    naming = sonarr.naming()
    got = tg.naming_settings("sonarr", naming, {"series": "Plex-TVDB", "standard": "default", "season": "default"})
    assert got["seriesFolderFormat"] == naming["series"]["plex-tvdb"]
    assert got["standardEpisodeFormat"] == naming["episodes"]["standard"]["default"]
    assert got["seasonFolderFormat"] == "Season {season:00}"
    radarr = tg.naming_settings("radarr", tg.Guide(str(TRASH), "radarr").naming(), {"file": "jellyfin-tmdb"})
    assert list(radarr) == ["standardMovieFormat"]
    with pytest.raises(tg.GuideError, match="no sonarr naming preset 'nope'"):
        tg.naming_settings("sonarr", naming, {"series": "nope"})
    with pytest.raises(tg.GuideError, match="unknown radarr naming section"):
        tg.naming_settings("radarr", naming, {"series": "default"})

"""Profile endpoints of the *arr stand-in (test equipment, never imported by the collection).

Custom formats, quality profiles, quality definitions (sizes), delay profiles, release profiles
(Sonarr, Radarr), Lidarr metadata profiles. An extension of arr_standin.py: :func:`register`
adds these resources to its ``RESOURCES``; each answers ``(status, body, content type)`` or None
(not ours: the built-in routes answer).

What it follows: ../shared/reference/arr/PROFILES.md (read from the apps' source; S: = Sonarr
src/ @ 4ff1b780 (v4.0.19), R: = Radarr src/ @ 90cd8df1 (6.0.x)). Each rule below names the
upstream file. Nothing here comes from the collection's plugins or roles: the quality tables
are written from the apps' own Quality.cs, not shared.

State lives in the main stand-in's state dict (saved with it), under ``profiles:<kind>`` keys.
Python 3 standard library only.
"""

import copy
import json
import re
import time

STANDIN = None  # the arr_standin module, set by register()

# S: NzbDrone.Core/Qualities/Quality.cs (id, name, source, resolution, weight, default min/preferred/max MB/min)
SONARR_QUALITIES = [
    (0, "Unknown", "unknown", 0, 1, 1, 95, 199.9), (1, "SDTV", "television", 480, 2, 2, 95, 100),
    (12, "WEBRip-480p", "webRip", 480, 3, 2, 95, 100), (8, "WEBDL-480p", "web", 480, 3, 2, 95, 100),
    (2, "DVD", "dvd", 480, 4, 2, 95, 100), (13, "Bluray-480p", "bluray", 480, 5, 2, 95, 100),
    (22, "Bluray-576p", "bluray", 576, 6, 2, 95, 100), (4, "HDTV-720p", "television", 720, 7, 3, 95, 125),
    (9, "HDTV-1080p", "television", 1080, 8, 4, 95, 125), (10, "Raw-HD", "televisionRaw", 1080, 9, 4, 95, None),
    (14, "WEBRip-720p", "webRip", 720, 10, 3, 95, 130), (5, "WEBDL-720p", "web", 720, 10, 3, 95, 130),
    (6, "Bluray-720p", "bluray", 720, 11, 4, 95, 130), (15, "WEBRip-1080p", "webRip", 1080, 12, 4, 95, 130),
    (3, "WEBDL-1080p", "web", 1080, 12, 4, 95, 130), (7, "Bluray-1080p", "bluray", 1080, 13, 4, 95, 155),
    (20, "Bluray-1080p Remux", "blurayRaw", 1080, 14, 35, 95, None), (16, "HDTV-2160p", "television", 2160, 15, 35, 95, 199.9),
    (17, "WEBRip-2160p", "webRip", 2160, 16, 35, 95, None), (18, "WEBDL-2160p", "web", 2160, 16, 35, 95, None),
    (19, "Bluray-2160p", "bluray", 2160, 17, 35, 95, None), (21, "Bluray-2160p Remux", "blurayRaw", 2160, 18, 35, 95, None),
]
# R: NzbDrone.Core/Qualities/Quality.cs (id, name, source, resolution, modifier, weight, min, preferred, max)
RADARR_QUALITIES = [
    (0, "Unknown", "unknown", 0, "none", 1, 0, 95, 100), (24, "WORKPRINT", "workprint", 0, "none", 2, 0, 95, 100),
    (25, "CAM", "cam", 0, "none", 3, 0, 95, 100), (26, "TELESYNC", "telesync", 0, "none", 4, 0, 95, 100),
    (27, "TELECINE", "telecine", 0, "none", 5, 0, 95, 100), (29, "REGIONAL", "dvd", 480, "regional", 6, 0, 95, 100),
    (28, "DVDSCR", "dvd", 480, "screener", 7, 0, 95, 100), (1, "SDTV", "tv", 480, "none", 8, 0, 95, 100),
    (2, "DVD", "dvd", 0, "none", 9, 0, 95, 100), (23, "DVD-R", "dvd", 480, "remux", 10, 0, 95, 100),
    (8, "WEBDL-480p", "webdl", 480, "none", 11, 0, 95, 100), (12, "WEBRip-480p", "webrip", 480, "none", 11, 0, 95, 100),
    (20, "Bluray-480p", "bluray", 480, "none", 12, 0, 95, 100), (21, "Bluray-576p", "bluray", 576, "none", 13, 0, 95, 100),
    (4, "HDTV-720p", "tv", 720, "none", 14, 0, 95, 100), (5, "WEBDL-720p", "webdl", 720, "none", 15, 0, 95, 100),
    (14, "WEBRip-720p", "webrip", 720, "none", 15, 0, 95, 100), (6, "Bluray-720p", "bluray", 720, "none", 16, 0, 95, 100),
    (9, "HDTV-1080p", "tv", 1080, "none", 17, 0, 95, 100), (3, "WEBDL-1080p", "webdl", 1080, "none", 18, 0, 95, 100),
    (15, "WEBRip-1080p", "webrip", 1080, "none", 18, 0, 95, 100), (7, "Bluray-1080p", "bluray", 1080, "none", 19, 0, None, None),
    (30, "Remux-1080p", "bluray", 1080, "remux", 20, 0, None, None), (16, "HDTV-2160p", "tv", 2160, "none", 21, 0, None, None),
    (18, "WEBDL-2160p", "webdl", 2160, "none", 22, 0, None, None), (17, "WEBRip-2160p", "webrip", 2160, "none", 22, 0, None, None),
    (19, "Bluray-2160p", "bluray", 2160, "none", 23, 0, None, None), (31, "Remux-2160p", "bluray", 2160, "remux", 24, 0, None, None),
    (22, "BR-DISK", "bluray", 1080, "brdisk", 25, 0, None, None), (10, "Raw-HD", "tv", 1080, "rawhd", 26, 0, None, None),
]
# S/R: NzbDrone.Core/Qualities/QualityDefinitionLimits.cs
SIZE_MAX = {"sonarr": 1000, "radarr": 2000}
# S/R: NzbDrone.Core/Languages/Language.cs (the ones the stand-in knows)
LANGUAGES = [(-2, "Original"), (-1, "Any"), (0, "Unknown"), (1, "English"), (2, "French"), (3, "Spanish"), (4, "German"),
             (5, "Italian"), (8, "Japanese"), (7, "Dutch")]

# S: NzbDrone.Core/CustomFormats/Specifications/*.cs, R: same path: implementation -> (apps, field defaults,
# validator). Field order as the spec class declares them.
REGEX = "regex"
NONZERO = "nonzero"
SPECS = {
    "ReleaseTitleSpecification": (("sonarr", "radarr"), [("value", "")], REGEX),
    "ReleaseGroupSpecification": (("sonarr", "radarr"), [("value", "")], REGEX),
    "EditionSpecification": (("radarr",), [("value", "")], REGEX),
    "LanguageSpecification": (("sonarr", "radarr"), [("value", 0), ("exceptLanguage", False)], "language"),
    "IndexerFlagSpecification": (("sonarr", "radarr"), [("value", 0)], NONZERO),
    "SourceSpecification": (("sonarr", "radarr"), [("value", 0)], NONZERO),
    "ResolutionSpecification": (("sonarr", "radarr"), [("value", 0)], NONZERO),
    "QualityModifierSpecification": (("radarr",), [("value", 0)], NONZERO),
    "ReleaseTypeSpecification": (("sonarr",), [("value", 0)], None),
    "SizeSpecification": (("sonarr", "radarr"), [("min", 0.0), ("max", 0.0)], "size"),
    "YearSpecification": (("radarr",), [("min", 0), ("max", 0)], "year"),
}


class Answer(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def fail(prop, message, value=None):
    # S: Sonarr.Http/REST/RestController.cs: validation failures -> 400 with a bare array (API_BEHAVIOUR.md 3.3)
    item = {"propertyName": prop, "errorMessage": message, "severity": "error",
            "formattedMessageArguments": [], "formattedMessagePlaceholderValues": {"PropertyName": prop}}
    if value is not None:
        item["attemptedValue"] = value
    return item


def bad(failures):
    raise Answer(400, failures)


def server_error(message):
    # an unhandled exception: S: Sonarr.Http/Middleware/SonarrErrorPipeline.cs -> 500 {message, description}
    raise Answer(500, {"message": message, "description": message})


class Profiles:
    """The profile tables of one app instance (``arr`` is the main stand-in's ArrApp)."""

    def __init__(self, arr):
        self.arr = arr
        self.app = arr.app
        self.def_cache = None  # (time, rows): S/R QualityDefinitionService.cs keeps a 5-second cache
        st = arr.state
        if "profiles:seeded" not in st:
            st["profiles:seeded"] = True
            if self.app in ("sonarr", "radarr"):
                st["profiles:qualitydefinition"] = self.default_definitions()
                # S/R: QualityProfileService.cs Handle(ApplicationStartedEvent): a fresh install has default profiles
                any_profile = self.schema_profile()
                any_profile.update(name="Any", id=1)
                for item in any_profile["items"]:
                    if item.get("quality", {}).get("id") != 0 and (item.get("quality") or {}).get("name") not in ("BR-DISK", "Raw-HD"):
                        item["allowed"] = True
                        for member in item["items"]:
                            member["allowed"] = True
                any_profile["cutoff"] = self.top_id(next(i for i in any_profile["items"] if i["allowed"]))
                st["profiles:qualityprofile"] = [self.store_profile(any_profile)]
                st["next_id"]["profiles:qualityprofile"] = 2
            if self.app in ("sonarr", "radarr", "lidarr"):
                # S: NzbDrone.Core/Profiles/Delay/DelayProfileService.cs + migration: the default profile, no tags, last
                st["profiles:delayprofile"] = [{"id": 1, "enableUsenet": True, "enableTorrent": True,
                                                "preferredProtocol": "usenet", "usenetDelay": 0, "torrentDelay": 0,
                                                "bypassIfHighestQuality": True, "bypassIfAboveCustomFormatScore": False,
                                                "minimumCustomFormatScore": 0, "order": 2147483647, "tags": []}]
                st["next_id"]["profiles:delayprofile"] = 2
            if self.app == "lidarr":
                # recorded: pyarr tests/fixtures/lidarr/metadataprofile_all.json (a fresh Lidarr's "Standard")
                st["profiles:metadataprofile"] = STANDIN.load_ref("fixtures", "pyarr", "lidarr", "metadataprofile_all.json")
                st["next_id"]["profiles:metadataprofile"] = 1 + max(p["id"] for p in st["profiles:metadataprofile"])

    # ---- tables
    def table(self, kind):
        return self.arr.state.setdefault("profiles:" + kind, [])

    def new_id(self, kind):
        return self.arr.new_id("profiles:" + kind)

    def find(self, kind, oid):
        for item in self.table(kind):
            if item["id"] == oid:
                return item
        # S: Sonarr.Http/REST/RestController.cs maps ModelNotFoundException to 404
        raise Answer(404, {"message": "NotFound"})

    def qualities(self):
        if self.app == "sonarr":
            return [{"id": q[0], "name": q[1], "source": q[2], "resolution": q[3], "_weight": q[4], "_sizes": q[5:8]}
                    for q in SONARR_QUALITIES]
        return [{"id": q[0], "name": q[1], "source": q[2], "resolution": q[3], "modifier": q[4], "_weight": q[5],
                 "_sizes": q[6:9]} for q in RADARR_QUALITIES]

    @staticmethod
    def public(quality):
        return dict((k, v) for k, v in quality.items() if not k.startswith("_"))

    def quality_by_id(self, qid):
        for q in self.qualities():
            if q["id"] == qid:
                return self.public(q)
        # S: NzbDrone.Core/Qualities/Quality.cs FindById throws ArgumentException -> 500
        server_error("ID does not match a known quality (Parameter 'id')")

    # ---- custom formats
    def cf_render(self, rec):
        out = copy.deepcopy(rec)
        specs = []
        for spec in out["specifications"]:
            # S: Sonarr.Http/ClientSchema/SchemaBuilder.cs ToSchema: every field of the spec, with UI metadata
            fields = []
            for order, (name, value) in enumerate(spec["fields"]):
                fields.append({"order": order, "name": name, "label": name[0].upper() + name[1:], "value": value,
                               "type": "textbox" if isinstance(value, str) else "number", "advanced": False,
                               "privacy": "normal", "isFloat": isinstance(value, float)})
            implementation = spec["implementation"]
            specs.append({"name": spec["name"], "implementation": implementation,
                          "implementationName": implementation.replace("Specification", ""),
                          "infoLink": "https://wiki.servarr.com/", "negate": spec["negate"], "required": spec["required"],
                          "fields": fields})
        out["specifications"] = specs
        return out

    def cf_read(self, body, oid):
        # S/R: *.Api.V3/CustomFormats/CustomFormatController.cs SharedValidator
        failures = []
        name = body.get("name")
        if not name:
            failures.append(fail("Name", "'Name' must not be empty."))
        elif any(c["name"] == name and c["id"] != oid for c in self.table("customformat")):
            # exact, case-sensitive comparison
            failures.append(fail("Name", "Must be unique.", name))
        specs = body.get("specifications") or []
        if not specs:
            failures.append(fail("Specifications", "Must contain at least one Condition"))
        if any(not (s.get("name") or "").strip() for s in specs):
            failures.append(fail("Specifications", "Condition name(s) cannot be empty or consist of only spaces"))
        stored = []
        for spec in specs:
            implementation = spec.get("implementation") or ""
            known = SPECS.get(implementation)
            if known is None or self.app not in known[0]:
                # S: Sonarr.Api.V3/CustomFormats/CustomFormatResource.cs MapSpecification: ArgumentException -> 500
                server_error("Value does not fall within the expected range. (%s)" % implementation)
            given = dict((f.get("name"), f.get("value")) for f in spec.get("fields") or [])
            fields = []
            for fname, default in known[1]:
                # S: Sonarr.Http/ClientSchema/SchemaBuilder.cs ReadFromSchema: exact names; unknown ignored, missing default
                value = given.get(fname, default)
                if isinstance(default, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = float(value)
                fields.append((fname, value))
            values = dict(fields)
            rule = known[2]
            if rule == REGEX:
                if not values["value"]:
                    failures.append(fail("Value", "'Value' must not be empty.", ""))
                else:
                    try:
                        re.compile(values["value"])
                    except re.error as err:
                        # S: RegexSpecificationBase.cs compiles while mapping -> 500. .NET allows variable-width
                        # look-behind (the guide uses it); Python's re does not, so that one error is no error here.
                        if "look-behind" not in str(err):
                            server_error("Invalid pattern '%s'" % values["value"])
            elif rule == NONZERO and not values["value"]:
                failures.append(fail("Value", "'Value' must not be equal to '0'.", 0))
            elif rule == "language" and values["value"] not in [lid for lid, _n in LANGUAGES]:
                failures.append(fail("Value", "Language is not valid", values["value"]))
            elif rule == "size" and not (values["min"] >= 0 and values["max"] > values["min"]):
                failures.append(fail("Max", "'Max' must be greater than '%s'." % values["min"], values["max"]))
            elif rule == "year" and not (values["min"] > 0 and values["max"] >= values["min"]):
                failures.append(fail("Max", "'Max' must be greater than or equal to '%s'." % values["min"], values["max"]))
            stored.append({"name": spec.get("name"), "implementation": implementation,
                           "negate": bool(spec.get("negate")), "required": bool(spec.get("required")), "fields": fields})
        if failures:
            bad(failures)
        return {"name": name, "includeCustomFormatWhenRenaming": bool(body.get("includeCustomFormatWhenRenaming")),
                "specifications": stored}

    def cf_create(self, body):
        if body.get("id"):
            # S: NzbDrone.Core/Datastore/BasicRepository.cs Insert
            server_error("Can't insert model with existing ID %s" % body["id"])
        rec = self.cf_read(body, 0)
        rec["id"] = self.new_id("customformat")
        self.table("customformat").append(rec)
        # S/R: NzbDrone.Core/Profiles/Qualities/QualityProfileService.cs Handle(CustomFormatAddedEvent):
        # every profile gets the new format at index 0 with score 0
        for profile in self.table("qualityprofile"):
            profile["formatItems"].insert(0, {"format": rec["id"], "score": 0})
        return 201, self.cf_render(rec)

    def cf_update(self, oid, body):
        existing = self.find("customformat", oid)
        rec = self.cf_read(body, oid)
        rec["id"] = oid
        existing.clear()
        existing.update(rec)
        return 202, self.cf_render(rec)  # profiles untouched

    def cf_delete(self, oid):
        rec = self.find("customformat", oid)
        # S/R: QualityProfileService.cs Handle(CustomFormatDeletedEvent): removed from every profile first
        for profile in self.table("qualityprofile"):
            profile["formatItems"] = [f for f in profile["formatItems"] if f["format"] != oid]
            if not profile["formatItems"]:
                profile.update(minFormatScore=0, cutoffFormatScore=0, minUpgradeFormatScore=1)
        self.table("customformat").remove(rec)
        return 200, {}

    def cf_schema(self):
        # S/R: CustomFormatController.cs GetTemplates: one template per specification type
        out = []
        for implementation, (apps, fields, _rule) in sorted(SPECS.items()):
            if self.app in apps:
                rendered = self.cf_render({"id": 0, "name": "", "specifications": [
                    {"name": "", "implementation": implementation, "negate": False, "required": False, "fields": fields}]})
                spec = rendered["specifications"][0]
                spec["presets"] = []
                out.append(spec)
        return out

    # ---- quality profiles
    @staticmethod
    def top_id(item):
        return item["id"] if item.get("quality") is None else item["quality"]["id"]

    def schema_profile(self):
        # S/R: QualityProfileService.cs GetDefaultProfile: grouped by weight, ascending, nothing allowed,
        # cutoff Unknown, every CF at score 0; Radarr language Original
        items, by_weight = [], {}
        for q in self.qualities():
            by_weight.setdefault(q["_weight"], []).append(q)
        gid = 1000
        for weight in sorted(by_weight):
            members = by_weight[weight]
            if len(members) == 1:
                items.append({"quality": self.public(members[0]), "items": [], "allowed": False})
                continue
            res = members[0]["resolution"]
            items.append({"id": gid, "name": "WEB %sp" % res,
                          "items": [{"quality": self.public(m), "items": [], "allowed": False} for m in members],
                          "allowed": False})
            gid += 1
        profile = {"id": 0, "name": "", "upgradeAllowed": False, "cutoff": 0, "items": items, "minFormatScore": 0,
                   "cutoffFormatScore": 0, "minUpgradeFormatScore": 1,
                   "formatItems": [{"format": c["id"], "name": c["name"], "score": 0} for c in self.table("customformat")]}
        if self.app == "radarr":
            profile["language"] = {"id": -2, "name": "Original"}
        return profile

    def qp_render(self, rec):
        out = copy.deepcopy(rec)
        names = dict((c["id"], c["name"]) for c in self.table("customformat"))
        # S/R: QualityProfileRepository.cs Query: format items whose CF is gone are skipped; name filled in
        out["formatItems"] = [dict(f, name=names[f["format"]]) for f in rec["formatItems"] if f["format"] in names]
        return out

    def store_profile(self, body):
        keys = ("id", "name", "upgradeAllowed", "cutoff", "items", "minFormatScore", "cutoffFormatScore",
                "minUpgradeFormatScore", "formatItems")
        rec = dict((k, copy.deepcopy(body.get(k))) for k in keys)
        for key in ("upgradeAllowed",):
            rec[key] = bool(rec[key])
        for key in ("minFormatScore", "cutoffFormatScore", "minUpgradeFormatScore"):
            rec[key] = int(rec[key] or 0)  # S: BasicRepository.cs Update: an omitted number is stored as 0
        rec["formatItems"] = [{"format": f.get("format"), "score": int(f.get("score") or 0)} for f in rec["formatItems"] or []]
        if self.app == "radarr":
            lang = body.get("language") or {}
            rec["language"] = {"id": lang.get("id", 0), "name": dict(LANGUAGES).get(lang.get("id"), lang.get("name"))}
        return rec

    def qp_validate(self, body, oid):
        # S/R: *.Api.V3/Profiles/Quality/QualityProfileController.cs, QualityItemsValidator.cs, QualityCutoffValidator.cs
        failures = []
        if not body.get("name"):
            failures.append(fail("Name", "'Name' must not be empty."))
        if "minUpgradeFormatScore" in body and (body.get("minUpgradeFormatScore") or 0) < 1 or "minUpgradeFormatScore" not in body:
            failures.append(fail("MinUpgradeFormatScore", "'Min Upgrade Format Score' must be greater than or equal to '1'.",
                                 body.get("minUpgradeFormatScore", 0)))
        items = body.get("items") or []
        if not items or not any(i.get("allowed") for i in items):
            failures.append(fail("Items", "Must contain at least one allowed quality"))
        seen, group_ids = [], []
        for item in items:
            members = item.get("items") or []
            is_group = bool(item.get("id"))  # QualityItemsValidator: any top-level id > 0 is a group
            if item.get("name") and item.get("quality") and not is_group:
                failures.append(fail("Items", "Individual qualities should not be named"))
            if is_group:
                if not item.get("name"):
                    failures.append(fail("Items", "Groups must have a name"))
                if len(members) < 2:
                    failures.append(fail("Items", "Groups must contain multiple qualities"))
                group_ids.append(item["id"])
                for member in members:
                    if member.get("quality") is None:
                        server_error("Object reference not set to an instance of an object.")
                    seen.append(member["quality"].get("id"))
            elif item.get("quality") is None:
                failures.append(fail("Items", "Groups must have an ID"))
            else:
                seen.append(item["quality"].get("id"))
        if len(set(group_ids)) != len(group_ids):
            failures.append(fail("Items", "Groups must have a unique ID"))
        if len(set(seen)) != len(seen):
            failures.append(fail("Items", "Qualities can only be used once"))
        for qid in seen:
            self.quality_by_id(qid)  # unknown id -> 500
        if set(seen) != set(q["id"] for q in self.qualities()):
            failures.append(fail("Items", "Must contain all qualities"))
        cutoff = body.get("cutoff")
        top = [i for i in items if (i.get("id") if i.get("id") else (i.get("quality") or {}).get("id")) == cutoff]
        if not top or not top[0].get("allowed"):
            failures.append(fail("Cutoff", "Cutoff must be an allowed quality or group", cutoff))
        format_ids = set(f.get("format") for f in body.get("formatItems") or [])
        if not set(c["id"] for c in self.table("customformat")) <= format_ids:
            failures.append(fail("FormatItems", "All Custom Formats and no extra ones need to be present inside your Profile! "
                                 "Try refreshing your browser."))
        scores = [f.get("score") or 0 for f in body.get("formatItems") or []]
        min_score = body.get("minFormatScore") or 0
        if min_score > 0:
            if not scores:
                server_error("Sequence contains no elements")  # Max() of an empty list
            if sum(s for s in scores if s > 0) < min_score and max(scores) < min_score:
                failures.append(fail("MinFormatScore", "Minimum Custom Format Score can never be satisfied", min_score))
        if failures:
            bad(failures)

    def qp_write(self, body, oid=None):
        if oid is not None:
            self.find("qualityprofile", oid)
        elif body.get("id"):
            server_error("Can't insert model with existing ID %s" % body["id"])
        self.qp_validate(body, oid)
        rec = self.store_profile(body)
        if oid is None:
            rec["id"] = self.new_id("qualityprofile")
            self.table("qualityprofile").append(rec)
            return 201, self.qp_render(rec)
        rec["id"] = oid
        existing = self.find("qualityprofile", oid)
        existing.clear()
        existing.update(rec)
        return 202, self.qp_render(rec)

    # ---- quality definitions
    def default_definitions(self):
        rows = []
        for n, q in enumerate(sorted(self.qualities(), key=lambda x: x["_weight"]), 1):
            mn, pref, mx = q["_sizes"]
            rows.append({"id": n, "quality": self.public(q), "title": q["name"], "weight": q["_weight"],
                         "minSize": mn, "maxSize": mx, "preferredSize": pref})
        return rows

    @staticmethod
    def qd_render(row):
        # S: NzbDrone.Common/Serializer/System.Text.Json/STJson.cs WhenWritingNull: null sizes are left out
        return dict((k, v) for k, v in row.items() if v is not None)

    def qd_all(self):
        # S/R: NzbDrone.Core/Qualities/QualityDefinitionService.cs GetAll: a 5-second cache
        if self.def_cache is None or time.time() - self.def_cache[0] > 5:
            self.def_cache = (time.time(), copy.deepcopy(self.table("qualitydefinition")))
        return [self.qd_render(r) for r in self.def_cache[1]]

    def qd_validate(self, body):
        # S: Sonarr.Api.V3/Qualities/QualityDefinitionResourceValidator.cs (4.0.9.2386+)
        failures = []
        limit = SIZE_MAX[self.app]
        mn, pref, mx = body.get("minSize"), body.get("preferredSize"), body.get("maxSize")
        if not body.get("id"):
            failures.append(fail("Id", "'Id' must be greater than '0'.", body.get("id", 0)))
        if mn is not None and not 0 <= mn <= (pref if pref is not None else limit):
            failures.append(fail("MinSize", "'Min Size' must be between 0 and %s" % (pref if pref is not None else limit), mn))
        if pref is not None and not (mn or 0) <= pref <= (mx if mx is not None else limit):
            failures.append(fail("PreferredSize", "'Preferred Size' must be between %s and %s" % (mn or 0, mx if mx is not None else limit), pref))
        if mx is not None and not (pref or 0) <= mx <= limit:
            failures.append(fail("MaxSize", "'Max Size' must be between %s and %s" % (pref or 0, limit), mx))
        return failures

    def qd_store(self, body):
        row = self.find("qualitydefinition", body.get("id"))
        # S: BasicRepository.cs UpdateFields: quality, title and the sizes stored as sent (weight is recomputed)
        for key in ("quality", "title", "minSize", "maxSize", "preferredSize"):
            row[key] = body.get(key)
        return row

    def qd_update_one(self, oid, body):
        body = dict(body, id=oid)
        failures = self.qd_validate(body)
        if failures:
            bad(failures)
        row = self.qd_store(body)
        self.def_cache = None  # QualityDefinitionService.Update clears the cache
        return 202, self.qd_render(row)

    def qd_update_many(self, rows):
        if not isinstance(rows, list):
            bad([fail("$", "The JSON value could not be converted to a list.")])
        failures = []
        for row in rows:
            failures.extend(self.qd_validate(row))  # S: Sonarr.Http/REST/RestController.cs validates each element
        if failures:
            bad(failures)
        stale = self.qd_all()
        for row in rows:
            self.qd_store(row)
        # S/R: QualityDefinitionService.cs UpdateMany does NOT clear the cache: the answer (and GETs for
        # the next <= 5 s) show the old values
        return 202, stale

    # ---- delay, release, metadata profiles
    def delay_write(self, body, oid=None):
        # S: Sonarr.Api.V3/Profiles/Delay/DelayProfileController.cs + DelayProfileTagInUseValidator.cs
        failures = []
        tags = body.get("tags") or []
        is_default = oid == 1
        if not is_default and not tags:
            failures.append(fail("Tags", "Must have a tag"))
        if is_default and tags:
            failures.append(fail("Tags", "Cannot add tags to the default delay profile"))
        for other in self.table("delayprofile"):
            if other["id"] != oid and set(other.get("tags") or []) & set(tags):
                failures.append(fail("Tags", "One or more tags is used in another profile"))
        if not body.get("enableUsenet") and not body.get("enableTorrent"):
            failures.append(fail("EnableUsenet", "Either Usenet or Torrent should be enabled"))
        if failures:
            bad(failures)
        keys = ("enableUsenet", "enableTorrent", "preferredProtocol", "usenetDelay", "torrentDelay",
                "bypassIfHighestQuality", "bypassIfAboveCustomFormatScore", "minimumCustomFormatScore", "tags")
        rec = dict((k, body.get(k)) for k in keys)
        for key in ("usenetDelay", "torrentDelay", "minimumCustomFormatScore"):
            rec[key] = int(rec[key] or 0)
        rec["tags"] = sorted(set(tags))
        if oid is None:
            rec["id"] = self.new_id("delayprofile")
            # DelayProfileService.Add: a new profile goes just before the default one
            rec["order"] = max([d["order"] for d in self.table("delayprofile") if d["id"] != 1] + [0]) + 1
            self.table("delayprofile").append(rec)
            return 201, dict(rec)
        existing = self.find("delayprofile", oid)
        rec["id"], rec["order"] = oid, existing["order"]
        existing.clear()
        existing.update(rec)
        return 202, dict(rec)

    def release_write(self, body, oid=None):
        # S: Sonarr.Api.V3/Profiles/Release/ReleaseProfileController.cs: one of required/ignored must be set
        failures = []
        required = body.get("required") or []
        ignored = body.get("ignored") or []
        if isinstance(required, str):
            required = [t for t in required.split(",") if t]
        if isinstance(ignored, str):
            ignored = [t for t in ignored.split(",") if t]
        if not required and not ignored:
            failures.append(fail("", "'Must contain' or 'Must not contain' is required"))
        if body.get("indexerId") and not any(i["id"] == body["indexerId"] for i in self.arr.table("indexer")):
            failures.append(fail("IndexerId", "Indexer does not exist"))
        if failures:
            bad(failures)
        rec = {"name": body.get("name"), "enabled": bool(body.get("enabled")), "required": required, "ignored": ignored,
               "indexerId": int(body.get("indexerId") or 0), "tags": sorted(set(body.get("tags") or []))}
        if oid is None:
            rec["id"] = self.new_id("releaseprofile")
            self.table("releaseprofile").append(rec)
            return 201, dict(rec)
        existing = self.find("releaseprofile", oid)
        rec["id"] = oid
        existing.clear()
        existing.update(rec)
        return 202, dict(rec)

    def metadata_write(self, body, oid=None):
        # Lidarr: src/Lidarr.Api.V1/Profiles/Metadata/MetadataProfileController.cs + MetadataValidator.cs
        failures = []
        if not body.get("name"):
            failures.append(fail("Name", "'Name' must not be empty."))
        if not any(t.get("allowed") for t in body.get("primaryAlbumTypes") or []):
            failures.append(fail("PrimaryAlbumTypes", "Must have at least one allowed primary type"))
        if not any(t.get("allowed") for t in body.get("secondaryAlbumTypes") or []):
            failures.append(fail("SecondaryAlbumTypes", "Must have at least one allowed secondary type"))
        if not any(t.get("allowed") for t in body.get("releaseStatuses") or []):
            failures.append(fail("ReleaseStatuses", "Must have at least one allowed release status"))
        if failures:
            bad(failures)
        rec = dict((k, copy.deepcopy(body.get(k))) for k in ("name", "primaryAlbumTypes", "secondaryAlbumTypes", "releaseStatuses"))
        if oid is None:
            rec["id"] = self.new_id("metadataprofile")
            self.table("metadataprofile").append(rec)
            return 201, dict(rec)
        existing = self.find("metadataprofile", oid)
        rec["id"] = oid
        existing.clear()
        existing.update(rec)
        return 202, dict(rec)

    # ---- routing
    def route(self, method, parts, raw):
        res = parts[0]
        rest = parts[1:]

        def body():
            try:
                return json.loads(raw.decode() or "null")
            except ValueError as err:
                bad([fail("$", "The JSON value could not be converted: %s" % err)])

        def oid():
            try:
                return int(rest[0])
            except (IndexError, ValueError):
                raise Answer(404, {"message": "NotFound"})

        arr_video = self.app in ("sonarr", "radarr")
        if res == "customformat" and arr_video:
            if not rest:
                if method == "GET":
                    return 200, [self.cf_render(c) for c in self.table("customformat")]
                if method == "POST":
                    return self.cf_create(body())
            elif rest == ["schema"] and method == "GET":
                return 200, self.cf_schema()
            elif rest[0] != "bulk":
                if method == "GET":
                    return 200, self.cf_render(self.find("customformat", oid()))
                if method == "PUT":
                    return self.cf_update(oid(), body())
                if method == "DELETE":
                    return self.cf_delete(oid())
        if res == "qualityprofile" and arr_video:
            if not rest:
                if method == "GET":
                    return 200, [self.qp_render(p) for p in self.table("qualityprofile")]
                if method == "POST":
                    return self.qp_write(body())
            elif rest == ["schema"] and method == "GET":
                return 200, self.schema_profile()
            else:
                if method == "GET":
                    return 200, self.qp_render(self.find("qualityprofile", oid()))
                if method == "PUT":
                    return self.qp_write(body(), oid())
                if method == "DELETE":
                    self.table("qualityprofile").remove(self.find("qualityprofile", oid()))
                    return 200, {}
        if res == "qualitydefinition" and arr_video:
            if not rest and method == "GET":
                return 200, self.qd_all()
            if rest == ["limits"] and method == "GET":
                return 200, {"min": 0, "max": SIZE_MAX[self.app]}
            if rest == ["update"] and method == "PUT":
                return self.qd_update_many(body())
            if rest and method == "GET":
                wanted = oid()
                return 200, next((r for r in self.qd_all() if r["id"] == wanted), None) or self.find("qualitydefinition", wanted)
            if rest and method == "PUT":
                return self.qd_update_one(oid(), body())
        if res == "language" and arr_video and method == "GET":
            return 200, [{"id": i, "name": n, "nameLower": n.lower()} for i, n in LANGUAGES]
        tables = {"delayprofile": (("sonarr", "radarr", "lidarr"), self.delay_write),
                  "releaseprofile": (("sonarr", "radarr"), self.release_write),
                  "metadataprofile": (("lidarr",), self.metadata_write)}
        if res == "metadataprofile" and self.app == "lidarr" and rest == ["schema"] and method == "GET":
            # Lidarr: src/Lidarr.Api.V1/Profiles/Metadata/MetadataProfileSchemaController.cs: every type, none allowed
            blank = copy.deepcopy(self.table("metadataprofile")[0])
            for key in ("primaryAlbumTypes", "secondaryAlbumTypes", "releaseStatuses"):
                for entry in blank[key]:
                    entry["allowed"] = False
            blank.update(id=0, name="")
            return 200, blank
        if res in tables and self.app in tables[res][0]:
            write = tables[res][1]
            if not rest:
                if method == "GET":
                    return 200, [dict(r) for r in self.table(res)]
                if method == "POST":
                    return write(body())
            else:
                if method == "GET":
                    return 200, dict(self.find(res, oid()))
                if method == "PUT":
                    return write(body(), oid())
                if method == "DELETE":
                    if res == "delayprofile" and oid() == 1:
                        bad([fail("Id", "Cannot delete global delay profile")])
                    self.table(res).remove(self.find(res, oid()))
                    return 200, {}
        return None


def route(arr, method, parts, raw):
    """Answer ``(status, body)`` for a profile endpoint, or None. Writes are saved with the state."""
    with arr.lock:
        profiles = getattr(arr, "profiles", None)
        if profiles is None:
            profiles = arr.profiles = Profiles(arr)
        try:
            answer = profiles.route(method, parts, raw)
        except Answer as err:
            return err.status, err.body
        if answer is not None and method in ("POST", "PUT", "DELETE"):
            arr.save()
        return answer


RESOURCES = ("customformat", "qualityprofile", "qualitydefinition", "language", "delayprofile", "releaseprofile",
             "metadataprofile")


def register(module):
    """Called by arr_standin.load_extensions(): serve the profile resources."""
    global STANDIN  # pylint: disable=global-statement
    STANDIN = module

    def handler(_request, arr, method, parts, _query, raw):
        answer = route(arr, method, parts, raw)
        if answer is None:
            return None
        return answer[0], answer[1], "application/json; charset=utf-8"

    for name in RESOURCES:
        module.RESOURCES[name] = handler

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TRaSH Guides JSON -> Sonarr v4 / Radarr API bodies (pure Python, no HTTP).

Private to the collection. The user points at a copy of the TRaSH Guides (the repository, its
``docs/json`` folder, or any folder holding ``<app>/cf``, ``<app>/quality-profiles`` ...) and names
what to apply; this module turns the guide's JSON into what the apps' API takes. The same
functions take plain inline definitions, so nothing here needs a guide.

How the guide maps onto the API (../shared/reference/arr/PROFILES.md section 8):

* a custom format's ``fields`` is an object in the guide and a ``[{name, value}]`` list in the
  API; every ``trash_*`` key is guide metadata and is dropped;
* scores come from ``trash_scores[<score set>]``, then ``trash_scores.default``; a CF with
  neither gets no score (its score in the app is left alone);
* profile templates list qualities best first (since the guide's 2026-02-20 layout); the API
  wants them worst first, group members too; cutoff and items are names, which the app's own
  quality table (``GET /qualityprofile/schema``) turns into ids: ids differ between the apps;
* quality sizes use the slider maximum for "no limit": anything at or above the app's limit is
  sent as null;
* naming presets are keys into the guide's naming file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

from ansible.module_utils.six import string_types

APPS = ("sonarr", "radarr")

# guide naming file sections -> the app's /config/naming keys (PROFILES.md 8.6)
NAMING_KEYS = {
    "sonarr": {
        ("season",): "seasonFolderFormat",
        ("series",): "seriesFolderFormat",
        ("episodes", "standard"): "standardEpisodeFormat",
        ("episodes", "daily"): "dailyEpisodeFormat",
        ("episodes", "anime"): "animeEpisodeFormat",
    },
    "radarr": {
        ("folder",): "movieFolderFormat",
        ("file",): "standardMovieFormat",
    },
}
# user-facing preset option -> guide section path
NAMING_OPTIONS = {
    "sonarr": {"season": ("season",), "series": ("series",), "standard": ("episodes", "standard"),
               "daily": ("episodes", "daily"), "anime": ("episodes", "anime")},
    "radarr": {"folder": ("folder",), "file": ("file",)},
}


class GuideError(Exception):
    """A guide reference that cannot be resolved, with a message for the user."""


def _norm(value):
    return ("%s" % (value or "")).strip().lower()


def _truthy(value):
    return value is True or _norm(value) in ("true", "yes", "1")


def _load(path):
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (IOError, OSError, ValueError) as err:
        raise GuideError("cannot read guide file %s: %s" % (path, err))


class Guide(object):
    """One app's part of a TRaSH Guides copy, read lazily and cached."""

    def __init__(self, root, app):
        if app not in APPS:
            raise GuideError("the TRaSH Guides cover Sonarr and Radarr only, not %s" % app)
        self.app = app
        self.root = root
        self.base = self._find_base(root, app)
        self._cfs = None
        self._profiles = None
        self._groups = None

    @staticmethod
    def _find_base(root, app):
        root = os.path.expanduser("%s" % root)
        for candidate in (os.path.join(root, "docs", "json", app), os.path.join(root, "json", app),
                          os.path.join(root, app), root):
            if os.path.isdir(os.path.join(candidate, "cf")):
                return candidate
        raise GuideError("no TRaSH Guides data for %s under %s: expected a folder %s/cf (in the guide "
                         "repository, docs/json/%s/cf). Point guide at a copy of the TRaSH Guides."
                         % (app, root, app, app))

    def _dir(self, name):
        path = os.path.join(self.base, name)
        if not os.path.isdir(path):
            return []
        return [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".json")]

    # -- custom formats -------------------------------------------------------------------------
    @property
    def custom_formats(self):
        if self._cfs is None:
            self._cfs = {}
            for path in self._dir("cf"):
                data = _load(path)
                if isinstance(data, dict) and data.get("trash_id"):
                    self._cfs[data["trash_id"]] = data
        return self._cfs

    def custom_format(self, trash_id):
        data = self.custom_formats.get(trash_id)
        if data is None:
            raise GuideError("custom format trash_id %s is not in the %s guide at %s (removed or renamed upstream? "
                             "check the guide's %s/cf folder or drop it from the inventory)"
                             % (trash_id, self.app, self.root, self.app))
        return data

    def custom_format_by_name(self, name):
        wanted = _norm(name)
        for data in self.custom_formats.values():
            if _norm(data.get("name")) == wanted:
                return data
        raise GuideError("no %s custom format named %r in the guide at %s" % (self.app, name, self.root))

    # -- quality profiles ----------------------------------------------------------------------
    @property
    def profiles(self):
        if self._profiles is None:
            self._profiles = []
            for path in self._dir("quality-profiles"):
                data = _load(path)
                data = dict(data, _file=os.path.splitext(os.path.basename(path))[0])
                self._profiles.append(data)
        return self._profiles

    def profile(self, ref):
        """A profile template by trash_id, name (case-insensitive) or file name (``web-1080p``)."""
        wanted = _norm(ref)
        for data in self.profiles:
            if wanted in (_norm(data.get("trash_id")), _norm(data.get("name")), _norm(data.get("_file"))):
                return data
        raise GuideError("no %s quality profile template %r in the guide at %s. Templates: %s" % (
            self.app, ref, self.root, ", ".join(sorted(p.get("name") for p in self.profiles))))

    # -- cf groups -----------------------------------------------------------------------------
    @property
    def groups(self):
        if self._groups is None:
            self._groups = [_load(path) for path in self._dir("cf-groups")]
        return self._groups

    def group(self, ref):
        wanted = _norm(ref)
        for data in self.groups:
            if wanted in (_norm(data.get("trash_id")), _norm(data.get("name"))):
                return data
        raise GuideError("no %s custom format group %r in the guide at %s" % (self.app, ref, self.root))

    def groups_for(self, profile):
        """The groups whose ``include`` lists this profile template."""
        out = []
        for data in self.groups:
            include = ((data.get("quality_profiles") or {}).get("include") or {})
            if profile.get("trash_id") in include.values():
                out.append(data)
        return out

    # -- sizes and naming ----------------------------------------------------------------------
    def quality_size(self, kind):
        for path in self._dir("quality-size"):
            data = _load(path)
            if _norm(data.get("type")) == _norm(kind) or _norm(data.get("trash_id")) == _norm(kind):
                return data
        raise GuideError("no %s quality-size preset %r in the guide at %s (types: %s)" % (
            self.app, kind, self.root, ", ".join(sorted(_load(p).get("type", "?") for p in self._dir("quality-size")))))

    def conflicts(self, trash_ids):
        """Groups of the given CFs that the guide says must not be used together (conflicts.json):
        a list of name lists."""
        path = os.path.join(self.base, "conflicts.json")
        if not os.path.isfile(path):
            return []
        wanted = set(trash_ids)
        out = []
        for group in _load(path).get("custom_formats") or []:
            hit = sorted(v.get("name") or k for k, v in group.items() if k in wanted)
            if len(hit) > 1:
                out.append(hit)
        return out

    def naming(self):
        files = self._dir("naming")
        if not files:
            raise GuideError("no %s naming file in the guide at %s" % (self.app, self.root))
        return _load(files[0])


# ---------------------------------------------------------------------------------------------
# Custom formats
# ---------------------------------------------------------------------------------------------

def cf_body(definition):
    """A custom format (guide JSON or an inline definition) -> the API body.

    ``specifications[].fields`` may be an object (guide form) or a ``[{name, value}]`` list (API
    form); ``trash_*`` keys are dropped.
    """
    if not isinstance(definition, dict) or not definition.get("name"):
        raise GuideError("a custom format needs a name")
    specs = definition.get("specifications")
    if not isinstance(specs, list) or not specs:
        raise GuideError("custom format %r needs at least one specification (the apps refuse one without a "
                         "condition)" % definition.get("name"))
    out_specs = []
    for spec in specs:
        if not isinstance(spec, dict) or not ("%s" % (spec.get("name") or "")).strip() or not spec.get("implementation"):
            raise GuideError("custom format %r: every specification needs a name and an implementation"
                             % definition.get("name"))
        fields = spec.get("fields") or {}
        if isinstance(fields, dict):
            fields = [{"name": k, "value": v} for k, v in fields.items()]
        else:
            fields = [{"name": f.get("name"), "value": f.get("value")} for f in fields]
        implementation = spec["implementation"]
        if not implementation.endswith("Specification"):
            implementation += "Specification"
        out_specs.append({"name": spec["name"], "implementation": implementation,
                          "negate": bool(spec.get("negate", False)), "required": bool(spec.get("required", False)),
                          "fields": fields})
    return {"name": definition["name"],
            "includeCustomFormatWhenRenaming": bool(definition.get("includeCustomFormatWhenRenaming",
                                                                   definition.get("include_when_renaming", False))),
            "specifications": out_specs}


def _field_value(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def cf_fingerprint(body):
    """What two custom formats must share to be the same: specs keyed by name (PROFILES.md 12)."""
    specs = []
    for spec in body.get("specifications") or []:
        fields = tuple(sorted((f.get("name"), json.dumps(_field_value(f.get("value")), sort_keys=True))
                              for f in spec.get("fields") or []))
        specs.append((_norm(spec.get("name")), spec.get("implementation"), bool(spec.get("negate")),
                      bool(spec.get("required")), fields))
    return tuple(sorted(specs))


def cf_differences(current, desired):
    """Keys that differ between an app CF and a desired body. Fields are compared only where the
    desired body sets them (the apps return every field of a spec, with UI metadata)."""
    changes = []
    if current.get("name") != desired.get("name"):
        changes.append("name")
    if bool(current.get("includeCustomFormatWhenRenaming")) != bool(desired.get("includeCustomFormatWhenRenaming")):
        changes.append("includeCustomFormatWhenRenaming")
    have = dict((_norm(s.get("name")), s) for s in current.get("specifications") or [])
    want = dict((_norm(s.get("name")), s) for s in desired.get("specifications") or [])
    if set(have) != set(want):
        changes.append("specifications")
        return changes
    for name, spec in want.items():
        cur = have[name]
        if (cur.get("implementation") != spec.get("implementation") or bool(cur.get("negate")) != bool(spec.get("negate"))
                or bool(cur.get("required")) != bool(spec.get("required"))):
            changes.append("specifications")
            break
        cur_fields = dict((f.get("name"), _field_value(f.get("value"))) for f in cur.get("fields") or [])
        if any(cur_fields.get(f.get("name")) != _field_value(f.get("value")) for f in spec.get("fields") or []):
            changes.append("specifications")
            break
    return changes


def cf_score(definition, score_set=None):
    """The guide's score for a CF in a score set: the set, then ``default``, else None (no score)."""
    scores = definition.get("trash_scores") or {}
    if score_set and score_set in scores:
        return scores[score_set]
    return scores.get("default")


# ---------------------------------------------------------------------------------------------
# Quality profiles
# ---------------------------------------------------------------------------------------------

PROFILE_KEYS = ("upgradeAllowed", "minFormatScore", "cutoffFormatScore", "minUpgradeFormatScore")


def resolve_profile(guide, ref, cf_groups="default", score_set=None, exclude=None):
    """A guide profile template -> a plain profile definition.

    :param cf_groups: ``"default"`` (the groups marked default that include this template, with
        their required and pre-selected CFs, as the guide and Recyclarr do), ``"none"``, or a list
        of group names/trash_ids (those groups' required and pre-selected CFs), which may contain
        ``"default"`` to add the default groups as well.
    :param exclude: CF trash_ids or names to leave out.
    :returns: dict with ``name``, ``upgradeAllowed``, ``cutoff`` (name), the three scores,
        ``language`` (name or None), ``qualities`` (best first, guide form) and ``formats``: a list
        of ``{trash_id, name, score}`` (score None: no score in the guide).
    """
    raw = guide.profile(ref)
    score_set = score_set or raw.get("trash_score_set")
    excluded = set(_norm(x) for x in exclude or [])
    wanted = []  # trash ids, in order
    for _label, trash_id in (raw.get("formatItems") or {}).items():
        wanted.append(trash_id)
    refs = cf_groups if isinstance(cf_groups, list) else [cf_groups]
    groups = []
    if any(_norm(r) == "default" for r in refs):
        groups = [g for g in guide.groups_for(raw) if _truthy(g.get("default"))]
    for ref_ in refs:
        if ref_ in (None, "") or _norm(ref_) in ("default", "none"):
            continue
        group = guide.group(ref_)
        include = (group.get("quality_profiles") or {}).get("include") or {}
        if include and raw.get("trash_id") not in include.values():
            raise GuideError("custom format group %r is not meant for profile %r (it lists: %s)" % (
                group.get("name"), raw.get("name"), ", ".join(sorted(include))))
        if group not in groups:
            groups.append(group)
    for group in groups:
        for item in group.get("custom_formats") or []:
            if _truthy(item.get("required")) or _truthy(item.get("default")):
                wanted.append(item["trash_id"])
    formats, seen = [], set()
    for trash_id in wanted:
        if trash_id in seen:
            continue
        seen.add(trash_id)
        definition = guide.custom_format(trash_id)
        if _norm(trash_id) in excluded or _norm(definition.get("name")) in excluded:
            continue
        formats.append({"trash_id": trash_id, "name": definition["name"], "score": cf_score(definition, score_set)})
    out = {"name": raw["name"], "trash_id": raw.get("trash_id"), "cutoff": raw.get("cutoff"),
           "qualities": copy.deepcopy(raw.get("items") or []), "language": raw.get("language"),
           "formats": formats, "score_set": score_set}
    for key in PROFILE_KEYS:
        if key in raw:
            out[key] = raw[key]
    return out


def _quality_name(quality):
    return quality.get("name") if isinstance(quality, dict) else quality


def schema_qualities(items):
    """Every quality object of a profile (or the /qualityprofile/schema template), worst first."""
    out = []
    for item in items or []:
        if item.get("quality"):
            out.append(item["quality"])
        for member in item.get("items") or []:
            if member.get("quality"):
                out.append(member["quality"])
    return out


def api_items(qualities, table, existing=None):
    """Best-first quality list (guide or inventory form) -> the API's ``items`` (worst first).

    :param qualities: ``[{name, allowed, items: [member names]}]`` or plain names (allowed),
        best first.
    :param table: the app's quality objects (from :func:`schema_qualities`), any order; names
        are looked up there (case-insensitive), so the ids are the app's own.
    :param existing: the profile's current items; a group of the same name keeps its id.
    Qualities the list leaves out are added, not allowed, below the listed ones (every quality
    must be present, PROFILES.md 3.3). A one-member group becomes a plain item.
    """
    by_name = dict((_norm(q.get("name")), q) for q in table)
    group_ids = {}
    used_ids = set()
    for item in existing or []:
        if item.get("id") and not item.get("quality"):
            group_ids.setdefault(_norm(item.get("name")), item["id"])
            used_ids.add(item["id"])
    seen = set()
    out = []

    def quality(name, where):
        q = by_name.get(_norm(name))
        if q is None:
            raise GuideError("unknown quality %r in %s; this app's qualities: %s" % (
                name, where, ", ".join(q_.get("name") for q_ in table)))
        if q["id"] in seen:
            raise GuideError("quality %r is listed twice (%s); a quality can only be used once" % (name, where))
        seen.add(q["id"])
        return copy.deepcopy(q)

    next_id = [max([1000] + list(used_ids) + list(group_ids.values()))]
    for entry in qualities or []:
        if isinstance(entry, string_types):
            entry = {"name": entry, "allowed": True}
        if not isinstance(entry, dict) or not entry.get("name"):
            raise GuideError("every quality entry needs a name: %r" % (entry,))
        allowed = bool(entry.get("allowed", True))
        members = entry.get("items") or entry.get("qualities") or []
        if len(members) > 1:
            if _norm(entry["name"]) in by_name:
                raise GuideError("group %r has the name of a quality; give the group another name" % entry["name"])
            gid = group_ids.get(_norm(entry["name"]))
            if gid is None:
                next_id[0] += 1
                gid = next_id[0]
            group_items = [{"quality": quality(_quality_name(m), "group %s" % entry["name"]), "items": [],
                            "allowed": allowed} for m in reversed(members)]
            out.append({"id": gid, "name": entry["name"], "items": group_items, "allowed": allowed})
        else:
            name = _quality_name(members[0]) if members else entry["name"]
            out.append({"quality": quality(name, "the quality list"), "items": [], "allowed": allowed})
    missing = [q for q in table if q["id"] not in seen]
    out.reverse()  # best first -> worst first
    # the left-out qualities rank lowest, in the app's own order
    return [{"quality": copy.deepcopy(q), "items": [], "allowed": False} for q in missing] + out


def item_name(item):
    return item.get("name") if not item.get("quality") else item["quality"].get("name")


def cutoff_id(items, cutoff=None):
    """The id of the top-level item named ``cutoff``, which must be allowed; without a name the
    best allowed item. (A group's id, or a single quality's id: PROFILES.md 3.3.)"""
    allowed = [i for i in items if i.get("allowed")]
    if not allowed:
        raise GuideError("the profile allows no quality; allow at least one")
    if cutoff in (None, ""):
        best = allowed[-1]
        return best["id"] if not best.get("quality") else best["quality"]["id"]
    for item in items:
        if _norm(item_name(item)) == _norm(cutoff):
            if not item.get("allowed"):
                raise GuideError("cutoff %r is not an allowed quality or group of the profile" % cutoff)
            return item["id"] if not item.get("quality") else item["quality"]["id"]
    raise GuideError("cutoff %r is not a top-level quality or group of the profile (a quality inside a group "
                     "cannot be the cutoff; name the group). Top-level items: %s" % (
                         cutoff, ", ".join(item_name(i) for i in reversed(items))))


def cutoff_name(items, cutoff):
    for item in items or []:
        if item.get("quality") and item["quality"].get("id") == cutoff and not item.get("id"):
            return item["quality"].get("name")
        if not item.get("quality") and item.get("id") == cutoff:
            return item.get("name")
    return "#%s" % cutoff


def items_summary(items):
    """A profile's items in a comparable, readable form: best first, ``name`` or
    ``name [members]``, with ``(allowed)`` markers."""
    out = []
    for item in reversed(items or []):
        label = item_name(item)
        if not item.get("quality"):
            label += " [%s]" % ", ".join(m["quality"]["name"] for m in reversed(item.get("items") or []))
        out.append(label + (" (allowed)" if item.get("allowed") else ""))
    return out


# ---------------------------------------------------------------------------------------------
# Quality sizes and naming
# ---------------------------------------------------------------------------------------------

def quality_sizes(entries, max_limit=None, preferred_limit=None):
    """Guide quality-size entries (``{quality, min, preferred, max}``) -> {quality name: {minSize,
    preferredSize, maxSize}}; values at or above the app's limit become null (no limit)."""
    out = {}
    for entry in entries:
        name = entry.get("quality") or entry.get("name")
        if not name:
            raise GuideError("every quality size needs a quality name: %r" % (entry,))
        row = {}
        for src, dst, limit in (("min", "minSize", None), ("preferred", "preferredSize", preferred_limit),
                                ("max", "maxSize", max_limit)):
            if src not in entry:
                continue
            value = entry[src]
            if value is not None and limit is not None and value >= limit:
                value = None
            row[dst] = value
        out[name] = row
    return out


def naming_settings(app, naming, selection):
    """Naming presets -> /config/naming keys. ``selection`` maps a section (sonarr: season, series,
    standard, daily, anime; radarr: folder, file) to a preset key of the guide's naming file."""
    options = NAMING_OPTIONS.get(app)
    if options is None:
        raise GuideError("the guide has naming presets for Sonarr and Radarr only")
    out = {}
    for option, preset in sorted((selection or {}).items()):
        path = options.get(option)
        if path is None:
            raise GuideError("unknown %s naming section %r; valid: %s" % (app, option, ", ".join(sorted(options))))
        node = naming
        for part in path:
            node = (node or {}).get(part)
        presets = dict((_norm(k), v) for k, v in (node or {}).items())
        if _norm(preset) not in presets:
            raise GuideError("no %s naming preset %r for %s; presets: %s" % (
                app, preset, option, ", ".join(sorted(node or {}))))
        out[NAMING_KEYS[app][path]] = presets[_norm(preset)]
    return out

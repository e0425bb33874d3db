# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Profiles of the *arr apps: custom formats, quality profiles, quality sizes, naming presets,
delay profiles (the kinds whose API needs more than a plain overlay).

Private to the collection; served by the one reconciler (``arr_objects`` and the
``arr_custom_format`` / ``arr_quality_profile`` modules call :func:`sync_profiles`). The guide
side (TRaSH JSON -> API bodies) is in ``_trash_guide``; this file talks to the app.

Rules (docs/arr.md "Profiles"; the apps' behaviour in ../shared/reference/arr/PROFILES.md):

* custom formats are synced before profiles, and the custom format list is read again after a
  write, because a new custom format joins every profile (score 0) and a profile write must
  list every custom format;
* a guide custom format is followed by its ``trash_id``: through the ownership record (when a
  ``state_dir`` is given), else by name, else (a rename in the guide) by identical conditions;
  an app custom format of the same name but other conditions is taken over only with
  ``takeover``; two app custom formats whose names differ only in case are refused;
* custom formats not named in the inventory are never touched (unless ``purge``); scores of
  custom formats a profile does not manage are left alone unless ``reset_unmatched_scores``;
* ``--diff`` shows names: custom formats, qualities and cutoffs by name, scores per format name;
* a no-change run writes nothing and reads each collection once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import re

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import ArrError
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import Outcome
from ansible_collections.homelab.mediastack.plugins.module_utils import _trash_guide as tg

# Where "no limit" begins for a preferred size, below the app's maximum (the guide's and
# Recyclarr's convention: Sonarr 995 of 1000, Radarr 1999 of 2000; PROFILES.md 8.5).
PREFERRED_GAP = {"sonarr": 5, "radarr": 1}
# Used when the app has no /qualitydefinition/limits (older than Sonarr 4.0.9 / Radarr 5.26).
DEFAULT_SIZE_MAX = {"sonarr": 1000, "radarr": 2000}
VIDEO_APPS = ("sonarr", "radarr")

PROFILE_KEYS = (
    ("upgrade_allowed", "upgradeAllowed"), ("min_format_score", "minFormatScore"),
    ("cutoff_format_score", "cutoffFormatScore"), ("min_upgrade_format_score", "minUpgradeFormatScore"),
)


def _n(value):
    return to_text(value or "").strip().lower()


def _err(err):
    return ArrError(to_text(err))


# ---------------------------------------------------------------------------------------------
# Ownership record (optional): trash_id / profile key -> app id, one file per app instance
# ---------------------------------------------------------------------------------------------

class Ownership(object):
    """What this collection created or took over in one app, so renames are followed by key.

    Without a ``state_dir`` nothing is recorded and matching falls back to names and conditions.
    """

    def __init__(self, state_dir, url, check_mode):
        self.path = None
        self.data = {}
        self.dirty = False
        self.check_mode = check_mode
        if state_dir:
            slug = re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_")
            self.path = os.path.join(os.path.expanduser(state_dir), "arr-profiles-%s.json" % slug)
            if os.path.exists(self.path):
                try:
                    with open(self.path) as handle:
                        self.data = json.load(handle)
                except (IOError, OSError, ValueError) as err:
                    raise ArrError("cannot read the profile ownership record %s: %s (delete it to start over)"
                                   % (self.path, err))

    def get(self, section, key):
        return (self.data.get(section) or {}).get(key)

    def put(self, section, key, oid):
        if key and oid is not None and self.get(section, key) != oid:
            self.data.setdefault(section, {})[key] = oid
            self.dirty = True

    def drop(self, section, key):
        if key in (self.data.get(section) or {}):
            del self.data[section][key]
            self.dirty = True

    def save(self):
        if not self.path or not self.dirty or self.check_mode:
            return
        folder = os.path.dirname(self.path)
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o700)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)
        os.rename(tmp, self.path)
        self.dirty = False


# ---------------------------------------------------------------------------------------------
# Inputs -> plans (no HTTP)
# ---------------------------------------------------------------------------------------------

def load_guide(path, app):
    if not path:
        return None
    try:
        return tg.Guide(path, app)
    except tg.GuideError as err:
        raise _err(err)


def _need_guide(guide, what):
    if guide is None:
        raise ArrError("%s comes from the TRaSH Guides: set guide (the path of a copy of the guide)" % what)
    return guide


def plan_custom_formats(items, guide):
    """``custom_formats`` items -> a list of plans ``{key, trash_id, body, takeover, rename_from,
    state}``. An item names a guide CF (``trash_id``, or ``guide_name``) or defines one inline
    (``name`` + ``specifications``)."""
    plans = []
    for item in items or []:
        if not isinstance(item, dict):
            item = {"trash_id": item}
        state = item.get("state") or "present"
        trash_id = item.get("trash_id")
        try:
            if trash_id or item.get("guide_name"):
                if item.get("specifications"):
                    raise ArrError("custom format %s: give trash_id (from the guide) or specifications (inline), "
                                   "not both" % (trash_id or item.get("guide_name")))
                guide_ = _need_guide(guide, "custom format %s" % (trash_id or item.get("guide_name")))
                raw = guide_.custom_format(trash_id) if trash_id else guide_.custom_format_by_name(item["guide_name"])
                body = tg.cf_body(raw)
                trash_id = raw["trash_id"]
            elif state == "absent" and item.get("name") and not item.get("specifications"):
                body = {"name": item["name"]}
            else:
                body = tg.cf_body(dict(item, includeCustomFormatWhenRenaming=item.get("include_when_renaming", False)))
        except tg.GuideError as err:
            raise _err(err)
        plans.append({"key": trash_id or _n(body["name"]), "trash_id": trash_id, "body": body,
                      "takeover": boolean(item.get("takeover") or False, strict=False), "rename_from": list(item.get("rename_from") or []),
                      "state": state})
    return plans


def plan_profiles(items, guide, app):
    """``quality_profiles`` items -> (plans, the guide CF plans they need)."""
    plans, cf_plans = [], []
    for item in items or []:
        if not isinstance(item, dict):
            raise ArrError("quality_profiles: every entry must be a dict with at least a name")
        template = item.get("template")
        resolved = None
        if template:
            guide_ = _need_guide(guide, "quality profile template %s" % template)
            try:
                resolved = tg.resolve_profile(guide_, template, cf_groups=item.get("cf_groups") or "default",
                                              score_set=item.get("score_set"), exclude=item.get("exclude_formats"))
            except tg.GuideError as err:
                raise _err(err)
            for fmt in resolved["formats"]:
                cf_plans.append({"trash_id": fmt["trash_id"], "takeover": bool(item.get("takeover_formats"))})
        name = item.get("name") or (resolved or {}).get("name")
        if not name:
            raise ArrError("quality_profiles: an entry needs a name (or template, a guide template whose name it takes)")
        plan = {"name": name, "key": "guide:%s" % resolved["trash_id"] if resolved and resolved.get("trash_id") else _n(name),
                "rename_from": list(item.get("rename_from") or []), "state": item.get("state") or "present",
                "top": {}, "qualities": None, "cutoff": None, "language": None, "scores": {},
                "reset": bool(item.get("reset_unmatched_scores")),
                "reset_except": set(_n(x) for x in item.get("reset_except") or [])}
        if resolved:
            for key in ("upgradeAllowed", "minFormatScore", "cutoffFormatScore", "minUpgradeFormatScore"):
                if key in resolved:
                    plan["top"][key] = resolved[key]
            plan["qualities"] = resolved["qualities"]
            plan["cutoff"] = resolved["cutoff"]
            if app == "radarr":
                plan["language"] = resolved.get("language")
            for fmt in resolved["formats"]:
                if fmt["score"] is not None:
                    plan["scores"][_n(fmt["name"])] = (fmt["name"], fmt["score"])
        for option, api_key in PROFILE_KEYS:
            if item.get(option) is not None:
                plan["top"][api_key] = item[option]
        if item.get("qualities") is not None:
            plan["qualities"] = item["qualities"]
        if item.get("cutoff") is not None:
            plan["cutoff"] = item["cutoff"]
        if item.get("language") is not None:
            if app != "radarr":
                raise ArrError("quality profile %s: language is a Radarr setting; %s handles languages with custom "
                               "formats" % (name, app.capitalize()))
            plan["language"] = item["language"]
        for cf_name, score in sorted((item.get("scores") or {}).items()):
            if guide is not None and re.match(r"^[0-9a-f]{32}$", cf_name or ""):
                try:
                    cf_name = guide.custom_format(cf_name)["name"]
                except tg.GuideError as err:
                    raise _err(err)
            try:
                plan["scores"][_n(cf_name)] = (cf_name, int(score))
            except (TypeError, ValueError):
                raise ArrError("quality profile %s: the score of %s must be a whole number, got %r" % (name, cf_name, score))
        plans.append(plan)
    return plans, cf_plans


# ---------------------------------------------------------------------------------------------
# Custom formats
# ---------------------------------------------------------------------------------------------

def _cf_show(body):
    """A custom format for --diff: conditions by name, fields as name=value."""
    out = {"includeCustomFormatWhenRenaming": bool(body.get("includeCustomFormatWhenRenaming"))}
    for spec in body.get("specifications") or []:
        fields = ", ".join("%s=%s" % (f.get("name"), json.dumps(f.get("value"))) for f in spec.get("fields") or [])
        out["condition %s" % spec.get("name")] = "%s%s%s (%s)" % (
            spec.get("implementation"), " negate" if spec.get("negate") else "", " required" if spec.get("required") else "",
            fields)
    return out


def _cf_show_current(current, desired):
    """The app CF for --diff, restricted to the fields the desired body sets."""
    want_fields = dict((_n(s.get("name")), set(f.get("name") for f in s.get("fields") or []))
                       for s in desired.get("specifications") or [])
    trimmed = dict(current)
    trimmed["specifications"] = []
    for spec in current.get("specifications") or []:
        names = want_fields.get(_n(spec.get("name")))
        fields = [f for f in spec.get("fields") or [] if names is None or f.get("name") in names]
        trimmed["specifications"].append(dict(spec, fields=fields))
    return _cf_show(trimmed)


def _wire_cf(body, oid=None):
    out = copy.deepcopy(body)
    if oid is not None:
        out["id"] = oid
    return out


class ProfileSync(object):
    """One app's profile run (inside one ``arr_objects`` task or module call)."""

    def __init__(self, rec, guide=None, state_dir=None):
        self.rec = rec
        self.client = rec.client
        self.guide = guide
        self.owned = Ownership(state_dir, self.client.url, rec.check_mode)
        self.pending_cfs = set()  # names (lower) of CFs created in check mode
        self.skipped_cfs = set()  # names (lower) of app CFs left alone (same name, not ours): not scored

    # -- helpers ------------------------------------------------------------------------------
    def _list(self, endpoint):
        return self.client.list(endpoint)

    def _write(self, label, key, method, path, body, before, after, endpoint, msg=None):
        action = "created" if method == "POST" else "updated"
        if self.rec.check_mode:
            return Outcome(label, key, action, before, after, body, msg), None
        obj = self.client.call(method, path, body=body, what="%s %s %s" % (
            "create" if method == "POST" else "update", label, key))
        self.client.forget(endpoint)
        return Outcome(label, key, action, before, after, obj, msg), obj

    def _delete(self, label, key, endpoint, current):
        if current is None:
            return Outcome(label, key, "absent", {}, {})
        if not self.rec.check_mode:
            self.client.call("DELETE", "%s/%s" % (endpoint, current["id"]), what="delete %s %s" % (label, key))
            self.client.forget(endpoint)
        return Outcome(label, key, "deleted", {"state": "present"}, {"state": "absent"}, current)

    # -- custom formats -----------------------------------------------------------------------
    def custom_formats(self, plans, purge=False):
        client = self.client
        if client.app not in VIDEO_APPS:
            raise ArrError("%s has no custom formats here (this collection manages them in Sonarr v4 and Radarr)"
                           % client.name)
        current = list(self._list("customformat"))
        by_name = {}
        for cf in current:
            by_name.setdefault(_n(cf.get("name")), []).append(cf)
        claimed = set(_n(p["body"]["name"]) for p in plans if p["state"] == "present")
        used_ids = set()
        outcomes = []
        for plan in plans:
            body = plan["body"]
            name = body["name"]
            cur, how = self._match_cf(plan, current, by_name, claimed, used_ids)
            if cur is not None:
                used_ids.add(cur["id"])
            if plan["state"] == "absent":
                if cur is not None and plan["trash_id"]:
                    self.owned.drop("custom_format", plan["trash_id"])
                outcomes.append(self._delete("custom format", name, "customformat", cur))
                continue
            if cur is None:
                out, obj = self._write("custom format", name, "POST", "customformat", _wire_cf(body), {},
                                       _cf_show(body), "customformat")
                if obj:
                    self.owned.put("custom_format", plan["trash_id"], obj.get("id"))
                else:
                    self.pending_cfs.add(_n(name))
                outcomes.append(out)
                continue
            changes = tg.cf_differences(cur, body)
            before = dict(_cf_show_current(cur, body), name=cur.get("name"))
            after = dict(_cf_show(body), name=name)
            if not changes:
                self.owned.put("custom_format", plan["trash_id"], cur["id"])
                outcomes.append(Outcome("custom format", name, "unchanged", before, after, cur))
                continue
            if how == "name" and plan["trash_id"] and not plan["takeover"]:
                # same name, other conditions, not ours by record: someone made it by hand
                self.skipped_cfs.add(_n(name))
                self.rec.warn("%s custom format %r is left alone: it has other conditions than the guide's and was not "
                              "made by this collection; set takeover to replace it" % (client.name, cur.get("name")))
                outcomes.append(Outcome(
                    "custom format", name, "skipped", before, before, cur,
                    "%s already has a custom format %r with other conditions (made by hand?); it is left alone. "
                    "Set takeover: true on this custom format to replace it with the guide's (trash_id %s)."
                    % (client.name, cur.get("name"), plan["trash_id"])))
                continue
            msg = None
            if how not in ("name", "record"):
                msg = "found as %r (%s), renamed" % (cur.get("name"), how)
            out, obj = self._write("custom format", name, "PUT", "customformat/%s" % cur["id"], _wire_cf(body, cur["id"]),
                                   before, after, "customformat", msg)
            self.owned.put("custom_format", plan["trash_id"], cur["id"])
            outcomes.append(out)
        if purge:
            for cf in current:
                if cf["id"] not in used_ids and _n(cf.get("name")) not in claimed:
                    outcomes.append(self._delete("custom format", cf.get("name"), "customformat", cf))
        return outcomes

    def _match_cf(self, plan, current, by_name, claimed, used_ids):
        body = plan["body"]
        by_id = dict((cf["id"], cf) for cf in current)
        if plan["trash_id"]:
            oid = self.owned.get("custom_format", plan["trash_id"])
            if oid in by_id:
                return by_id[oid], "record"
        same = [cf for cf in by_name.get(_n(body["name"]), []) if cf["id"] not in used_ids]
        if len(same) > 1:
            exact = [cf for cf in same if cf.get("name") == body["name"]]
            if len(exact) != 1:
                raise ArrError("%s has custom formats %s whose names differ only in case; the apps allow that, but "
                               "which one is %r cannot be told. Rename or delete one of them in %s." % (
                                   self.client.name, ", ".join(repr(c.get("name")) for c in same), body["name"],
                                   self.client.name))
            same = exact
        if same:
            return same[0], "name"
        for old in plan["rename_from"]:
            found = [cf for cf in by_name.get(_n(old), []) if cf["id"] not in used_ids]
            if found:
                return found[0], "rename_from"
        if plan["trash_id"] and plan["state"] == "present":
            # a rename in the guide keeps the trash_id and (usually) the conditions
            twins = [cf for cf in current if cf["id"] not in used_ids and _n(cf.get("name")) not in claimed
                     and not tg.cf_differences(dict(cf, name=body["name"]), body)
                     and len(cf.get("specifications") or []) == len(body["specifications"])]
            if len(twins) == 1:
                return twins[0], "same conditions"
        return None, None

    def cf_ids(self):
        """CF name (lower) -> id, read again after CF writes (cached otherwise)."""
        return dict((_n(cf.get("name")), cf["id"]) for cf in self._list("customformat"))

    # -- quality profiles -----------------------------------------------------------------------
    def quality_profiles(self, plans):
        if self.client.app not in VIDEO_APPS:
            raise ArrError("%s: quality profiles are managed for Sonarr v4 and Radarr (their custom-format scoring); "
                           "drop quality_profiles for this app" % self.client.name)
        outcomes = []
        for plan in plans:
            outcomes.append(self.quality_profile(plan))
        return outcomes

    def _find_profile(self, plan, profiles):
        by_id = dict((p["id"], p) for p in profiles)
        oid = self.owned.get("quality_profile", plan["key"])
        if oid in by_id:
            return by_id[oid], "record"
        for name in [plan["name"]] + plan["rename_from"]:
            for prof in profiles:
                if _n(prof.get("name")) == _n(name):
                    return prof, "name" if name == plan["name"] else "rename_from"
        return None, None

    def quality_profile(self, plan):
        client = self.client
        label = "quality profile"
        profiles = self._list("qualityprofile")
        current, how = self._find_profile(plan, profiles)
        if plan["state"] == "absent":
            self.owned.drop("quality_profile", plan["key"])
            return self._delete(label, plan["name"], "qualityprofile", current)
        schema = None
        if current is None or plan["qualities"] is not None:
            schema = self._list("qualityprofile/schema")
        base = copy.deepcopy(current if current is not None else schema)
        base.pop("id", None) if current is None else None
        before, after, changes = {}, {}, []

        def managed(key, have, want, show_have=None, show_want=None):
            before[key] = have if show_have is None else show_have
            after[key] = want if show_want is None else show_want
            if current is None or have != want:
                changes.append(key)

        managed("name", (current or {}).get("name"), plan["name"])
        base["name"] = plan["name"]
        for key, value in sorted(plan["top"].items()):
            want = bool(value) if key == "upgradeAllowed" else int(value)
            managed(key, (current or {}).get(key), want)
            base[key] = want
        # qualities (best first, by name) and cutoff
        items = base.get("items") or []
        if plan["qualities"] is not None:
            try:
                items = tg.api_items(plan["qualities"], tg.schema_qualities(schema.get("items")), existing=items)
            except tg.GuideError as err:
                raise ArrError("quality profile %s in %s: %s" % (plan["name"], client.name, err))
            managed("qualities", tg.items_summary((current or {}).get("items")), tg.items_summary(items))
            base["items"] = items
        if plan["cutoff"] is not None or plan["qualities"] is not None or current is None:
            try:
                cutoff = tg.cutoff_id(items, plan["cutoff"])
            except tg.GuideError as err:
                raise ArrError("quality profile %s in %s: %s" % (plan["name"], client.name, err))
            have = (current or {}).get("cutoff")
            managed("cutoff", have, cutoff, tg.cutoff_name((current or {}).get("items"), have) if current else None,
                    tg.cutoff_name(items, cutoff))
            base["cutoff"] = cutoff
        if plan["language"] is not None:
            lang = self._language(plan["language"])
            have = (current or {}).get("language") or {}
            managed("language", have.get("id"), lang["id"], have.get("name"), lang["name"])
            base["language"] = lang
        # scores: a map by custom format name; every app CF must be listed on write
        ids = self.cf_ids()
        names_by_id = dict((v, k) for k, v in ids.items())
        have_scores = dict((f.get("format"), f.get("score", 0)) for f in (current or base).get("formatItems") or [])
        label_of = dict((_n(cf.get("name")), cf.get("name")) for cf in self._list("customformat"))
        want = {}
        missing = []
        for lname, (shown, score) in plan["scores"].items():
            if lname in self.skipped_cfs:
                continue  # a hand-made format of that name: its score is the owner's
            if lname in ids:
                want[ids[lname]] = score
            elif lname in self.pending_cfs:
                before["score %s" % shown] = None
                after["score %s" % shown] = score
                changes.append("score %s" % shown)
            else:
                missing.append(shown)
        if missing:
            raise ArrError("quality profile %s: no custom format %s in %s; add it under custom_formats (or fix the "
                           "name)" % (plan["name"], ", ".join(repr(m) for m in sorted(missing)), client.name))
        if plan["reset"]:
            for oid, lname in names_by_id.items():
                if oid not in want and lname not in plan["reset_except"]:
                    want[oid] = 0
        for oid, score in sorted(want.items(), key=lambda kv: names_by_id.get(kv[0], "")):
            have = have_scores.get(oid, 0 if current is None else None)
            if have != score or current is None:
                shown = label_of.get(names_by_id[oid], names_by_id[oid])
                before["score %s" % shown] = have
                after["score %s" % shown] = score
                if have != score:
                    changes.append("score %s" % shown)
        base["formatItems"] = [{"format": oid, "name": label_of.get(lname, lname),
                                "score": want.get(oid, have_scores.get(oid, 0))}
                               for lname, oid in sorted(ids.items(), key=lambda kv: kv[1])]
        msg = None
        if current is not None and how == "rename_from":
            msg = "renamed from %r" % current.get("name")
        if current is None:
            out, obj = self._write(label, plan["name"], "POST", "qualityprofile", base, {}, after, "qualityprofile")
            if obj:
                self.owned.put("quality_profile", plan["key"], obj.get("id"))
            return out
        self.owned.put("quality_profile", plan["key"], current["id"])
        if not changes:
            return Outcome(label, plan["name"], "unchanged", before, after, current)
        base["id"] = current["id"]
        out, _obj = self._write(label, plan["name"], "PUT", "qualityprofile/%s" % current["id"], base, before, after,
                                "qualityprofile", msg)
        return out

    def _language(self, name):
        if isinstance(name, dict):
            name = name.get("name")
        for lang in self._list("language"):
            if _n(lang.get("name")) == _n(name):
                return {"id": lang["id"], "name": lang["name"]}
        raise ArrError("%s has no language %r; languages: %s" % (
            self.client.name, name, ", ".join(l.get("name") for l in self._list("language"))))

    # -- quality sizes --------------------------------------------------------------------------
    def quality_definitions(self, spec):
        """``spec``: ``{preset: <guide quality-size type>, qualities: [{quality, min, preferred, max}]}``;
        the inline entries win over the preset's. Changed rows are PUT one by one (``/{id}``): the
        bulk endpoint answers with stale values (PROFILES.md 5), so a rerun would not settle."""
        client = self.client
        if client.app not in VIDEO_APPS:
            raise ArrError("%s: quality sizes are managed for Sonarr and Radarr" % client.name)
        entries = []
        if spec.get("preset"):
            try:
                entries.extend(_need_guide(self.guide, "quality size preset %s" % spec["preset"])
                               .quality_size(spec["preset"])["qualities"])
            except tg.GuideError as err:
                raise _err(err)
        entries.extend(spec.get("qualities") or [])
        limit = DEFAULT_SIZE_MAX[client.app]
        try:
            limits = client.list("qualitydefinition/limits")  # cached: read once per task
            limit = limits.get("max") or limit
        except ArrError:
            pass  # older apps: the default cap
        try:
            wanted = tg.quality_sizes(entries, max_limit=limit, preferred_limit=limit - PREFERRED_GAP[client.app])
        except tg.GuideError as err:
            raise _err(err)
        rows = dict((_n(r["quality"]["name"]), r) for r in self._list("qualitydefinition"))
        unknown = sorted(q for q in wanted if _n(q) not in rows)
        if unknown:
            raise ArrError("%s has no quality %s; its qualities: %s" % (
                client.name, ", ".join(unknown), ", ".join(r["quality"]["name"] for r in self._list("qualitydefinition"))))
        outcomes = []
        for name, sizes in wanted.items():
            row = rows[_n(name)]
            body = copy.deepcopy(row)
            body.update(sizes)
            for key in ("minSize", "preferredSize", "maxSize"):
                body.setdefault(key, None)
            have = tuple(_size(row.get(k)) for k in ("minSize", "preferredSize", "maxSize"))
            want = tuple(_size(body.get(k)) for k in ("minSize", "preferredSize", "maxSize"))
            before = {"sizes (MB/min)": _show_sizes(have)}
            after = {"sizes (MB/min)": _show_sizes(want)}
            key = row["quality"]["name"]
            if have == want:
                outcomes.append(Outcome("quality size", key, "unchanged", before, after, row))
                continue
            out, _obj = self._write("quality size", key, "PUT", "qualitydefinition/%s" % row["id"], body, before, after,
                                    "qualitydefinition")
            outcomes.append(out)
        return outcomes

    # -- delay profiles -------------------------------------------------------------------------
    def delay_profiles(self, items):
        client = self.client
        if client.app not in ("sonarr", "radarr", "lidarr"):
            raise ArrError("%s has no delay profiles (Sonarr, Radarr and Lidarr have)" % client.name)
        outcomes = []
        options = (("enable_usenet", "enableUsenet", bool), ("enable_torrent", "enableTorrent", bool),
                   ("preferred_protocol", "preferredProtocol", to_text), ("usenet_delay", "usenetDelay", int),
                   ("torrent_delay", "torrentDelay", int), ("bypass_if_highest_quality", "bypassIfHighestQuality", bool),
                   ("bypass_if_above_custom_format_score", "bypassIfAboveCustomFormatScore", bool),
                   ("minimum_custom_format_score", "minimumCustomFormatScore", int))
        for item in items or []:
            labels = sorted(set(_n(t) for t in item.get("tags") or []))
            key = ", ".join(labels) if labels else "(default, no tags)"
            current = None
            for prof in self._list("delayprofile"):
                if client.tag_labels(prof.get("tags")) == labels and (labels or prof.get("id") == 1 or not prof.get("tags")):
                    current = prof
                    break
            if (item.get("state") or "present") == "absent":
                if not labels:
                    raise ArrError("the default delay profile (no tags) cannot be removed")
                outcomes.append(self._delete("delay profile", key, "delayprofile", current))
                continue
            body = copy.deepcopy(current) if current else {"enableUsenet": True, "enableTorrent": True,
                                                           "preferredProtocol": "usenet", "usenetDelay": 0,
                                                           "torrentDelay": 0, "bypassIfHighestQuality": True,
                                                           "bypassIfAboveCustomFormatScore": False,
                                                           "minimumCustomFormatScore": 0}
            before, after, changes = {}, {}, []
            for option, api_key, conv in options:
                if item.get(option) is None:
                    continue
                want = conv(item[option])
                before[api_key] = (current or {}).get(api_key)
                after[api_key] = want
                if current is None or current.get(api_key) != want:
                    changes.append(api_key)
                body[api_key] = want
            if current is None:
                body["tags"] = client.tag_ids(labels, self.rec.check_mode, self.rec.created_tags)
                outcomes.append(self._write("delay profile", key, "POST", "delayprofile", body, {}, after,
                                            "delayprofile")[0])
            elif not changes:
                outcomes.append(Outcome("delay profile", key, "unchanged", before, after, current))
            else:
                outcomes.append(self._write("delay profile", key, "PUT", "delayprofile/%s" % current["id"], body,
                                            before, after, "delayprofile")[0])
        return outcomes

    # -- name-keyed profiles: release (Sonarr, Radarr), app (Prowlarr), metadata (Lidarr) --------
    def named(self, kind, items):
        """Reconcile ``items`` of a name-keyed profile kind (:data:`NAMED`)."""
        label, endpoint, apps, options = NAMED[kind]
        client = self.client
        if client.app not in apps:
            raise ArrError("%s has no %ss (%s)" % (client.name, label, ", ".join(a.capitalize() for a in apps)))
        outcomes = []
        for item in items or []:
            if not isinstance(item, dict) or not item.get("name"):
                raise ArrError("%ss: every entry needs a name" % label)
            unknown = sorted(set(item) - set(options) - set(["name", "state"]))
            if unknown:
                raise ArrError("%s %r: unknown option(s) %s; valid: %s" % (
                    label, item["name"], ", ".join(unknown), ", ".join(sorted(list(options) + ["name", "state"]))))
            name = item["name"]
            current = next((o for o in self._list(endpoint) if _n(o.get("name")) == _n(name)), None)
            if (item.get("state") or "present") == "absent":
                outcomes.append(self._delete(label, name, endpoint, current))
                continue
            if current is not None:
                body = copy.deepcopy(current)
            elif kind == "metadata_profile":
                body = copy.deepcopy(self._list(endpoint + "/schema"))
                body.pop("id", None)
            else:
                body = dict(NAMED_DEFAULTS.get(kind, {}))
            body["name"] = name
            before, after, changes = {}, {}, []
            if current is None or current.get("name") != name:
                before["name"], after["name"] = (current or {}).get("name"), name
                changes.append("name")
            for option, (api_key, conv) in sorted(options.items()):
                if item.get(option) is None:
                    continue
                if conv == "tags":
                    labels = sorted(set(_n(t) for t in item[option]))
                    have = client.tag_labels((current or {}).get(api_key)) if current else None
                    before[api_key], after[api_key] = have, labels
                    if have != labels:
                        changes.append(api_key)
                        body[api_key] = client.tag_ids(labels, self.rec.check_mode, self.rec.created_tags)
                    continue
                if conv == "allowed":
                    body[api_key], have, want = _allowed(body.get(api_key) or [], item[option], label, name, api_key)
                    before[api_key], after[api_key] = (have if current else None), want
                    if current is None or have != want:
                        changes.append(api_key)
                    continue
                want = conv(item[option]) if conv is not list else sorted(to_text(v) for v in item[option])
                have = (current or {}).get(api_key)
                if conv is list and have is not None:
                    have = sorted(to_text(v) for v in (have.split(",") if isinstance(have, str) else have))
                before[api_key], after[api_key] = have, want
                if current is None or have != want:
                    changes.append(api_key)
                body[api_key] = want
            if current is None:
                outcomes.append(self._write(label, name, "POST", endpoint, body, {}, after, endpoint)[0])
            elif not changes:
                outcomes.append(Outcome(label, name, "unchanged", before, after, current))
            else:
                outcomes.append(self._write(label, name, "PUT", "%s/%s" % (endpoint, current["id"]), body, before,
                                            after, endpoint)[0])
        return outcomes


def _allowed(entries, wanted, label, name, api_key):
    """Lidarr's ``[{albumType|releaseStatus: {id, name}, allowed}]`` lists from the allowed names."""
    inner = "releaseStatus" if api_key == "releaseStatuses" else "albumType"
    known = dict((_n(e[inner]["name"]), e[inner]["name"]) for e in entries)
    unknown = sorted(w for w in wanted if _n(w) not in known)
    if unknown:
        raise ArrError("%s %s: unknown %s %s; valid: %s" % (label, name, api_key, ", ".join(unknown),
                                                            ", ".join(sorted(known.values()))))
    allowed = set(_n(w) for w in wanted)
    have = sorted(e[inner]["name"] for e in entries if e.get("allowed"))
    out = [dict(e, allowed=_n(e[inner]["name"]) in allowed) for e in entries]
    return out, have, sorted(known[w] for w in allowed)


# kind -> (label, endpoint, apps, option -> (API key, converter))
NAMED = {
    "release_profile": ("release profile", "releaseprofile", ("sonarr", "radarr"), {
        "enabled": ("enabled", bool), "required": ("required", list), "ignored": ("ignored", list),
        "indexer_id": ("indexerId", int), "tags": ("tags", "tags")}),
    "app_profile": ("app profile", "appprofile", ("prowlarr",), {
        "enable_rss": ("enableRss", bool), "enable_automatic_search": ("enableAutomaticSearch", bool),
        "enable_interactive_search": ("enableInteractiveSearch", bool), "minimum_seeders": ("minimumSeeders", int)}),
    "metadata_profile": ("metadata profile", "metadataprofile", ("lidarr",), {
        "primary_types": ("primaryAlbumTypes", "allowed"), "secondary_types": ("secondaryAlbumTypes", "allowed"),
        "release_statuses": ("releaseStatuses", "allowed")}),
}
# what a new object starts from (the apps' resource defaults)
NAMED_DEFAULTS = {
    "release_profile": {"enabled": True, "required": [], "ignored": [], "indexerId": 0, "tags": []},
    "app_profile": {"enableRss": True, "enableAutomaticSearch": True, "enableInteractiveSearch": True,
                    "minimumSeeders": 1},
}

# arr_objects options served here, in the order they are applied (the kinds table's order)
OPTIONS = ("custom_formats", "quality_definitions", "quality_profiles", "naming", "delay_profiles",
           "release_profiles", "app_profiles", "metadata_profiles")
PURGEABLE = ("custom_formats",)
# options shared by arr_objects and the single-object profile modules
COMMON_OPTIONS = dict(
    guide=dict(type="path"),
    profiles_state_dir=dict(type="path"),
)


def session(rec, params):
    """The profile run of this reconciler (one guide, one ownership record per task)."""
    sync = getattr(rec, "profile_sync", None)
    if sync is None:
        app = rec.client.app
        guide = None
        if app in VIDEO_APPS and params.get("guide"):
            # one read of the guide per task, shared by arr_objects' check pass and its real pass
            cached = getattr(rec.client, "profile_guide", None)
            if cached is None or cached.root != params["guide"]:
                cached = rec.client.profile_guide = load_guide(params["guide"], app)
            guide = cached
        sync = ProfileSync(rec, guide, params.get("profiles_state_dir"))
        rec.profile_sync = sync
    return sync


def _checked(kind, items):
    """Validate list items against the kind's suboptions (unknown or missing options)."""
    if items is None:
        return None
    if not isinstance(items, list):
        raise ArrError("%s must be a list" % kind.option)
    return [kind.item(item) if isinstance(item, dict) else item for item in items]


def sync_custom_formats(rec, params, kind=None):
    """Hook of kind custom_format: the listed custom formats plus those the guide profiles of
    ``quality_profiles`` need (synced first: a new format joins every profile)."""
    purge = set(params.get("purge") or [])
    if not params.get("custom_formats") and not params.get("quality_profiles") and "custom_formats" not in purge:
        return []
    sync = session(rec, params)
    items = _checked(kind, params.get("custom_formats")) if kind else params.get("custom_formats")
    cf_plans = plan_custom_formats(items, sync.guide)
    _profiles, implied = plan_profiles(params.get("quality_profiles"), sync.guide, rec.client.app)
    listed = set(p["trash_id"] for p in cf_plans if p["trash_id"])
    extra = []
    for item in implied:
        if item["trash_id"] not in listed:
            listed.add(item["trash_id"])
            extra.append(item)
    cf_plans.extend(plan_custom_formats(extra, sync.guide))
    if not cf_plans and "custom_formats" not in purge:
        return []
    outcomes = sync.custom_formats(cf_plans, purge="custom_formats" in purge)
    if sync.guide is not None:
        for names in sync.guide.conflicts(p["trash_id"] for p in cf_plans if p["trash_id"] and p["state"] == "present"):
            # the guide's conflicts.json: warn, do not refuse (the user may mean it)
            rec.warn("custom formats %s are marked in the TRaSH Guides as not to be used together "
                     "(conflicts.json); keep one of them" % " and ".join(repr(n) for n in names))
    sync.owned.save()
    return outcomes


def sync_quality_definitions(rec, params, kind=None):
    if not params.get("quality_definitions"):
        return []
    return session(rec, params).quality_definitions(params["quality_definitions"])


def sync_quality_profiles(rec, params, kind=None):
    if not params.get("quality_profiles"):
        return []
    sync = session(rec, params)
    items = _checked(kind, params["quality_profiles"]) if kind else params["quality_profiles"]
    plans, _implied = plan_profiles(items, sync.guide, rec.client.app)
    outcomes = sync.quality_profiles(plans)
    sync.owned.save()
    return outcomes


def sync_naming(rec, params, kind=None):
    if not params.get("naming"):
        return []
    if rec.client.app not in VIDEO_APPS:
        raise ArrError("%s: naming is managed here for Sonarr v4 and Radarr; use config: {naming: {...}} for other "
                       "apps" % rec.client.name)
    sync = session(rec, params)
    settings = naming_settings(sync.guide, rec.client.app, params["naming"])
    return [rec.settings("naming", "config/naming", settings)]


def sync_delay_profiles(rec, params, kind=None):
    if not params.get("delay_profiles"):
        return []
    items = _checked(kind, params["delay_profiles"]) if kind else params["delay_profiles"]
    return session(rec, params).delay_profiles(items)


def _named_hook(kind_name, option):
    def hook(rec, params, kind=None):
        if not params.get(option):
            return []
        items = _checked(kind, params[option]) if kind else params[option]
        return session(rec, params).named(kind_name, items)
    return hook


sync_release_profiles = _named_hook("release_profile", "release_profiles")
sync_app_profiles = _named_hook("app_profile", "app_profiles")
sync_metadata_profiles = _named_hook("metadata_profile", "metadata_profiles")

HOOKS = (sync_custom_formats, sync_quality_definitions, sync_quality_profiles, sync_naming, sync_delay_profiles,
         sync_release_profiles, sync_app_profiles, sync_metadata_profiles)


def sync_profiles(rec, params):
    """Every profile option of ``params``, in order (what the single-object profile modules run;
    arr_objects runs the same hooks from the kinds table). Returns the outcomes."""
    purge = set(params.get("purge") or [])
    bad = sorted(purge & set(OPTIONS) - set(PURGEABLE))
    if bad:
        raise ArrError("purge: %s cannot be purged (only %s); remove unwanted ones with state: absent"
                       % (", ".join(bad), ", ".join(PURGEABLE)))
    outcomes = []
    for hook in HOOKS:
        outcomes.extend(hook(rec, params))
    return outcomes


def _show_sizes(sizes):
    return "min %s, preferred %s, max %s" % tuple("no limit" if v is None else v for v in sizes)


def _size(value):
    if value is None:
        return None
    value = float(value)
    return int(value) if value == int(value) else round(value, 3)


def naming_settings(guide, app, spec):
    """``naming`` option -> /config/naming settings: guide presets (``preset``) plus plain keys
    (``settings``, the app's names), the latter winning."""
    out = {}
    if spec.get("preset"):
        guide_ = _need_guide(guide, "naming presets")
        try:
            out.update(tg.naming_settings(app, guide_.naming(), spec["preset"]))
        except tg.GuideError as err:
            raise _err(err)
    out.update(spec.get("settings") or {})
    if spec.get("rename") is not None:
        out["renameEpisodes" if app == "sonarr" else "renameMovies"] = bool(spec["rename"])
    return out

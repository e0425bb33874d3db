# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one reconciler: read current, overlay what the user gave, diff, apply.

Private to the collection. Two shapes of object are served by the same coercion, comparison and
masking:

* a *settings object* (qBittorrent preferences, NZBGet/SABnzbd config, Seerr settings, an *arr
  config section): :func:`reconcile` overlays only the keys the user gave;
* a *collection* of objects matched by a natural key (the *arr family's tags, download clients,
  indexers, root folders, ...): :class:`Reconciler` serves every :class:`Kind` declared in a table
  (``_arr_kinds.KINDS``). A new kind is one table entry; the reconciler needs no new code for it.

The pure functions are unit-tested without HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from multiprocessing.pool import ThreadPool

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.module_utils.six import string_types, integer_types

MASK = "********"
SECRET_POLICIES = ("verify", "verify_all", "always", "on_create")


class ReconcileError(Exception):
    """A failure with a message meant for the user (already masked)."""


# ---------------------------------------------------------------------------------------------
# Coercion and comparison
# ---------------------------------------------------------------------------------------------

def coerce(value, like=None, field_type=None):
    """Convert an inventory value to the type the API uses for it (``"8080"`` -> ``8080``).

    ``like`` is the value the API holds (or a schema default); ``field_type`` the *arr schema's
    field ``type`` for when ``like`` is null. APIs answer with typed JSON while inventories often
    carry strings; comparing them raw would report a change on every run.
    """
    if value is None:
        return None
    try:
        if isinstance(like, bool) or (like is None and field_type == "checkbox"):
            return boolean(value, strict=True)
        if isinstance(like, integer_types) or (like is None and field_type == "number"):
            if isinstance(value, bool):
                return value
            if isinstance(value, float) and value != int(value):
                return value
            return int(value)
        if isinstance(like, float) and not isinstance(value, bool):
            return float(value)
        if isinstance(like, list) or (like is None and field_type in ("tag", "select") and isinstance(value, list)):
            items = value if isinstance(value, list) else [value]
            sample = like[0] if like else None
            return [coerce(item, sample) for item in items]
        if isinstance(like, dict) and isinstance(value, dict):
            return dict((k, coerce(v, like.get(k))) for k, v in value.items())
        if isinstance(like, string_types) and isinstance(value, (integer_types, float)) and not isinstance(value, bool):
            return to_text(value)
    except (TypeError, ValueError):
        return value
    return value


def coerce_like(current, desired):
    """``desired`` in the type of ``current`` (settings-object argument order)."""
    if current is None:
        return desired
    return coerce(desired, current)


def same(current, desired, ordered=False):
    """Whether ``current`` already holds ``desired``.

    Null and empty string are alike; a dict holds another when it holds each of its keys (keys
    not given are not managed); lists compare as sets unless ``ordered``.
    """
    if current in (None, "") and desired in (None, ""):
        return True
    if isinstance(current, dict) and isinstance(desired, dict):
        return all((k in current or v in (None, "")) and same(current.get(k), v, ordered) for k, v in desired.items())
    if isinstance(current, list) and isinstance(desired, list):
        if len(current) != len(desired):
            return False
        if ordered or any(isinstance(x, (dict, list)) for x in current + desired):
            return all(same(c, d, ordered) for c, d in zip(current, desired))
        wanted = coerce(desired, current)
        try:
            return sorted(current) == sorted(wanted)
        except TypeError:
            return current == wanted
    return coerce_like(current, desired) == current


def values_equal(current, desired):
    """Settings-object comparison: lists in order."""
    return same(current, desired, ordered=True)


def deep_merge(base, overlay):
    """``base`` with ``overlay`` laid over it; nested dicts are merged key by key (a copy)."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in (overlay or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def diff_keys(current, desired, equal=values_equal):
    """Return ``{key: desired value}`` for every desired key whose current value differs (absent counts)."""
    changes = {}
    for key, value in desired.items():
        if key not in current or not equal(current[key], value):
            changes[key] = coerce_like(current.get(key), value)
    return changes


# ---------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------

def mask_value(value):
    return MASK if value not in (None, "") else value


def mask_values(data, secret_keys):
    """Copy of ``data`` with the values of ``secret_keys`` replaced by the mask."""
    return dict((k, MASK if k in secret_keys and v not in (None, "") else v) for k, v in data.items())


# ---------------------------------------------------------------------------------------------
# Settings objects
# ---------------------------------------------------------------------------------------------

def reconcile(current, desired, apply=None, check_mode=False, secret_keys=(), equal=values_equal):
    """Overlay ``desired`` on ``current``; call ``apply(changes)`` unless in check mode.

    Returns ``changed``, ``changes`` (the changed key names), ``diff`` (before/after of the managed
    keys, secrets masked) and ``after`` (the managed keys as they are after the run).
    """
    changes = diff_keys(current, desired, equal)
    before = dict((k, current.get(k)) for k in desired)
    after = dict(before)
    after.update(changes)
    if changes and apply is not None and not check_mode:
        apply(changes)
    return dict(
        changed=bool(changes),
        changes=sorted(changes),
        after=after,
        diff=dict(before=mask_values(before, secret_keys), after=mask_values(after, secret_keys)),
    )


def named_items_plan(current_items, desired_items, key="name", equal=values_equal):
    """Plan for a collection of named objects (categories, libraries, servers).

    Returns a list of ``(action, desired, current)`` with action ``create``, ``update`` or
    ``keep``; objects not desired are never in the plan (the caller decides about purge).
    """
    by_name = dict((item.get(key), item) for item in current_items)
    plan = []
    for wanted in desired_items:
        have = by_name.get(wanted[key])
        if have is None:
            plan.append(("create", wanted, None))
        elif diff_keys(have, wanted, equal):
            plan.append(("update", wanted, have))
        else:
            plan.append(("keep", wanted, have))
    return plan


# ---------------------------------------------------------------------------------------------
# Collections: kinds, provider objects, outcomes
# ---------------------------------------------------------------------------------------------

def norm_name(value):
    return to_text(value or "").lower()


class Kind(object):
    """Declarative description of one resource type of a collection API.

    :param name: table key (``download_client``); the single-object module and the ``arr_objects``
        option derive from it unless given.
    :param label: words for messages ("download client").
    :param endpoint: collection path under the API root.
    :param key: natural key, as (API field, normaliser) pairs; objects are matched by it, never by id.
    :param option: the ``arr_objects`` list option (``download_clients``).
    :param apps: apps that have it; ``put_apps``: apps that can update it in place.
    :param provider: has ``/schema`` templates, ``implementation`` and ``fields``.
    :param testable: has ``POST <endpoint>/test``.
    :param top: provider kinds: option -> API key of the top-level keys the user may set.
    :param suboptions: the argument spec of one item (module options and ``arr_objects`` items).
    :param shorthand: an item may be a bare string for this option (``tags: [a, b]``).
    :param to_api: plain kinds: item (module options) -> the API keys the user manages (raise
        ReconcileError for a bad item). Default: the item minus ``state``.
    :param normalise: API key -> function applied to both sides before comparing.
    :param create: ``create(reconciler, desired) -> dict`` of keys a new object needs besides the
        desired ones (defaults the app wants, ids resolved from other collections).
    :param template: endpoint of a template to start a new object from (``qualityprofile/schema``).
    :param describe: object -> text for messages and the outcome key.
    :param equal: compare(current value, desired value) -> bool; default :func:`same`.
    :param prepare: ``prepare(reconciler, desired, current) -> desired`` run before the diff (resolve
        names to ids, fill the full lists an API needs).
    :param enabled: provider kinds: object -> whether the app treats it as enabled (tests it).
    :param enable_keys: provider kinds: ``enable_keys(app, template)`` -> the API keys the option
        ``enable`` sets (``["enable"]``, or an indexer's RSS and search switches).
    :param verify_on_rerun: the default ``verify`` policy tests stored secrets of this kind on a
        rerun (only where the test has no side effect: download clients, applications).
    :param provider_prepare: provider kinds: ``provider_prepare(reconciler, spec, base, current, top)``
        sets top-level keys the API needs (an app profile id, say).
    :param sync: ``sync(reconciler, params, kind) -> [Outcome]``: the kind's whole option is
        reconciled by this hook (kinds whose objects depend on each other across collections, such
        as custom formats and quality profiles; ``_arr_profiles``).
    """

    def __init__(self, name, label, endpoint, key, option=None, apps=None, put_apps=None, provider=False,
                 testable=False, top=None, suboptions=None, shorthand=None, to_api=None, normalise=None,
                 create=None, template=None, describe=None, equal=None, prepare=None, secret_keys=(), enabled=None,
                 enable_keys=None, verify_on_rerun=False, provider_prepare=None, sync=None):
        self.name = name
        self.label = label
        self.endpoint = endpoint
        self.key = key
        self.option = option or name + "s"
        self.apps = tuple(apps) if apps else None
        self.put_apps = tuple(put_apps) if put_apps is not None else None
        self.provider = provider
        self.testable = testable
        self.top = top or {}
        self.suboptions = suboptions or {}
        self.shorthand = shorthand
        self._to_api = to_api
        self.normalise = normalise or {}
        self.create = create
        self.template = template
        self._describe = describe
        self.equal = equal or same
        self.prepare = prepare
        self.secret_keys = tuple(secret_keys)
        self.enabled = enabled or (lambda obj: bool(obj.get("enable", True)))
        self.enable_keys = enable_keys
        self.verify_on_rerun = verify_on_rerun
        self.provider_prepare = provider_prepare
        self.sync = sync

    def key_of(self, obj):
        return tuple(norm(obj.get(name)) for name, norm in self.key)

    def describe(self, obj):
        if self._describe:
            return self._describe(obj)
        return " + ".join("%s" % obj.get(name) for name, _norm in self.key)

    def item(self, item):
        """An ``arr_objects`` entry (or module parameters) as a dict of options."""
        if self.shorthand and not isinstance(item, dict):
            return {self.shorthand: item}
        if not isinstance(item, dict):
            raise ReconcileError("%s: every entry must be a dict of options, got %r" % (self.option, item))
        if self.suboptions:
            unknown = sorted(k for k in item if k not in self.suboptions)
            missing = sorted(k for k, o in self.suboptions.items() if o.get("required") and item.get(k) in (None, ""))
            if unknown or missing:
                what = item.get(self.key[0][0]) or item.get(self.shorthand or "name") or item.get("name")
                problems = []
                if missing:
                    problems.append("missing required option(s) %s" % ", ".join(missing))
                if unknown:
                    problems.append("unknown option(s) %s" % ", ".join(unknown))
                raise ReconcileError("%s%s: %s. Valid options: %s" % (
                    self.option, " %r" % what if what else "", "; ".join(problems), ", ".join(sorted(self.suboptions))))
        return item

    def to_api(self, item):
        if self._to_api:
            return self._to_api(item)
        return dict((k, v) for k, v in item.items() if k != "state" and v is not None)

    def compare_value(self, key, value):
        norm = self.normalise.get(key)
        return norm(value) if norm else value


def fields_to_dict(fields):
    return dict((f.get("name"), f.get("value")) for f in fields or [])


def overlay_fields(base_fields, user_fields):
    """Return (fields, unknown): the base field list with the user's values set by name.

    Every field of the base is kept (omitted ones would reset to defaults on PUT); values are
    coerced to the base's types. ``unknown`` lists names the base does not have.
    """
    fields = copy.deepcopy(base_fields or [])
    by_name = dict((f.get("name"), f) for f in fields)
    unknown = sorted(name for name in user_fields if name not in by_name)
    for name, value in user_fields.items():
        field = by_name.get(name)
        if field is None:
            continue
        like = field.get("value")
        if like == MASK:
            like = None
        field["value"] = coerce(value, like, field.get("type"))
    return fields, unknown


def compare_provider(current, desired_top, desired_fields, secret_names, secret_policy):
    """Diff the managed keys of a provider object.

    :param current: the object as the app returned it (or None when absent).
    :param desired_top: top-level keys the user set, already coerced (tags as id lists).
    :param desired_fields: field name -> coerced value the user set.
    :param secret_names: field names that are secrets.
    :returns: (changes, before, after, secrets_to_verify): ``changes`` lists the keys that
        differ; before/after hold the managed keys with secrets masked; ``secrets_to_verify``
        lists secret fields whose stored value is masked and could not be compared.
    """
    before, after, changes, verify = {}, {}, [], []
    cur_fields = fields_to_dict((current or {}).get("fields"))
    for key in sorted(desired_top):
        want = desired_top[key]
        have = (current or {}).get(key)
        before[key] = have
        after[key] = want
        if current is None or not same(have, want):
            changes.append(key)
    for name in sorted(desired_fields):
        want = desired_fields[name]
        have = cur_fields.get(name)
        label = "fields.%s" % name
        if name in secret_names or have == MASK:
            before[label] = mask_value(have)
            after[label] = mask_value(want)
            if current is None:
                changes.append(label)
            elif have in (None, "") or want in (None, ""):
                if not same(have, want):
                    changes.append(label)
                    after[label] = MASK + " (new value)" if want not in (None, "") else want
            elif have != MASK:
                # Some app versions return the value: compare it.
                if have != want:
                    changes.append(label)
                    after[label] = MASK + " (new value)"
            elif secret_policy == "always":
                changes.append(label)
                after[label] = MASK + " (sent again: secret_policy=always)"
            elif secret_policy == "verify":
                verify.append(name)
            continue
        before[label] = have
        after[label] = want
        if current is None or not same(have, want):
            changes.append(label)
    return changes, before, after, verify


class Outcome(object):
    """What one object's reconcile did."""

    def __init__(self, kind, key, action, before=None, after=None, obj=None, msg=None, warning=None):
        self.kind = kind
        self.key = key
        self.action = action  # created | updated | deleted | unchanged | absent
        self.before = before
        self.after = after
        self.obj = obj
        self.msg = msg
        self.warning = warning

    @property
    def changed(self):
        return self.action in ("created", "updated", "deleted")

    def diff(self, header):
        return dict(before=self.before or {}, after=self.after or {},
                    before_header="%s %s" % (header, self.key), after_header="%s %s" % (header, self.key))


def find(items, kind, wanted):
    key = kind.key_of(wanted)
    for obj in items or []:
        if kind.key_of(obj) == key:
            return obj
    return None


class Reconciler(object):
    """Read current, compute desired over the current (or template) object, diff, apply.

    ``client`` is a family client with ``name``, ``url``, ``app``, ``list(endpoint)`` (cached per
    run), ``forget(endpoint)``, ``call(method, path, body, query, what)``, ``write(...)``,
    ``supports(kind)``, ``tag_ids``/``tag_labels`` and ``masked(obj)`` (the family's masking).
    """

    def __init__(self, client, check_mode=False, force_save=False, secret_policy="verify"):
        self.client = client
        self.check_mode = check_mode
        self.force_save = force_save
        self.secret_policy = secret_policy
        self.secret_values = set()
        self.created_tags = []
        self.to_verify = None  # a list: record the secret tests instead of running them (pre-pass)
        self.warnings = []  # said once per task, beside the outcomes

    def warn(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    # -- provider objects (download clients, indexers, notifications, applications, proxies) ----
    def schema(self, kind):
        return self.client.list(kind.endpoint + "/schema")

    def template(self, kind, implementation, definition=None):
        """The ``/schema`` template of ``implementation``; where the app has one per preset (Prowlarr's
        indexers), the one named ``definition``, by default "Generic <implementation>"."""
        templates = self.schema(kind)
        matches = [t for t in templates if norm_name(t.get("implementation")) == norm_name(implementation)]
        if not matches:
            valid = sorted(set(t.get("implementation") for t in templates if t.get("implementation")))
            raise ReconcileError("%s at %s has no %s implementation %r. Valid implementations: %s" % (
                self.client.name, self.client.url, kind.label, implementation, ", ".join(valid)))
        if len(matches) == 1 and not definition:
            return copy.deepcopy(matches[0])
        wanted = definition or "Generic %s" % matches[0].get("implementation")
        named = [t for t in matches if norm_name(wanted) in (norm_name(t.get("name")), norm_name(t.get("definitionName")))]
        if not named and definition is None and len(set(norm_name(t.get("name")) for t in matches)) <= 1:
            named = matches
        if not named:
            raise ReconcileError("%s at %s has no %s %s preset %r. Valid presets (definition): %s" % (
                self.client.name, self.client.url, implementation, kind.label, wanted,
                ", ".join(sorted(set(t.get("name") or t.get("definitionName") or "" for t in matches)))))
        return copy.deepcopy(named[0])

    def provider(self, kind, spec):
        """Reconcile one provider object.

        ``spec``: name, implementation, definition (optional), fields (dict), tags (labels or
        None), top (dict of top-level keys by the app's names), state.
        """
        client = self.client
        client.supports(kind)
        name = spec["name"]
        items = client.list(kind.endpoint)
        current = find(items, kind, {"name": name})
        if spec.get("state", "present") == "absent":
            return self.delete(kind, current, name)
        implementation = spec.get("implementation")
        rebuild = False
        if current is None or (implementation and norm_name(implementation) != norm_name(current.get("implementation"))):
            if not implementation:
                raise ReconcileError("%s %r does not exist in %s yet: give implementation (one of %s)." % (
                    kind.label, name, client.name,
                    ", ".join(sorted(set(t.get("implementation") for t in self.schema(kind))))))
            base = self.template(kind, implementation, spec.get("definition"))
            base.pop("presets", None)
            base["name"] = name
            if current is not None:
                base["id"] = current["id"]
                rebuild = True
        else:
            base = copy.deepcopy(current)
        user_fields = spec.get("fields") or {}
        fields, unknown = overlay_fields(base.get("fields"), user_fields)
        if unknown:
            raise ReconcileError("Unknown field(s) %s for %s %s in %s at %s. Valid fields: %s" % (
                ", ".join(unknown), kind.label, base.get("implementation"), client.name, client.url,
                ", ".join(f.get("name") for f in base.get("fields") or [])))
        secret_names = set(f["name"] for f in base.get("fields") or [] if client.is_secret_field(f))
        for fname in user_fields:
            if fname in secret_names and user_fields[fname] not in (None, ""):
                self.secret_values.add(to_text(user_fields[fname]))
        desired_fields = dict((f["name"], f.get("value")) for f in fields if f["name"] in user_fields)
        top = {}
        for key, value in (spec.get("top") or {}).items():
            if value is None:
                continue
            if key not in base and key not in ("enable",):
                valid = sorted(k for k in base if k not in ("fields", "id", "presets"))
                raise ReconcileError("Unknown key %r for %s %s in %s. Valid keys: %s" % (
                    key, kind.label, base.get("implementation"), client.name, ", ".join(valid)))
            top[key] = coerce(value, base.get(key))
        if kind.enable_keys:
            keys = kind.enable_keys(client.app, base)
            if "enable" in top and keys != ["enable"]:
                value = top.pop("enable")
                for key in keys:
                    top[key] = coerce(value, base.get(key))
            elif current is None and "enable" not in top:
                for key in keys:  # created enabled, as the web UI does, unless the user says otherwise
                    top[key] = True
        if kind.provider_prepare:
            kind.provider_prepare(self, spec, base, current, top)
        if rebuild:
            top["implementation"] = base["implementation"]
            top["configContract"] = base.get("configContract")
        tags = client.tag_ids(spec.get("tags"), self.check_mode, self.created_tags)
        if tags is not None:
            top["tags"] = tags
        changes, before, after, verify = compare_provider(
            None if rebuild else current, top, desired_fields, secret_names, self.secret_policy)
        if "tags" in top:
            before["tags"] = client.tag_labels((current or {}).get("tags")) if current else []
            after["tags"] = sorted(set(norm_name(t) for t in spec.get("tags") or []))
        desired = base
        desired["fields"] = fields
        desired.update(top)
        msg = warning = None
        if current is not None and not changes and verify and self.should_verify(kind, current):
            problem = self._verify_secrets(kind, current)
            if problem and problem[1]:
                for fname in verify:
                    changes.append("fields.%s" % fname)
                    after["fields.%s" % fname] = MASK + " (new value: the stored one failed the app's test)"
                msg = "the stored secret of %s %r failed %s's own test (%s), so the one from the inventory is sent" % (
                    kind.label, name, client.name, problem[0])
            elif problem:
                warning = ("%s could not test %s %r (%s); its stored secret was left alone: fix what the app "
                           "cannot reach, or run with secret_policy: always to send the secret anyway" % (
                               client.name, kind.label, name, problem[0]))
        key = name
        if current is None:
            return self.write(kind, "POST", kind.endpoint, desired, key, None, after, msg)
        if not changes:
            return Outcome(kind.label, key, "unchanged", before, after, client.masked(current), warning=warning)
        # Something differs, so the whole object is written, with the secrets the inventory gives.
        return self.write(kind, "PUT", "%s/%s" % (kind.endpoint, current["id"]), desired, key, before, after, msg)

    def should_verify(self, kind, current):
        """Whether a masked stored secret is checked with the app's own test: never in check mode (a
        test has side effects), only for enabled objects, and by default only for kinds whose test
        sends nothing (download clients, applications); ``verify_all`` tests every kind."""
        if self.check_mode and self.to_verify is None or not kind.testable or not kind.enabled(current):
            return False
        return kind.verify_on_rerun or self.secret_policy == "verify_all"

    def _verify_secrets(self, kind, current):
        """Run the app's own test with the stored object: None when it passed, else (message, credential)."""
        if self.to_verify is not None:
            self.to_verify.append((kind, current))
            return None
        done = self.client.tested.get((kind.endpoint, current.get("id")))
        if done is not None:
            return done or None
        return self.client.test(kind, current)

    def verify_all(self, pending, workers=8):
        """Run the secret tests of ``pending`` ((kind, object) pairs) side by side; remember the results.

        The apps' tests wait on other services (a download client login, an app called back),
        so running them in parallel keeps a no-change run short.
        """
        if not pending:
            return

        def one(item):
            kind, current = item
            return (kind.endpoint, current.get("id")), self._verify_secrets(kind, current) or ""

        if self.check_mode:
            return

        if len(pending) == 1:
            results = [one(pending[0])]
        else:
            pool = ThreadPool(min(workers, len(pending)))
            try:
                results = pool.map(one, pending)
            finally:
                pool.close()
                pool.join()
        self.client.tested.update(results)

    # -- writes -------------------------------------------------------------------------------
    def write(self, kind, method, path, body, key, before, after, msg=None):
        action = "created" if method == "POST" else "updated"
        if self.check_mode:
            return Outcome(kind.label, key, action, before, after, self.client.masked(body), msg)
        obj = self.client.write(kind, method, path, body, key, force_save=self.force_save)
        self.client.forget(kind.endpoint)
        return Outcome(kind.label, key, action, before, after, self.client.masked(obj), msg)

    def delete(self, kind, current, key):
        if current is None:
            return Outcome(kind.label, key, "absent", {}, {})
        before = {"state": "present"}
        if not self.check_mode:
            self.client.call("DELETE", "%s/%s" % (kind.endpoint, current["id"]),
                             what="delete %s %s" % (kind.label, key))
            self.client.forget(kind.endpoint)
        return Outcome(kind.label, key, "deleted", before, {"state": "absent"}, self.client.masked(current))

    # -- plain objects (tags, root folders, remote path mappings, profiles, ...) ----------------
    def plain(self, kind, item):
        """Reconcile one object of a plain (non-provider) kind from its item (module options)."""
        self.client.supports(kind)
        item = kind.item(item)
        state = item.get("state") or "present"
        desired = kind.to_api(item)
        key = kind.describe(desired)
        current = find(self.client.list(kind.endpoint), kind, desired)
        if state == "absent":
            return self.delete(kind, current, key)
        if kind.prepare:
            desired = kind.prepare(self, desired, current)
        key_fields = set(name for name, _norm in kind.key)
        if current is None:
            body = {}
            if kind.template:
                template = self.client.list(kind.template)
                body = copy.deepcopy(template[0] if isinstance(template, list) and template else template or {})
                body.pop("id", None)
            if kind.create:
                body.update(kind.create(self, desired))
            body = deep_merge(body, desired)
            return self.write(kind, "POST", kind.endpoint, body, key, {}, self._masked_keys(kind, desired))
        managed = dict((k, coerce(v, current.get(k))) for k, v in desired.items())
        changes = [k for k in managed if k not in key_fields
                   and not kind.equal(kind.compare_value(k, current.get(k)), kind.compare_value(k, managed[k]))]
        before = self._masked_keys(kind, dict((k, current.get(k)) for k in managed))
        after = self._masked_keys(kind, managed)
        if not changes:
            return Outcome(kind.label, key, "unchanged", before, after, current)
        if kind.put_apps is not None and self.client.app not in kind.put_apps:
            raise ReconcileError("%s cannot change %s %s in place (%s): remove it first (state: absent) or drop "
                                 "those keys." % (self.client.name, kind.label, key, ", ".join(sorted(changes))))
        body = deep_merge(current, dict((k, managed[k]) for k in changes))
        return self.write(kind, "PUT", "%s/%s" % (kind.endpoint, current["id"]), body, key, before, after)

    @staticmethod
    def _masked_keys(kind, data):
        return mask_values(data, kind.secret_keys) if kind.secret_keys else data

    # -- settings objects of a collection API (one object per section) --------------------------
    def settings(self, label, endpoint, settings, is_secret=None, write_only=None):
        """Reconcile one settings object (an *arr config section): GET, overlay, PUT the whole.

        ``write_only``: key -> confirmation key, for values the app returns transformed (a password
        hash): a stored value is left alone unless ``secret_policy`` is ``always``; a value sent
        goes with its confirmation."""
        is_secret = is_secret or (lambda key: False)
        write_only = write_only or {}
        current = self.client.list(endpoint)
        if not isinstance(current, dict):
            raise ReconcileError("%s at %s has no %s" % (self.client.name, self.client.url, label))
        unknown = sorted(k for k in settings if k not in current)
        if unknown:
            raise ReconcileError("Unknown %s setting(s) %s in %s at %s. Valid settings: %s" % (
                label, ", ".join(unknown), self.client.name, self.client.url,
                ", ".join(sorted(k for k in current if k != "id"))))
        before, after, changes = {}, {}, []
        body = copy.deepcopy(current)
        for key in sorted(settings):
            want = coerce(settings[key], current.get(key))
            have = current.get(key)
            secret = is_secret(key)
            if secret and want not in (None, ""):
                self.secret_values.add(to_text(want))
            before[key] = mask_value(have) if secret else have
            after[key] = mask_value(want) if secret else want
            if key in write_only:
                if have in (None, "") or self.secret_policy == "always":
                    if want not in (None, "") or have not in (None, ""):
                        changes.append(key)
                        body[key] = want
                        body[write_only[key]] = want
                        after[key] = MASK + " (new value)" if want not in (None, "") else want
                continue
            if have == MASK:
                if self.secret_policy == "always":
                    changes.append(key)
                    body[key] = want
                continue
            if not same(have, want):
                changes.append(key)
                body[key] = want
                if secret:
                    after[key] = MASK + " (new value)"
        section = endpoint.rsplit("/", 1)[-1]
        if not changes:
            return Outcome("config", section, "unchanged", before, after, self.client.masked(current))
        if self.check_mode:
            return Outcome("config", section, "updated", before, after, self.client.masked(body))
        obj = self.client.call("PUT", "%s/%s" % (endpoint, current.get("id", 1)), body=body,
                               what="update %s" % label)
        self.client.forget(endpoint)
        return Outcome("config", section, "updated", before, after, self.client.masked(obj or body))

    # -- lists --------------------------------------------------------------------------------
    def purge(self, kind, keep_keys):
        """Delete every object of ``kind`` whose natural key is not in ``keep_keys``."""
        outcomes = []
        for obj in list(self.client.list(kind.endpoint)):
            if kind.key_of(obj) in keep_keys:
                continue
            outcomes.append(self.delete(kind, obj, kind.describe(obj)))
        return outcomes

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The *arr API family (Sonarr, Radarr, Lidarr, Prowlarr): one client and one reconciler.

Private to the collection. Every ``arr_*`` and ``prowlarr_*`` module (and the controller-side
action plugins of the same names) is an argument spec plus a call into :func:`execute`.

What the apps really do (../shared/reference/arr/API_BEHAVIOUR.md) shapes the flow:

* secrets come back as ``"********"``, so they can never be compared; :data:`SECRET_POLICIES`
  says what to do instead (the default ``verify`` asks the app's own ``/test`` whether the
  stored secret still works);
* a provider PUT rebuilds the settings from the fields sent (omitted ones reset), and a config
  PUT saves omitted booleans as false: always GET, overlay what the user set, PUT the whole
  object, and only when a managed value differs (Prowlarr re-tests every PUT);
* objects are matched by their natural key (name, label, path, host + remote path), never by id.

Resource types are described declaratively in :data:`KINDS`; the reconciler serves all of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time
from multiprocessing.pool import ThreadPool

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.module_utils.six import string_types, integer_types

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient, MASK

# app key -> (name the app reports, API version, lowest supported major version, default port)
APPS = {
    "sonarr": ("Sonarr", "v3", 4, 8989),
    "radarr": ("Radarr", "v3", 3, 7878),
    "lidarr": ("Lidarr", "v1", 1, 8686),
    "prowlarr": ("Prowlarr", "v1", 1, 9696),
}
ARR_APPS = ("sonarr", "radarr", "lidarr")
SECRET_POLICIES = ("verify", "always", "on_create")
SECRET_PRIVACY = ("password", "apiKey")
# Config keys that hold secrets (the config endpoints have no privacy markers).
CONFIG_SECRETS = ("apiKey", "password", "sslCertPassword", "passwordConfirmation")

CONNECTION_SPEC = dict(
    url=dict(type="str", required=True),
    api_key=dict(type="str", required=True, no_log=True),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
    app=dict(type="str", choices=list(APPS)),
)

# Options every provider-style module (download client, indexer, notification, application,
# indexer proxy) shares.
PROVIDER_SPEC = dict(
    name=dict(type="str", required=True),
    implementation=dict(type="str"),
    fields=dict(type="dict", default={}),
    tags=dict(type="list", elements="str"),
    extra=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    force_save=dict(type="bool", default=False),
    secret_policy=dict(type="str", default="verify", choices=list(SECRET_POLICIES)),
)


class ArrError(Exception):
    """A failure with a message meant for the user (already masked)."""


class Kind(object):
    """Declarative description of one resource type.

    :param label: words for messages ("download client").
    :param endpoint: collection path under ``/api/<version>/``.
    :param key: natural key, as (API field, normaliser) pairs.
    :param provider: has ``/schema`` templates, ``implementation`` and ``fields``.
    :param testable: has ``POST <endpoint>/test`` (used by the ``verify`` secret policy).
    :param apps: apps that have it.
    :param put_apps: apps that can update it in place (others delete and re-create).
    """

    def __init__(self, label, endpoint, key, provider=False, testable=False, apps=tuple(APPS),
                 put_apps=tuple(APPS)):
        self.label = label
        self.endpoint = endpoint
        self.key = key
        self.provider = provider
        self.testable = testable
        self.apps = apps
        self.put_apps = put_apps

    def key_of(self, obj):
        return tuple(norm(obj.get(name)) for name, norm in self.key)

    def describe(self, obj):
        return " + ".join("%s" % obj.get(name) for name, _norm in self.key)


def norm_name(value):
    return to_text(value or "").lower()


def norm_dir(value):
    """Paths compare without a trailing slash (``/data/tv/`` is ``/data/tv``)."""
    value = to_text(value or "")
    return value.rstrip("/\\") or value


def norm_dir_slash(value):
    """Remote path mappings are stored with a trailing separator: compare that way."""
    value = to_text(value or "")
    if not value:
        return value
    sep = "\\" if ("\\" in value and "/" not in value) else "/"
    return value.rstrip("/\\") + sep


KINDS = {
    "tag": Kind("tag", "tag", (("label", norm_name),)),
    "download_client": Kind("download client", "downloadclient", (("name", norm_name),), provider=True, testable=True),
    "indexer": Kind("indexer", "indexer", (("name", norm_name),), provider=True, testable=True),
    "notification": Kind("notification", "notification", (("name", norm_name),), provider=True, testable=True),
    "root_folder": Kind("root folder", "rootfolder", (("path", norm_dir),), apps=ARR_APPS, put_apps=("lidarr",)),
    "remote_path_mapping": Kind("remote path mapping", "remotepathmapping",
                                (("host", norm_name), ("remotePath", norm_dir_slash)), apps=ARR_APPS),
    "application": Kind("application", "applications", (("name", norm_name),), provider=True, testable=True,
                        apps=("prowlarr",)),
    "indexer_proxy": Kind("indexer proxy", "indexerproxy", (("name", norm_name),), provider=True, testable=True,
                          apps=("prowlarr",)),
}
CONFIG_SECTIONS = ("mediamanagement", "naming", "host", "ui", "downloadclient", "indexer")


# ---------------------------------------------------------------------------------------------
# Pure helpers: coercion, normalising, overlay, diff, masking (unit-tested without HTTP)
# ---------------------------------------------------------------------------------------------

def coerce(value, like=None, field_type=None):
    """Convert an inventory value to the type the app uses for it (``"8080"`` -> ``8080``).

    ``like`` is the value the app holds (or the schema default); ``field_type`` the schema's
    field ``type`` for when ``like`` is null.
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
        if isinstance(like, float):
            return float(value)
        if isinstance(like, list) or (like is None and field_type in ("tag", "select") and isinstance(value, list)):
            items = value if isinstance(value, list) else [value]
            sample = like[0] if like else None
            return [coerce(item, sample) for item in items]
        if isinstance(like, string_types) and isinstance(value, (integer_types, float)) and not isinstance(value, bool):
            return to_text(value)
    except (TypeError, ValueError):
        return value
    return value


def same(current, desired):
    """Compare two normalised values the way the apps store them."""
    if current in (None, "") and desired in (None, ""):
        return True
    if isinstance(current, list) and isinstance(desired, list):
        try:
            return sorted(current) == sorted(desired)
        except TypeError:
            return current == desired
    return current == desired


def fields_to_dict(fields):
    return dict((f.get("name"), f.get("value")) for f in fields or [])


def is_secret_field(field):
    return field.get("privacy") in SECRET_PRIVACY or field.get("value") == MASK


def overlay_fields(base_fields, user_fields, kind_label="object", implementation=""):
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


def mask_value(value):
    return MASK if value not in (None, "") else value


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


def validation_messages(body):
    """The app's own messages from a 400 (a bare JSON array of failures, or testall results)."""
    if isinstance(body, dict):
        body = body.get("message") and [{"errorMessage": body.get("message")}] or [body]
    if not isinstance(body, list):
        return to_text(body or "")
    out = []
    for item in body:
        if not isinstance(item, dict):
            out.append(to_text(item))
            continue
        if "validationFailures" in item:
            out.append(validation_messages(item["validationFailures"]))
            continue
        prop = item.get("propertyName")
        msg = item.get("errorMessage") or item.get("message") or ""
        text = "%s: %s" % (prop, msg) if prop else msg
        if item.get("isWarning"):
            text += " (warning)"
        out.append(text)
    return "; ".join(m for m in out if m)


def remote_path_mappings(layout):
    """Compute the remote path mappings one *arr app needs from the storage layout.

    ``layout`` is a dict with:

    * ``app_paths``: host path -> path the *arr app sees it as (its volume mounts), e.g.
      ``{"/data": "/data"}``;
    * ``clients``: list of ``{host, paths}`` where ``host`` is the download client's host as the
      app reaches it and ``paths`` maps host path -> path inside the download client,
      e.g. ``{"/data/torrents": "/downloads"}``.

    A mapping is needed where the download client reports a path the app does not see as the
    same path. Returns a list of ``{host, remote_path, local_path}`` (trailing slash on both),
    empty where the paths agree. A client path whose host folder the app cannot see raises
    ValueError (no mapping can fix that: the app needs a mount).
    """
    app_paths = layout.get("app_paths") or {}
    result = []
    for client in layout.get("clients") or []:
        for host_path, client_path in sorted((client.get("paths") or {}).items()):
            local = _translate(host_path, app_paths)
            if local is None:
                raise ValueError(
                    "the app cannot see %s (download client %s's %s): mount it into the app"
                    % (host_path, client.get("host"), client_path))
            if norm_dir(local) == norm_dir(client_path):
                continue
            result.append({"host": client["host"], "remote_path": norm_dir_slash(client_path),
                           "local_path": norm_dir_slash(local)})
    return result


def _translate(host_path, mounts):
    """Path of ``host_path`` inside a container with ``mounts`` (host -> container), or None."""
    best = None
    for src, dst in mounts.items():
        src_n = norm_dir(src)
        hp = norm_dir(host_path)
        if hp == src_n or hp.startswith(src_n.rstrip("/") + "/"):
            if best is None or len(src_n) > len(norm_dir(best[0])):
                best = (src, dst)
    if best is None:
        return None
    rest = norm_dir(host_path)[len(norm_dir(best[0]).rstrip("/")):]
    return norm_dir(best[1]).rstrip("/") + rest if rest else norm_dir(best[1])


# ---------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------

class ArrClient(object):
    """One app's API: detection, auth, messages, and a per-run cache of collections."""

    def __init__(self, url, api_key, validate_certs=True, timeout=30, app=None, opener=None, sleep=None):
        kwargs = {}
        if opener is not None:
            kwargs["opener"] = opener
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.url = url.rstrip("/")
        self.expected = app
        self.app = app
        self.name = APPS[app][0] if app else _guess_name(url)
        self.version = None
        self.app_version = None
        self.http = JsonHttpClient(self.url, self.name, headers={"X-Api-Key": api_key}, secrets=[api_key],
                                   validate_certs=validate_certs, timeout=timeout, **kwargs)
        self._cache = {}
        self.tested = {}  # (endpoint, id) -> "" (stored secret passed the app's test) or the complaint

    # -- detection --------------------------------------------------------------------------
    def detect(self):
        if self.version:
            return self
        order = ["v3", "v1"]
        if self.expected and APPS[self.expected][1] == "v1" or _guess_app(self.url) in ("lidarr", "prowlarr"):
            order = ["v1", "v3"]
        status = None
        for api in order:
            try:
                status = self.http.get("/api/%s/system/status" % api)
            except ApiError as err:
                if err.status == 401:
                    raise ArrError("API key rejected by %s at %s (HTTP 401). Check api_key: it must be the "
                                   "app's own key (Settings > General > API Key, or <ApiKey> in config.xml)."
                                   % (self.name, self.url))
                if err.status == 404:
                    continue
                raise ArrError(self.http.mask(to_text(err)))
            if isinstance(status, dict) and status.get("appName"):
                break
            status = None
        if not status:
            raise ArrError("%s does not look like Sonarr, Radarr, Lidarr or Prowlarr: no /api/v3/system/status or "
                           "/api/v1/system/status. Check the URL (and its URL base)." % self.url)
        app = to_text(status.get("appName")).lower()
        if app not in APPS:
            raise ArrError("%s at %s is not supported (supported: Sonarr v4, Radarr, Lidarr, Prowlarr)."
                           % (status.get("appName"), self.url))
        name, api_version, min_major, _port = APPS[app]
        version = to_text(status.get("version") or "0")
        try:
            major = int(version.split(".")[0])
        except ValueError:
            major = 0
        if api != api_version or major < min_major:
            raise ArrError("%s %s at %s (API %s) is not supported: this collection needs %s %s or later with API %s."
                           % (name, version, self.url, api, name, min_major, api_version))
        if self.expected and self.expected != app:
            raise ArrError("%s is %s, not %s as the task says (app: %s)." % (
                self.url, name, APPS[self.expected][0], self.expected))
        self.app, self.name, self.version, self.app_version = app, name, api_version, version
        self.http.service = name
        return self

    def path(self, rest):
        return "/api/%s/%s" % (self.version, rest.lstrip("/"))

    # -- requests with app-aware messages --------------------------------------------------------
    def call(self, method, rest, body=None, query=None, what=None):
        self.detect()
        try:
            return self.http.request(method, self.path(rest), body=body, query=query)
        except ApiError as err:
            raise ArrError(self._message(err, method, rest, what))

    def _message(self, err, method, rest, what):
        if err.status == 401:
            return "API key rejected by %s at %s (HTTP 401 on %s %s)." % (self.name, self.url, method, rest)
        if err.status == 400:
            return "%s at %s refused to %s: %s" % (
                self.name, self.url, what or "%s %s" % (method, rest), self.http.mask(validation_messages(err.body)))
        if err.status == 409:
            return "%s at %s refused to %s (HTTP 409): %s" % (
                self.name, self.url, what or "%s %s" % (method, rest), self.http.mask(validation_messages(err.body)))
        return self.http.mask(to_text(err))

    def list(self, endpoint):
        if endpoint not in self._cache:
            self._cache[endpoint] = self.call("GET", endpoint) or []
        return self._cache[endpoint]

    def forget(self, endpoint):
        self._cache.pop(endpoint, None)

    def supports(self, kind):
        self.detect()
        if self.app not in kind.apps:
            raise ArrError("%s has no %ss (%s at %s)." % (self.name, kind.label, self.name, self.url))

    # -- tags ------------------------------------------------------------------------------
    def tag_ids(self, labels, check_mode, created=None):
        """Ids for tag labels; missing tags are created (in check mode: placeholder ids < 0)."""
        if labels is None:
            return None
        ids = []
        for label in labels:
            label_n = norm_name(label)
            tag = [t for t in self.list("tag") if norm_name(t.get("label")) == label_n]
            if tag:
                ids.append(tag[0]["id"])
                continue
            if check_mode:
                ids.append(-1 - len(ids))
            else:
                new = self.call("POST", "tag", body={"label": label_n}, what="create tag %s" % label_n)
                self._cache.setdefault("tag", []).append(new)
                ids.append(new["id"])
            if created is not None:
                created.append(label_n)
        return sorted(ids)

    def tag_labels(self, ids):
        by_id = dict((t.get("id"), t.get("label")) for t in self.list("tag"))
        return sorted(by_id.get(i, "#%s" % i) if i >= 0 else "(new)" for i in ids or [])


def _guess_app(url):
    for app, (_name, _api, _major, port) in APPS.items():
        if ":%d" % port in url or app in url.lower():
            return app
    return None


def _guess_name(url):
    app = _guess_app(url)
    return APPS[app][0] if app else "the *arr app"


# ---------------------------------------------------------------------------------------------
# Reconciler
# ---------------------------------------------------------------------------------------------

class Outcome(object):
    """What one object's reconcile did."""

    def __init__(self, kind, key, action, before=None, after=None, obj=None, msg=None):
        self.kind = kind
        self.key = key
        self.action = action  # created | updated | deleted | unchanged | absent
        self.before = before
        self.after = after
        self.obj = obj
        self.msg = msg

    @property
    def changed(self):
        return self.action in ("created", "updated", "deleted")

    def diff(self, header):
        return dict(before=self.before or {}, after=self.after or {},
                    before_header="%s %s" % (header, self.key), after_header="%s %s" % (header, self.key))


class Reconciler(object):
    """Read current, compute desired over the current (or schema) object, diff, apply."""

    def __init__(self, client, check_mode=False, force_save=False, secret_policy="verify"):
        self.client = client
        self.check_mode = check_mode
        self.force_save = force_save
        self.secret_policy = secret_policy
        self.secret_values = set()
        self.created_tags = []
        self.to_verify = None  # a list: record the secret tests instead of running them (pre-pass)

    # -- provider objects (download clients, indexers, notifications, applications, proxies) ----
    def schema(self, kind):
        return self.client.list(kind.endpoint + "/schema")

    def template(self, kind, implementation, definition=None):
        templates = self.schema(kind)
        matches = [t for t in templates if norm_name(t.get("implementation")) == norm_name(implementation)]
        if definition:
            matches = [t for t in matches if norm_name(t.get("definitionName") or t.get("name")) == norm_name(definition)]
        if not matches:
            valid = sorted(set(t.get("implementation") for t in templates if t.get("implementation")))
            raise ArrError("%s at %s has no %s implementation %r%s. Valid implementations: %s" % (
                self.client.name, self.client.url, kind.label, implementation,
                " with definition %r" % definition if definition else "", ", ".join(valid)))
        return copy.deepcopy(matches[0])

    def provider(self, kind, spec):
        """Reconcile one provider object.

        ``spec``: name, implementation, definition (optional), fields (dict), tags (labels or
        None), top (dict of top-level keys by the app's names), state.
        """
        client = self.client
        client.supports(kind)
        name = spec["name"]
        items = client.list(kind.endpoint)
        current = _find(items, kind, {"name": name})
        if spec.get("state", "present") == "absent":
            return self._delete(kind, current, name)
        implementation = spec.get("implementation")
        rebuild = False
        if current is None or (implementation and norm_name(implementation) != norm_name(current.get("implementation"))):
            if not implementation:
                raise ArrError("%s %r does not exist in %s yet: give implementation (one of %s)." % (
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
            raise ArrError("Unknown field(s) %s for %s %s in %s at %s. Valid fields: %s" % (
                ", ".join(unknown), kind.label, base.get("implementation"), client.name, client.url,
                ", ".join(f.get("name") for f in base.get("fields") or [])))
        secret_names = set(f["name"] for f in base.get("fields") or [] if is_secret_field(f))
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
                raise ArrError("Unknown key %r for %s %s in %s. Valid keys: %s" % (
                    key, kind.label, base.get("implementation"), client.name, ", ".join(valid)))
            top[key] = coerce(value, base.get(key))
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
        if current is not None and not changes and verify:
            problem = self._verify_secrets(kind, current)
            if problem:
                for fname in verify:
                    changes.append("fields.%s" % fname)
                    after["fields.%s" % fname] = MASK + " (new value: the stored one failed the app's test)"
                msg = problem
            else:
                msg = None
        else:
            msg = None
        key = name
        if current is None:
            return self._write(kind, "POST", kind.endpoint, desired, key, None, after, msg)
        if not changes:
            return Outcome(kind.label, key, "unchanged", before, after, current)
        # Something differs, so the whole object is written, with the secrets the inventory gives.
        return self._write(kind, "PUT", "%s/%s" % (kind.endpoint, current["id"]), desired, key, before, after, msg)

    def _verify_secrets(self, kind, current):
        """Run the app's own test with the stored object; return the app's complaint or None."""
        if not kind.testable:
            return None
        if self.to_verify is not None:
            self.to_verify.append((kind, current))
            return None
        done = self.client.tested.get((kind.endpoint, current.get("id")))
        if done is not None:
            return done or None
        try:
            self.client.call("POST", kind.endpoint + "/test", body=wire(current),
                             what="test %s %s" % (kind.label, current.get("name")))
        except ArrError as err:
            return "the stored secret of %s %r failed %s's own test (%s), so the one from the inventory is sent" % (
                kind.label, current.get("name"), self.client.name, err)
        return None

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

    def _write(self, kind, method, path, body, key, before, after, msg=None):
        action = "created" if method == "POST" else "updated"
        if self.check_mode:
            return Outcome(kind.label, key, action, before, after, _masked(body), msg)
        query = None
        if kind.provider:
            query = {"forceSave": "true" if self.force_save else "false"}
            body = wire(body)
        what = "%s %s %s" % ("create" if method == "POST" else "update", kind.label, key)
        try:
            obj = self.client.http.request(method, self.client.path(path), body=body, query=query)
        except ApiError as err:
            text = self.client._message(err, method, path, what)
            if err.status == 400 and kind.provider and not self.force_save:
                text += (" (the app tests an enabled provider before saving it: fix what it could not reach; "
                         "force_save: true lets warnings pass)")
            raise ArrError(text)
        self.client.forget(kind.endpoint)
        return Outcome(kind.label, key, action, before, after, _masked(obj), msg)

    def _delete(self, kind, current, key):
        if current is None:
            return Outcome(kind.label, key, "absent", {}, {})
        before = {"state": "present"}
        if not self.check_mode:
            self.client.call("DELETE", "%s/%s" % (kind.endpoint, current["id"]),
                             what="delete %s %s" % (kind.label, key))
            self.client.forget(kind.endpoint)
        return Outcome(kind.label, key, "deleted", before, {"state": "absent"}, _masked(current))

    # -- plain objects ------------------------------------------------------------------------
    def tag(self, label, state="present"):
        kind = KINDS["tag"]
        label_n = norm_name(label)
        current = _find(self.client.list("tag"), kind, {"label": label_n})
        if state == "absent":
            return self._delete(kind, current, label_n)
        if current is not None:
            return Outcome("tag", label_n, "unchanged", {"label": current["label"]}, {"label": label_n}, current)
        return self._write(kind, "POST", "tag", {"label": label_n}, label_n, {}, {"label": label_n})

    def root_folder(self, path, extra=None, state="present"):
        kind = KINDS["root_folder"]
        self.client.supports(kind)
        current = _find(self.client.list(kind.endpoint), kind, {"path": path})
        if state == "absent":
            return self._delete(kind, current, path)
        extra = dict(extra or {})
        if current is None:
            body = {"path": path}
            if self.client.app == "lidarr":
                body.update(self._lidarr_root_defaults(path, extra))
            body.update(extra)
            return self._write(kind, "POST", kind.endpoint, body, path, {}, dict(body))
        top = dict((k, coerce(v, current.get(k))) for k, v in extra.items())
        changes = [k for k in top if not same(current.get(k), top[k])]
        before = dict((k, current.get(k)) for k in top)
        before["path"] = current.get("path")
        after = dict(top, path=path)
        if not changes:
            return Outcome(kind.label, path, "unchanged", before, after, current)
        if self.client.app not in kind.put_apps:
            raise ArrError("%s cannot change root folder %s in place (%s): remove it first (state: absent) or drop "
                           "those keys." % (self.client.name, path, ", ".join(changes)))
        body = copy.deepcopy(current)
        body.update(top)
        return self._write(kind, "PUT", "%s/%s" % (kind.endpoint, current["id"]), body, path, before, after)

    def _lidarr_root_defaults(self, path, extra):
        out = {"name": extra.get("name") or norm_dir(path).rsplit("/", 1)[-1] or path}
        for key, endpoint in (("defaultQualityProfileId", "qualityprofile"), ("defaultMetadataProfileId", "metadataprofile")):
            if key not in extra:
                try:
                    profiles = self.client.list(endpoint)
                except ArrError:
                    profiles = []  # left to the app's default
                if profiles:
                    out[key] = profiles[0]["id"]
        return out

    def remote_path_mapping(self, host, remote_path, local_path=None, state="present"):
        kind = KINDS["remote_path_mapping"]
        self.client.supports(kind)
        remote = norm_dir_slash(remote_path)
        key = "%s:%s" % (host, remote)
        current = _find(self.client.list(kind.endpoint), kind, {"host": host, "remotePath": remote})
        if state == "absent":
            return self._delete(kind, current, key)
        if not local_path:
            raise ArrError("remote path mapping %s needs local_path" % key)
        local = norm_dir_slash(local_path)
        after = {"host": host, "remotePath": remote, "localPath": local}
        if current is None:
            return self._write(kind, "POST", kind.endpoint, after, key, {}, after)
        before = {"host": current.get("host"), "remotePath": current.get("remotePath"),
                  "localPath": current.get("localPath")}
        if norm_dir_slash(current.get("localPath")) == local:
            return Outcome(kind.label, key, "unchanged", before, after, current)
        body = dict(current, localPath=local)
        return self._write(kind, "PUT", "%s/%s" % (kind.endpoint, current["id"]), body, key, before, after)

    def config(self, section, settings):
        if section not in CONFIG_SECTIONS:
            raise ArrError("Unknown config section %r; valid: %s" % (section, ", ".join(CONFIG_SECTIONS)))
        endpoint = "config/%s" % section
        current = self.client.list(endpoint)
        if not isinstance(current, dict):
            raise ArrError("%s at %s has no config section %s" % (self.client.name, self.client.url, section))
        unknown = sorted(k for k in settings if k not in current)
        if unknown:
            raise ArrError("Unknown %s setting(s) %s in %s at %s. Valid settings: %s" % (
                section, ", ".join(unknown), self.client.name, self.client.url,
                ", ".join(sorted(k for k in current if k != "id"))))
        before, after, changes = {}, {}, []
        body = copy.deepcopy(current)
        for key in sorted(settings):
            want = coerce(settings[key], current.get(key))
            have = current.get(key)
            secret = key in CONFIG_SECRETS
            if secret and want not in (None, ""):
                self.secret_values.add(to_text(want))
            before[key] = mask_value(have) if secret else have
            after[key] = mask_value(want) if secret else want
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
        if not changes:
            return Outcome("config", section, "unchanged", before, after, _mask_config(current))
        if self.check_mode:
            return Outcome("config", section, "updated", before, after, _mask_config(body))
        obj = self.client.call("PUT", "%s/%s" % (endpoint, current.get("id", 1)), body=body,
                               what="update config %s" % section)
        self.client.forget(endpoint)
        return Outcome("config", section, "updated", before, after, _mask_config(obj or body))

    # -- lists --------------------------------------------------------------------------------
    def purge(self, kind, keep_keys):
        """Delete every object of ``kind`` whose natural key is not in ``keep_keys``."""
        outcomes = []
        for obj in list(self.client.list(kind.endpoint)):
            if kind.key_of(obj) in keep_keys:
                continue
            outcomes.append(self._delete(kind, obj, kind.describe(obj)))
        return outcomes


def wire(obj):
    """A provider object as sent: the apps read only name and value of each field
    (SchemaBuilder.ReadFromSchema), so labels, help texts and select options stay home."""
    return dict(obj, fields=[{"name": f.get("name"), "value": f.get("value")} for f in obj.get("fields") or []])


def _find(items, kind, wanted):
    key = kind.key_of(wanted)
    for obj in items or []:
        if kind.key_of(obj) == key:
            return obj
    return None


def _masked(obj):
    if not isinstance(obj, dict):
        return obj
    out = copy.deepcopy(obj)
    for field in out.get("fields") or []:
        if field.get("privacy") in SECRET_PRIVACY and field.get("value") not in (None, ""):
            field["value"] = MASK
    return _mask_config(out)


def _mask_config(obj):
    if not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for key in CONFIG_SECRETS:
        if out.get(key) not in (None, ""):
            out[key] = MASK
    return out


# ---------------------------------------------------------------------------------------------
# Entry points shared by modules and action plugins
# ---------------------------------------------------------------------------------------------

def provider_spec(params, top_map):
    """Module parameters -> the reconciler's provider spec. ``top_map``: option -> API key."""
    top = dict(params.get("extra") or {})
    for option, api_key in top_map.items():
        if params.get(option) is not None:
            top[api_key] = params[option]
    return dict(name=params["name"], implementation=params.get("implementation"),
                definition=params.get("definition"), fields=params.get("fields") or {},
                tags=params.get("tags"), top=top, state=params.get("state", "present"))


PROVIDER_TOP = {
    "arr_download_client": ("download_client", {"priority": "priority", "enable": "enable"}),
    "arr_indexer": ("indexer", {"priority": "priority", "enable": "enable"}),
    "arr_notification": ("notification", {}),
    "prowlarr_application": ("application", {"sync_level": "syncLevel"}),
    "prowlarr_indexer_proxy": ("indexer_proxy", {}),
}


def make_client(params, opener=None, sleep=None):
    return ArrClient(params["url"], params["api_key"], validate_certs=params.get("validate_certs", True),
                     timeout=params.get("timeout") or 30, app=params.get("app"), opener=opener, sleep=sleep)


def execute(module_name, params, check_mode=False, diff=False, opener=None, sleep=None):
    """Run one module's work; return the result dict. Raises ArrError with a masked message."""
    client = make_client(params, opener=opener, sleep=sleep)
    rec = Reconciler(client, check_mode=check_mode, force_save=params.get("force_save", False),
                     secret_policy=params.get("secret_policy") or "verify")
    try:
        result = _dispatch(module_name, client, rec, params)
    except ArrError as err:
        raise ArrError(_scrub(to_text(err), client, rec))
    result.setdefault("app", client.app)
    result.setdefault("version", client.app_version)
    result["requests"] = len(client.http.requests)
    result["_secrets"] = sorted(rec.secret_values | set(client.http.secrets))
    return result


def _scrub(text, client, rec):
    for secret in set(client.http.secrets) | rec.secret_values:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _single(outcome, diff_header):
    result = dict(changed=outcome.changed, action=outcome.action, object=outcome.obj,
                  diff=outcome.diff(diff_header))
    result["msg"] = "%s %s: %s" % (outcome.kind, outcome.key, outcome.action)
    if outcome.msg:
        result["msg"] += " (%s)" % outcome.msg
    return result


def _dispatch(module_name, client, rec, params):
    client.detect()
    if module_name in PROVIDER_TOP:
        kind_name, top_map = PROVIDER_TOP[module_name]
        return _single(rec.provider(KINDS[kind_name], provider_spec(params, top_map)), client.name)
    if module_name == "arr_tag":
        return _single(rec.tag(params["label"], params["state"]), client.name)
    if module_name == "arr_root_folder":
        return _single(rec.root_folder(params["path"], params.get("extra"), params["state"]), client.name)
    if module_name == "arr_remote_path_mapping":
        return _single(rec.remote_path_mapping(params["host"], params["remote_path"], params.get("local_path"),
                                               params["state"]), client.name)
    if module_name == "arr_config":
        return _single(rec.config(params["section"], params["settings"] or {}), client.name)
    if module_name == "arr_command":
        return run_command(client, params, rec.check_mode)
    if module_name == "arr_info":
        return gather_info(client, params.get("gather"))
    if module_name == "arr_objects":
        return reconcile_all(rec, params)
    raise ArrError("unknown module %s" % module_name)


def run_command(client, params, check_mode):
    body = dict(params.get("body") or {})
    body["name"] = params["name"]
    if check_mode:
        return dict(changed=True, msg="would run command %s" % params["name"], command=body)
    cmd = client.call("POST", "command", body=body, what="run command %s" % params["name"])
    deadline = time.time() + (params.get("wait_timeout") or 120)
    while params.get("wait") and cmd.get("status") not in ("completed", "failed", "aborted", "cancelled"):
        if time.time() > deadline:
            raise ArrError("command %s (id %s) still %s after %ss" % (params["name"], cmd.get("id"), cmd.get("status"),
                                                                      params.get("wait_timeout")))
        time.sleep(params.get("poll_interval") or 1)
        cmd = client.call("GET", "command/%s" % cmd["id"])
    if cmd.get("status") == "failed":
        detail = cmd.get("message") or cmd.get("exception") or "no message"
        raise ArrError("command %s failed in %s: %s" % (params["name"], client.name, detail))
    return dict(changed=True, command=cmd, msg="command %s: %s" % (params["name"], cmd.get("status")))


INFO_COLLECTIONS = {
    "sonarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "radarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "lidarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "prowlarr": ["tag", "downloadclient", "indexer", "notification", "applications", "indexerproxy"],
}


def gather_info(client, gather):
    wanted = INFO_COLLECTIONS[client.app] if gather is None else gather
    objects = {}
    for name in wanted:
        if name.startswith("config/"):
            objects[name] = _mask_config(client.call("GET", name))
        else:
            objects[name] = [_masked(o) for o in client.list(name)]
    return dict(changed=False, app=client.app, name=client.name, version=client.app_version,
                api_version=client.version, objects=objects)


# arr_objects: option -> (kind, how to build a reconcile call)
OBJECT_ORDER = ("tags", "indexer_proxies", "download_clients", "root_folders", "remote_path_mappings",
                "config", "notifications", "applications", "indexers")
LIST_OPTIONS = {
    "tags": "tag", "download_clients": "download_client", "indexers": "indexer", "notifications": "notification",
    "root_folders": "root_folder", "remote_path_mappings": "remote_path_mapping", "applications": "application",
    "indexer_proxies": "indexer_proxy",
}
OBJECT_TOP = {
    "download_clients": {"priority": "priority", "enable": "enable"},
    "indexers": {"priority": "priority", "enable": "enable"},
    "notifications": {},
    "applications": {"sync_level": "syncLevel"},
    "indexer_proxies": {},
}


def reconcile_all(rec, params):
    """Reconcile a whole set of one app's objects (module arr_objects), one GET per collection.

    Every object is first checked in a pass that writes nothing (check mode; the collections it
    reads are cached), so invalid input fails before the first write. That pass also collects the
    secret tests the ``verify`` policy needs, which then run side by side.
    """
    pre = Reconciler(rec.client, check_mode=True, force_save=rec.force_save, secret_policy=rec.secret_policy)
    pre.to_verify = []
    _reconcile_all(pre, params)
    rec.verify_all(pre.to_verify)
    return _reconcile_all(rec, params)


def _reconcile_all(rec, params):
    outcomes = []
    purge = set(params.get("purge") or [])
    unknown_purge = purge - set(LIST_OPTIONS)
    if unknown_purge:
        raise ArrError("purge: unknown collection(s) %s; valid: %s" % (", ".join(sorted(unknown_purge)),
                                                                       ", ".join(sorted(LIST_OPTIONS))))
    for option in OBJECT_ORDER:
        items = params.get(option)
        if option == "config":
            for section, settings in sorted((items or {}).items()):
                outcomes.append(rec.config(section, settings or {}))
            continue
        if items is None:
            continue
        kind = KINDS[LIST_OPTIONS[option]]
        keep = set()
        for item in items:
            if option == "tags":
                item = item if isinstance(item, dict) else {"label": item}
                out = rec.tag(item["label"], item.get("state", "present"))
                keep.add(kind.key_of({"label": item["label"]}))
            elif option == "root_folders":
                item = item if isinstance(item, dict) else {"path": item}
                out = rec.root_folder(item["path"], item.get("extra"), item.get("state", "present"))
                keep.add(kind.key_of(item))
            elif option == "remote_path_mappings":
                out = rec.remote_path_mapping(item["host"], item["remote_path"], item.get("local_path"),
                                              item.get("state", "present"))
                keep.add(kind.key_of({"host": item["host"], "remotePath": item["remote_path"]}))
            else:
                if not isinstance(item, dict) or not item.get("name"):
                    raise ArrError("%s: every entry needs a name" % option)
                unknown = sorted(set(item) - set(["name", "implementation", "definition", "fields", "tags", "extra",
                                                  "state"] + list(OBJECT_TOP[option])))
                if unknown:
                    raise ArrError("%s %r: unknown option(s) %s" % (option, item["name"], ", ".join(unknown)))
                out = rec.provider(kind, provider_spec(item, OBJECT_TOP[option]))
                keep.add(kind.key_of(item))
            outcomes.append(out)
        if option in purge:
            outcomes.extend(rec.purge(kind, keep))
    changed = any(o.changed for o in outcomes)
    summary = [dict(kind=o.kind, key=o.key, action=o.action) for o in outcomes]
    counts = {}
    for o in outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    result = dict(changed=changed, objects=summary, counts=counts,
                  diff=[o.diff(rec.client.name + " " + o.kind) for o in outcomes if o.changed],
                  msg="%s: %s" % (rec.client.name, ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))))
    notes = [o.msg for o in outcomes if o.msg]
    if notes:
        result["notes"] = notes
    return result


def run_module(module, module_name):
    """Body of every module's main(): run, keep secrets out of the output, exit."""
    try:
        result = execute(module_name, module.params, check_mode=module.check_mode, diff=module._diff)
    except ArrError as err:
        module.fail_json(msg=to_text(err))
    module.no_log_values.update(result.pop("_secrets", []))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)

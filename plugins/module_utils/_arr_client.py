# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The *arr API family's client (Sonarr, Radarr, Lidarr, Prowlarr): detection, auth, the apps'
own error messages, a per-run cache of collections, tags, and the family's masking.

Private to the collection. What the apps really do is in ../shared/reference/arr/API_BEHAVIOUR.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import (
    MASK, ReconcileError, norm_name,
)

# app key -> (name the app reports, API version, lowest supported major version, default port)
APPS = {
    "sonarr": ("Sonarr", "v3", 4, 8989),
    "radarr": ("Radarr", "v3", 3, 7878),
    "lidarr": ("Lidarr", "v1", 1, 8686),
    "prowlarr": ("Prowlarr", "v1", 1, 9696),
}
ARR_APPS = ("sonarr", "radarr", "lidarr")
SECRET_PRIVACY = ("password", "apiKey")
# Config keys that hold secrets (the config endpoints have no privacy markers).
CONFIG_SECRETS = ("apiKey", "password", "sslCertPassword", "passwordConfirmation", "proxyPassword")
# Names of values that are secrets whatever their privacy level says: the apps return some in clear
# (Discord's webhook URL, Prowlarr's Cardigann credentials and cookies, config/host proxyPassword).
SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|passkey|cookie|webhook_?url|auth_?key|rss_?key)",
                         re.IGNORECASE)
# Fields whose failure in the app's own test means "this credential is wrong".
CREDENTIAL_PRIVACY = ("password", "apiKey", "userName")

ArrError = ReconcileError

CONNECTION_SPEC = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["ARR_URL"])),
    api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["ARR_API_KEY"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["ARR_VALIDATE_CERTS"])),
    timeout=dict(type="int", default=30, fallback=(env_fallback, ["ARR_TIMEOUT"])),
    app=dict(type="str", choices=list(APPS)),
)


# Radarr's and Prowlarr's TagController: Matches("^[a-z0-9-]+$"); Sonarr and Lidarr accept more. A label
# is checked against the strictest rule so one inventory works in every app.
TAG_LABEL = re.compile(r"^[a-z0-9-]+$")


def check_tag_label(label):
    label_n = norm_name(label)
    if not TAG_LABEL.match(label_n):
        raise ArrError("tag label %r: use only a-z, 0-9 and - (Radarr and Prowlarr refuse anything else: "
                       "\"Allowed characters a-z, 0-9 and -\")" % label)
    return label_n


def validation_messages(body):
    """The app's own messages from a 400: a bare JSON array of FluentValidation failures, testall
    results, or ASP.NET's ValidationProblemDetails (``title`` + ``errors``) when model binding failed."""
    if isinstance(body, dict) and isinstance(body.get("errors"), dict):
        parts = []
        for key in sorted(body["errors"], key=lambda k: (not to_text(k).startswith("$"), k)):
            messages = body["errors"][key]
            messages = messages if isinstance(messages, list) else [messages]
            parts.append("%s: %s" % (key, " ".join(to_text(m) for m in messages)))
        return "%s %s" % (to_text(body.get("title") or ""), "; ".join(parts))
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


def is_secret_name(name):
    return bool(SECRET_NAME.search(to_text(name or "").rsplit(".", 1)[-1]))


def is_secret_field(field):
    """A provider field holding a secret: by privacy level, by type, or by name."""
    return (field.get("privacy") in SECRET_PRIVACY or field.get("value") == MASK or field.get("type") == "password"
            or is_secret_name(field.get("name")))


def is_secret_key(key):
    """A config key holding a secret (the config endpoints have no privacy markers)."""
    return key in CONFIG_SECRETS or is_secret_name(key)


def credential_names(obj):
    """Lower-case names of the fields of ``obj`` that are credentials (for the test's propertyName)."""
    return set(to_text(f.get("name")).rsplit(".", 1)[-1].lower() for f in obj.get("fields") or []
               if f.get("privacy") in CREDENTIAL_PRIVACY or is_secret_field(f))


def masked(obj):
    """An object as it may be shown: secret fields and config secrets masked."""
    if not isinstance(obj, dict):
        return obj
    out = copy.deepcopy(obj)
    for field in out.get("fields") or []:
        if is_secret_field(field) and field.get("value") not in (None, ""):
            field["value"] = MASK
    return mask_config(out)


def mask_config(obj):
    if not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for key in out:
        if is_secret_key(key) and isinstance(out[key], string_types) and out[key] != "":
            out[key] = MASK
    return out


def wire(obj):
    """A provider object as sent: the apps read only name and value of each field
    (SchemaBuilder.ReadFromSchema), so labels, help texts and select options stay home."""
    return dict(obj, fields=[{"name": f.get("name"), "value": f.get("value")} for f in obj.get("fields") or []])


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
        self.opener = opener
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
            raise ArrError(self.message(err, method, rest, what))

    def message(self, err, method, rest, what):
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
        if kind.apps is not None and self.app not in kind.apps:
            raise ArrError("%s has no %ss (%s at %s)." % (self.name, kind.label, self.name, self.url))

    # -- what the reconciler needs of the family --------------------------------------------------
    is_secret_field = staticmethod(is_secret_field)
    masked = staticmethod(masked)

    is_secret_key = staticmethod(is_secret_key)

    def write(self, kind, method, path, body, key, force_save=False):
        """POST/PUT one object; provider objects go with ``forceSave`` and name/value fields only."""
        query = None
        if kind.provider:
            query = {"forceSave": "true" if force_save else "false"}
            body = wire(body)
        what = "%s %s %s" % ("create" if method == "POST" else "update", kind.label, key)
        try:
            return self.http.request(method, self.path(path), body=body, query=query)
        except ApiError as err:
            text = self.message(err, method, path, what)
            if err.status == 400 and kind.provider and not force_save and isinstance(err.body, list):
                if method == "POST":
                    text += (" (the app tests an enabled provider before creating it: fix what it could not reach; "
                             "force_save: true lets warnings pass, errors still fail)")
                else:
                    text += (" (the app tests an enabled provider it updates: fix what it could not reach, or "
                             "force_save: true saves without the app's test)")
            raise ArrError(text)

    def test(self, kind, obj):
        """The app's own test of a stored provider object.

        Returns None when it passed, else (message, credential): ``credential`` is true when a
        failure names a credential field (Password, ApiKey, Username): the stored secret is wrong.
        Anything else (the program it reaches is down, a category is missing) is not about secrets.
        """
        self.detect()
        try:
            self.http.request("POST", self.path(kind.endpoint + "/test"), body=wire(obj))
        except ApiError as err:
            if err.status not in (400, None) and not (err.status and err.status >= 500):
                raise ArrError(self.message(err, "POST", kind.endpoint + "/test", "test %s" % obj.get("name")))
            failures = err.body if isinstance(err.body, list) else []
            names = credential_names(obj)
            credential = any(to_text(f.get("propertyName")).rsplit(".", 1)[-1].lower() in names
                             for f in failures if isinstance(f, dict) and not f.get("isWarning"))
            return self.http.mask(validation_messages(err.body) if failures else to_text(err)), credential
        return None

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
            check_tag_label(label)
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


def make_client(params, opener=None, sleep=None):
    return ArrClient(params["url"], params["api_key"], validate_certs=params.get("validate_certs", True),
                     timeout=params.get("timeout") or 30, app=params.get("app"), opener=opener, sleep=sleep)


def _guess_app(url):
    for app, (_name, _api, _major, port) in APPS.items():
        if ":%d" % port in url or app in url.lower():
            return app
    return None


def _guess_name(url):
    app = _guess_app(url)
    return APPS[app][0] if app else "the *arr app"

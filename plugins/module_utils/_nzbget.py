# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""NZBGet JSON-RPC: read the config file, overlay options and categories, save, reload.

Checked against NZBGet 21.0 (Debian 12): ``POST /jsonrpc`` with HTTP basic auth (401 on a bad
password); answers ``{"version": "1.1", "result": ...}`` or ``{"error": {"name", "code",
"message"}}`` with HTTP 200. ``loadconfig`` returns the options as written in the config file
(``[{"Name", "Value"}]``, values always strings). ``saveconfig`` REPLACES the file's options with
exactly the list it is given: options left out are dropped from the file. So this module always
sends the full list read by ``loadconfig``, with the changes overlaid, then calls ``reload``.
Categories are options ``Category<N>.Name``, ``.DestDir``, ``.Unpack``, ``.Extensions``, ``.Aliases``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.six import string_types

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient

CATEGORY_OPTION = re.compile(r'^Category(\d+)\.(\w+)$')
# Category fields of the module → NZBGet option suffix.
CATEGORY_FIELDS = (("name", "Name"), ("dest_dir", "DestDir"), ("unpack", "Unpack"),
                   ("extensions", "Extensions"), ("aliases", "Aliases"))


def connection_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["NZBGET_URL"])),
        username=dict(type="str", default="nzbget", fallback=(env_fallback, ["NZBGET_USERNAME"])),
        password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["NZBGET_PASSWORD"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def nzbget_value(value):
    """NZBGet's config is all strings: booleans are yes/no, lists comma-separated."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(nzbget_value(v) for v in value)
    if value is None:
        return ""
    return to_text(value)


def is_secret_option(name):
    return name.lower().endswith("password") or name.lower().endswith("username")


class NzbgetClient(object):
    def __init__(self, url, username, password, validate_certs=True, timeout=30, opener=None):
        self.url = url.rstrip("/")
        auth = base64.b64encode(to_bytes("%s:%s" % (username, password))).decode("ascii")
        kwargs = dict(headers={"Authorization": "Basic " + auth}, secrets=[password, auth],
                      validate_certs=validate_certs, timeout=timeout)
        if opener is not None:
            kwargs["opener"] = opener
        self.http = JsonHttpClient(self.url, "NZBGet", **kwargs)

    def call(self, method, *params):
        try:
            answer = self.http.post("/jsonrpc", {"method": method, "params": list(params), "id": 1})
        except ApiError as exc:
            if exc.status == 401:
                raise ApiError("NZBGet at %s rejected the username or password (HTTP 401). Use ControlUsername and "
                               "ControlPassword (the restricted user cannot save the config)." % self.url, status=401)
            raise
        if not isinstance(answer, dict):
            raise ApiError("NZBGet at %s answered %s with something that is not a JSON-RPC reply" % (self.url, method))
        if answer.get("error"):
            error = answer["error"]
            raise ApiError("NZBGet at %s refused %s: %s" % (
                self.url, method, error.get("message", error) if isinstance(error, dict) else error))
        return answer.get("result")

    def version(self):
        return self.call("version")

    def load_config(self):
        return self.call("loadconfig")

    def save_config(self, entries):
        if self.call("saveconfig", entries) is not True:
            raise ApiError("NZBGet at %s could not write its config file (saveconfig answered false): check that the "
                           "NZBGet user may write it." % self.url)

    def reload(self):
        self.call("reload")
        # NZBGet restarts itself; the next call waits (refused connections are retried) until it answers.
        return self.version()


def client_from_params(params):
    return NzbgetClient(params["url"], params["username"], params["password"],
                        validate_certs=params["validate_certs"], timeout=params["timeout"])


def parse_categories(entries):
    """``{index: {"Name": ..., "DestDir": ...}}`` from the option list."""
    categories = {}
    for entry in entries:
        match = CATEGORY_OPTION.match(entry["Name"])
        if match:
            categories.setdefault(int(match.group(1)), {})[match.group(2)] = entry["Value"]
    return categories


def category_view(fields):
    """Module view of one category (only the fields NZBGet has)."""
    view = {}
    for key, option in CATEGORY_FIELDS:
        if option in fields:
            view[key] = fields[option]
    return view


def plan_config(entries, options, categories, purge_categories=False):
    """Overlay ``options`` and ``categories`` on the config file's ``entries``.

    Returns ``(new_entries, before, after)``; ``before``/``after`` show the managed options and
    the categories (secret option values masked by the caller). Pure: no HTTP.
    """
    values = dict((e["Name"], e["Value"]) for e in entries)
    new_values = {}
    for name, value in options.items():
        if CATEGORY_OPTION.match(name):
            raise ValueError("Set categories with the categories option, not %s" % name)
        new_values[name] = nzbget_value(value)

    current = parse_categories(entries)
    by_name = dict((fields.get("Name", "").lower(), index) for index, fields in current.items())
    wanted = []  # (index or None, fields)
    seen = set()
    for cat in categories:
        if not cat.get("name"):
            raise ValueError("Every category needs a name")
        key = cat["name"].lower()
        if key in seen:
            raise ValueError("Category %s is given twice (NZBGet compares names without case)" % cat["name"])
        seen.add(key)
        fields = dict((option, nzbget_value(cat[k])) for k, option in CATEGORY_FIELDS if cat.get(k) is not None)
        wanted.append((by_name.get(key), fields))

    managed_indexes = set(index for index, _fields in wanted if index is not None)
    final = []  # list of field dicts, in the order they will be numbered
    for index in sorted(current):
        if index in managed_indexes:
            fields = dict(current[index])
            fields.update(next(f for i, f in wanted if i == index))
            final.append(fields)
        elif not purge_categories:
            final.append(dict(current[index]))
    final.extend(fields for index, fields in wanted if index is None)

    # Keep the file's order; the categories are rewritten (numbered from 1) in place of the first
    # category option, and only when they change.
    categories_changed = [current[i] for i in sorted(current)] != final
    new_entries = []
    placed = False
    for entry in entries:
        if CATEGORY_OPTION.match(entry["Name"]):
            if not categories_changed:
                new_entries.append(dict(entry))
            elif not placed:
                new_entries.extend(_category_entries(final))
                placed = True
            continue
        value = new_values.get(entry["Name"], entry["Value"])
        new_entries.append({"Name": entry["Name"], "Value": value})
    if categories_changed and not placed:
        new_entries.extend(_category_entries(final))
    known = set(e["Name"] for e in entries)
    new_entries.extend({"Name": n, "Value": v} for n, v in sorted(new_values.items()) if n not in known)

    before = dict(options=dict((n, values.get(n)) for n in sorted(new_values)),
                  categories=[category_view(current[i]) for i in sorted(current)])
    after = dict(options=dict((n, new_values[n]) for n in sorted(new_values)),
                 categories=[category_view(f) for f in final])
    return new_entries, before, after


def _category_entries(categories):
    out = []
    for number, fields in enumerate(categories, 1):
        ordered = [o for _k, o in CATEGORY_FIELDS if o in fields] + sorted(o for o in fields if o not in dict(
            (v, k) for k, v in CATEGORY_FIELDS))
        for option in ordered:
            out.append({"Name": "Category%d.%s" % (number, option), "Value": fields[option]})
    return out


def mask_options(options):
    return dict((k, "********" if is_secret_option(k) and v else v) for k, v in options.items())


def as_string_map(options):
    """Validate the options dict: names are NZBGet option names (letters, digits, dots)."""
    bad = [k for k in options if not isinstance(k, string_types) or not re.match(r'^[A-Za-z][A-Za-z0-9.]*$', k)]
    if bad:
        raise ValueError("Not NZBGet option names: %s" % ", ".join(sorted(map(to_text, bad))))
    return options


def entries_differ(old, new):
    return sorted((e["Name"], e["Value"]) for e in old) != sorted((e["Name"], e["Value"]) for e in new)

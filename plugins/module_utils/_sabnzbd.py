# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SABnzbd's query API (``/api?mode=...&apikey=...&output=json``): misc settings and categories.

SABnzbd answers errors with HTTP 200 and ``{"status": false, "error": "..."}`` (for example
``API Key Incorrect``); this client turns those into ApiError. Settings are written one at a time
(``set_config&section=misc&keyword=&value=``; lists comma-separated), categories with
``set_config&section=categories&name=`` and removed with ``del_config``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six import integer_types

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient

SECRET_MISC = ("api_key", "nzb_key", "password", "email_pwd")
CATEGORY_KEYS = ("dir", "pp", "script", "priority")


def connection_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["SABNZBD_URL"])),
        api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["SABNZBD_API_KEY"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def sab_value(value):
    """Value as SABnzbd takes it in a query: booleans 1/0, lists comma-separated."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def same_value(current, desired):
    """Compare a SABnzbd value (typed JSON) with a desired one."""
    if isinstance(current, list):
        wanted = desired if isinstance(desired, list) else [v.strip() for v in str(desired).split(",") if v.strip()]
        return [str(v) for v in current] == [str(v) for v in wanted]
    if isinstance(current, integer_types) and not isinstance(current, bool):
        try:
            return int(current) == int(sab_value(desired))
        except ValueError:
            return False
    if isinstance(current, str) and current.startswith("/") and isinstance(desired, str):
        return posixpath.normpath(current) == posixpath.normpath(desired)
    return sab_value(current) == sab_value(desired)


class SabnzbdClient(object):
    def __init__(self, url, api_key, validate_certs=True, timeout=30, opener=None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        kwargs = dict(secrets=[api_key], validate_certs=validate_certs, timeout=timeout)
        if opener is not None:
            kwargs["opener"] = opener
        self.http = JsonHttpClient(self.url, "SABnzbd", **kwargs)

    def call(self, mode, **args):
        query = dict(args, mode=mode, apikey=self.api_key, output="json")
        answer = self.http.get("/api", query=query)
        if isinstance(answer, dict) and answer.get("status") is False:
            error = answer.get("error") or "failed"
            if "API Key" in str(error):
                raise ApiError("SABnzbd at %s refused the API key (%s). Use the full API key from [misc] api_key, "
                               "not the NZB key." % (self.url, error))
            subject = args.get("keyword") or args.get("name") or ""
            raise ApiError("SABnzbd at %s refused %s %s: %s" % (self.url, mode, subject, error))
        return answer

    def config(self):
        return self.call("get_config")["config"]

    def set_misc(self, keyword, value):
        self.call("set_config", section="misc", keyword=keyword, value=sab_value(value))

    def set_category(self, category):
        args = dict(section="categories", name=category["name"])
        for key in CATEGORY_KEYS:
            if category.get(key) is not None:
                args[key] = sab_value(category[key])
        self.call("set_config", **args)

    def delete_category(self, name):
        self.call("del_config", section="categories", keyword=name)


def client_from_params(params):
    return SabnzbdClient(params["url"], params["api_key"], validate_certs=params["validate_certs"],
                         timeout=params["timeout"])

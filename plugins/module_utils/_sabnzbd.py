# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SABnzbd's query API (``/api?mode=...&apikey=...&output=json``): misc settings and categories.

SABnzbd refuses a missing or wrong API key with HTTP 403 and a text body (``API Key Required``,
``API Key Incorrect``; SABnzbd 3.x/4.x ``sabnzbd/interface.py`` check_apikey, seen on 3.7.1), and
a Host header that is a name not in ``host_whitelist`` with HTTP 403 ``Access denied - Hostname
verification failed`` (interface.py check_hostname). Other errors come with HTTP 200 and
``{"status": false, "error": "..."}`` (for example ``Config item does not exist``; older releases
answered key errors that way too). This client turns all of them into ApiError with what to do.
Settings are written one at a time (``set_config&section=misc&keyword=&value=``; lists
comma-separated), categories with ``set_config&section=categories&name=`` and removed with
``del_config``. SABnzbd keeps its old value, without an error, when it cannot use a new one (a
folder the account it runs as cannot create, a number that is not one): every write is checked
against the value SABnzbd answers with.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six import integer_types
from ansible.module_utils.six.moves.urllib.parse import urlparse

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
        try:
            answer = self.http.get("/api", query=query)
        except ApiError as exc:
            if exc.status == 403:
                raise self._refusal(exc)
            raise
        if isinstance(answer, dict) and answer.get("status") is False:
            error = answer.get("error") or "failed"
            if "API Key" in str(error):
                raise ApiError("SABnzbd at %s refused the API key (%s). Use the full API key from [misc] api_key, "
                               "not the NZB key." % (self.url, error))
            subject = args.get("keyword") or args.get("name") or ""
            raise ApiError("SABnzbd at %s refused %s %s: %s" % (self.url, mode, subject, error))
        return answer

    def _refusal(self, exc):
        """The 403 answers of SABnzbd, each with what to do."""
        text = exc.body if isinstance(exc.body, str) else ""
        if "API Key" in text:
            return ApiError("SABnzbd at %s refused the API key (%s). Use the full API key from [misc] api_key in "
                            "sabnzbd.ini (Config > General), not the NZB key." % (self.url, text.strip()),
                            status=403, url=exc.url)
        if "Hostname verification failed" in text:
            host = urlparse(self.url).hostname
            return ApiError("SABnzbd at %s refuses the host name %s: it is not in SABnzbd's host_whitelist. Add %s to "
                            "host_whitelist in [misc] of sabnzbd.ini (Config > Special) and restart SABnzbd, or use "
                            "SABnzbd's IP address in the URL." % (self.url, host, host), status=403, url=exc.url)
        if "Access denied" in text:
            return ApiError("SABnzbd at %s denied access from this address (%s): check inet_exposure and local_ranges "
                            "in [misc] of sabnzbd.ini." % (self.url, text.strip()), status=403, url=exc.url)
        return exc

    def config(self):
        return self.call("get_config")["config"]

    def set_misc(self, keyword, value):
        answer = self.call("set_config", section="misc", keyword=keyword, value=sab_value(value))
        kept = ((answer or {}).get("config") or {}).get("misc", {})
        if keyword in kept and not same_value(kept[keyword], value):
            shown = ("(hidden)", "(hidden)") if keyword in SECRET_MISC else (sab_value(value), sab_value(kept[keyword]))
            raise ApiError("SABnzbd at %s did not take %s=%s and kept %s. SABnzbd keeps its old value when it cannot "
                           "use the new one: a folder the account SABnzbd runs as cannot create or write, or a value "
                           "of the wrong kind." % ((self.url, keyword) + shown))

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

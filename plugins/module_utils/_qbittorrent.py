# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""qBittorrent WebUI API v2: cookie session, form posts, preferences and categories.

Checked against qbittorrent-nox 4.5.2 (Debian 12, WebUI API 2.8.19):
``POST /api/v2/auth/login`` answers 200 with ``Ok.`` (and an ``SID`` cookie) or ``Fails.``, and
403 once the client's IP is banned after ``web_ui_max_auth_fail_count`` failures;
``/api/v2/app/setPreferences`` takes a form field ``json`` with any subset of the preferences;
``createCategory`` answers 409 when the category exists, ``editCategory`` 409 when it does not,
400 for an empty name; category save paths come back without a trailing slash.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import posixpath

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves import http_cookiejar

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient

# Preferences qBittorrent returns in clear that are secrets all the same.
SECRET_PREFERENCES = ("web_ui_password", "proxy_password", "mail_notification_password", "dyndns_password")
# Preferences the API reports but never takes (or that describe the running state).
READ_ONLY_PREFERENCES = ("current_interface_address",)


def connection_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["QBITTORRENT_URL"])),
        username=dict(type="str", default="admin", fallback=(env_fallback, ["QBITTORRENT_USERNAME"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["QBITTORRENT_PASSWORD"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def normalize_path(path):
    """qBittorrent stores paths without a trailing slash (``/data/torrents/tv/`` → ``/data/torrents/tv``)."""
    if not path:
        return path
    path = posixpath.normpath(path) if path.startswith("/") else path.rstrip("/\\")
    return path


class QBittorrentClient(object):
    def __init__(self, url, username=None, password=None, validate_certs=True, timeout=30, opener=None, secrets=()):
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        kwargs = dict(secrets=[password] + list(secrets), validate_certs=validate_certs, timeout=timeout,
                      cookies=http_cookiejar.CookieJar())
        if opener is not None:
            kwargs["opener"] = opener
        self._kwargs = kwargs
        self.http = JsonHttpClient(self.url, "qBittorrent", **kwargs)

    def _try_login(self, http, username, password):
        """True when qBittorrent answers ``Ok.``; False on ``Fails.``; ApiError on a ban (403) or an outage."""
        try:
            text = http.post("/api/v2/auth/login", form={"username": username or "", "password": password or ""},
                             expect_json=False)
        except ApiError as exc:
            if exc.status == 403:
                raise ApiError(
                    "qBittorrent at %s refuses logins from this address (HTTP 403): too many failed logins, the "
                    "IP is banned for web_ui_ban_duration seconds (default 3600). Fix the password, then wait or "
                    "restart qBittorrent." % self.url, status=403, url=exc.url)
            raise
        return text.strip() == "Ok."

    def login(self, fallback_passwords=()):
        """Log in with the connection password; then with each fallback (a password the run is about to set).

        No login is tried without a password (qBittorrent set to bypass auth for this subnet).
        Returns the password that worked (or None).
        """
        if not self.password:
            return None
        for password in [self.password] + [p for p in fallback_passwords if p and p != self.password]:
            if self._try_login(self.http, self.username, password):
                return password
        raise ApiError("qBittorrent at %s rejected the login of user %r (it answered 'Fails.'). Check username and "
                       "password; each failure counts towards qBittorrent's ban of this address." % (self.url, self.username))

    def password_works(self, username, password):
        """Log in on a separate session: does this username/password pair work right now?"""
        kwargs = dict(self._kwargs)
        kwargs.update(cookies=http_cookiejar.CookieJar(), secrets=self._kwargs["secrets"] + [password])
        other = JsonHttpClient(self.url, "qBittorrent", **kwargs)
        return self._try_login(other, username, password)

    def version(self):
        return self.http.get("/api/v2/app/version", expect_json=False)

    def preferences(self):
        return self.http.get("/api/v2/app/preferences")

    def set_preferences(self, changes):
        self.http.post("/api/v2/app/setPreferences", form={"json": json.dumps(changes)}, expect_json=False)

    def categories(self):
        return self.http.get("/api/v2/torrents/categories") or {}

    def create_category(self, name, save_path):
        self.http.post("/api/v2/torrents/createCategory", form={"category": name, "savePath": save_path or ""},
                       expect_json=False)

    def edit_category(self, name, save_path):
        self.http.post("/api/v2/torrents/editCategory", form={"category": name, "savePath": save_path or ""},
                       expect_json=False)

    def remove_category(self, name):
        self.http.post("/api/v2/torrents/removeCategories", form={"categories": name}, expect_json=False)


def client_from_params(params, secrets=()):
    return QBittorrentClient(params["url"], params["username"], params["password"],
                             validate_certs=params["validate_certs"], timeout=params["timeout"], secrets=secrets)


def validate_preferences(preferences):
    """Return an error message for keys that cannot be managed this way, or None."""
    if "web_ui_password" in preferences:
        return ("Do not put web_ui_password in preferences (it would be logged): give it as the option "
                "web_ui_password, which is no_log.")
    bad = sorted(k for k in preferences if k in READ_ONLY_PREFERENCES)
    if bad:
        return "These preferences are read-only in qBittorrent and cannot be set: %s" % ", ".join(bad)
    return None


def unknown_preferences(current, preferences):
    return sorted(k for k in preferences if k not in current)

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jellyseerr / Overseerr (``/api/v1``): first-run link to the media server, *arr servers.

Auth is ``X-Api-Key`` (``main.apiKey``, acting as user 1) once the first sign-in has made that
user, or the ``connect.sid`` cookie of a sign-in. The first sign-in (``POST /auth/jellyfin``
with hostname/port/urlBase/useSsl/serverType, or ``/auth/plex`` with a plex.tv token) makes the
administrator and links the media server; ``POST /settings/initialize`` ends the setup.
*arr servers: ``GET/POST /settings/{sonarr,radarr}``, ``PUT/DELETE .../{id}``; profile, root
folder and tag ids come from ``POST .../test``, which Seerr answers by asking the *arr app.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves import http_cookiejar

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import diff_keys

SERVER_TYPES = {"plex": 1, "jellyfin": 2, "emby": 3}
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
# Keys of a Seerr *arr server this module manages (the rest is kept as Seerr has it).
ARR_KEYS = ("name", "hostname", "port", "apiKey", "useSsl", "baseUrl", "activeProfileId", "activeProfileName",
            "activeDirectory", "tags", "is4k", "isDefault", "externalUrl", "syncEnabled", "preventSearch")


def connection_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["SEERR_URL"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["SEERR_API_KEY"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def is_local(hostname):
    host = (hostname or "").strip().lower()
    return host in LOCAL_NAMES or host.startswith("127.")


class SeerrClient(object):
    def __init__(self, url, api_key=None, validate_certs=True, timeout=30, secrets=(), opener=None):
        self.url = url.rstrip("/")
        kwargs = dict(validate_certs=validate_certs, timeout=timeout, secrets=[api_key] + list(secrets),
                      cookies=http_cookiejar.CookieJar())
        if opener is not None:
            kwargs["opener"] = opener
        self.http = JsonHttpClient(self.url + "/api/v1", "Seerr", **kwargs)
        self.api_key = api_key
        if api_key:
            self.http.headers["X-Api-Key"] = api_key

    def public(self):
        return self.http.get("/settings/public")

    def sign_in_jellyfin(self, username, password, link=None):
        """Sign in with a Jellyfin/Emby user; ``link`` (hostname, port, useSsl, urlBase, serverType, email) on first run."""
        body = dict(username=username, password=password or "")
        body.update(link or {})
        self.http.headers.pop("X-Api-Key", None)
        try:
            return self.http.post("/auth/jellyfin", body)
        except ApiError as exc:
            message = (exc.body or {}).get("message") if isinstance(exc.body, dict) else exc.body
            if message == "INVALID_URL" or (link and exc.status == 500):
                raise ApiError("Seerr at %s could not reach the media server at %s:%s to sign in (%s). The host name "
                               "must be one Seerr itself can resolve and reach (a service name)." % (
                                   self.url, (link or {}).get("hostname", "its configured address"),
                                   (link or {}).get("port", ""), message), status=exc.status)
            if exc.status in (401, 403):
                raise ApiError("Seerr at %s: the media server rejected the sign-in of %r (%s)." % (
                    self.url, username, message), status=exc.status)
            raise

    def sign_in_plex(self, token):
        self.http.headers.pop("X-Api-Key", None)
        return self.http.post("/auth/plex", {"authToken": token})

    def can_use_api_key(self):
        if not self.api_key:
            return False
        try:
            self.http.get("/auth/me")
            return True
        except ApiError as exc:
            if exc.status in (401, 403):
                return False
            raise

    def main_settings(self):
        return self.http.get("/settings/main")

    def media_settings(self, kind):
        return self.http.get("/settings/%s" % kind)

    def set_media_settings(self, kind, settings):
        """Set the media server's address. Only the keys given are sent: Seerr validates the body
        against its OpenAPI document, which marks ``name``, ``machineId``, ``serverID`` and
        ``libraries`` readOnly (a body carrying one is refused with 400), and merges the rest."""
        return self._post_reaching("/settings/%s" % kind, settings, kind, settings.get("ip"), settings.get("port"),
                                   "The host name must be one Seerr itself resolves and reaches (a service name), "
                                   "and for Plex the owner's token must be accepted by that server.")

    def _post_reaching(self, path, body, kind, host, port, advice):
        """POST to a route where Seerr calls another server; its 500 (the route's catch) names that server."""
        try:
            return self.http.post(path, body)
        except ApiError as exc:
            if exc.status == 500:
                raise ApiError("Seerr at %s could not connect to %s at %s:%s (%s). %s" % (
                    self.url, kind.capitalize(), host, port,
                    (exc.body or {}).get("message") if isinstance(exc.body, dict) else exc.body, advice), status=500)
            raise

    def sync_libraries(self, kind, keep_enabled):
        """Re-read the media server's libraries, keeping ``keep_enabled`` (ids) enabled.

        Seerr sets every library's ``enabled`` from ``?enable`` on EVERY call of
        ``/settings/{plex,jellyfin}/library`` (server/routes/settings/index.ts): a call without it
        disables them all. So a sync always carries the ids that are enabled now.
        """
        query = {"sync": "true", "enable": ",".join(keep_enabled)}
        return self.http.get("/settings/%s/library" % kind, query=query) or []

    def enable_libraries(self, kind, ids):
        return self.http.get("/settings/%s/library" % kind, query={"enable": ",".join(ids)})

    def servers(self, kind):
        return self.http.get("/settings/%s" % kind) or []

    def test_server(self, kind, server):
        body = dict((k, server.get(k)) for k in ("hostname", "port", "apiKey", "useSsl", "baseUrl"))
        return self._post_reaching("/settings/%s/test" % kind, body, kind, server.get("hostname"), server.get("port"),
                                   "Check the host name (one Seerr can resolve), port, URL base and API key.")

    def add_server(self, kind, server):
        return self.http.post("/settings/%s" % kind, server)

    def update_server(self, kind, server_id, server):
        return self.http.put("/settings/%s/%s" % (kind, server_id), server)

    def delete_server(self, kind, server_id):
        return self.http.delete("/settings/%s/%s" % (kind, server_id))

    def initialize(self):
        return self.http.post("/settings/initialize")


def resolve_server(kind, wanted, lookup):
    """Turn the module's server (names) into Seerr's body (ids), using the answer of ``/test``. Pure."""
    profiles = dict((p.get("name"), p.get("id")) for p in lookup.get("profiles", []))
    if wanted["quality_profile"] not in profiles:
        raise ValueError("%s %s has no quality profile named %r (it has: %s)" % (
            kind.capitalize(), wanted["name"], wanted["quality_profile"], ", ".join(sorted(map(str, profiles))) or "none"))
    folders = [posixpath.normpath(f.get("path", "")) for f in lookup.get("rootFolders", [])]
    root = posixpath.normpath(wanted["root_folder"])
    if root not in folders:
        raise ValueError("%s %s has no root folder %s (it has: %s). Add it in %s first." % (
            kind.capitalize(), wanted["name"], root, ", ".join(folders) or "none", kind.capitalize()))
    tags = dict((t.get("label"), t.get("id")) for t in lookup.get("tags", []))
    missing = [t for t in wanted.get("tags") or [] if t not in tags]
    if missing:
        raise ValueError("%s %s has no tag %s (it has: %s)" % (
            kind.capitalize(), wanted["name"], ", ".join(missing), ", ".join(sorted(map(str, tags))) or "none"))
    body = dict(
        name=wanted["name"], hostname=wanted["hostname"], port=wanted["port"], apiKey=wanted["api_key"],
        useSsl=wanted["use_ssl"], baseUrl=wanted["base_url"] or "",
        activeProfileId=profiles[wanted["quality_profile"]], activeProfileName=wanted["quality_profile"],
        activeDirectory=root, tags=[tags[t] for t in wanted.get("tags") or []],
        is4k=wanted["is_4k"], isDefault=wanted["is_default"], externalUrl=wanted.get("external_url") or "",
        syncEnabled=wanted["sync_enabled"], preventSearch=wanted["prevent_search"],
    )
    if kind == "radarr":
        body["minimumAvailability"] = wanted.get("minimum_availability") or "released"
    else:
        # Jellyseerr validates the body against its OpenAPI document: enableSeasonFolders is a required
        # boolean (null is refused with 400), so an unset option means the default, on.
        season_folders = wanted.get("season_folders")
        body["enableSeasonFolders"] = True if season_folders is None else bool(season_folders)
        body["seriesType"] = wanted.get("series_type") or "standard"
        body["animeSeriesType"] = body["seriesType"] if body["seriesType"] == "anime" else "anime"
        language = wanted.get("language_profile")
        if language:
            languages = dict((p.get("name"), p.get("id")) for p in lookup.get("languageProfiles") or [])
            if language not in languages:
                raise ValueError("Sonarr %s has no language profile %r" % (wanted["name"], language))
            body["activeLanguageProfileId"] = languages[language]
    return body


def reconcile_libraries(client, kind, media_settings, names, check_mode):
    """Enable the libraries named in ``names`` (all when None) and no other.

    ``kind`` is ``plex`` or ``jellyfin`` (Emby too). The libraries as they are come from
    ``media_settings`` (``GET /settings/<kind>``, no side
    effect). Outside check mode they are synced from the media server first, keeping the enabled
    ones enabled; in check mode nothing is called. Returns (libraries, enabled now, enabled wanted,
    unknown names).
    """
    known = media_settings.get("libraries") or []
    keep = [lib["id"] for lib in known if lib.get("enabled")]
    libraries = known if check_mode else client.sync_libraries(kind, keep)
    unknown = sorted(set(names or []) - set(lib["name"] for lib in libraries)) if names is not None else []
    enabled_now = sorted(lib["name"] for lib in libraries if lib.get("enabled"))
    enabled_wanted = sorted(lib["name"] for lib in libraries if names is None or lib["name"] in names)
    if not unknown and enabled_now != enabled_wanted and not check_mode:
        client.enable_libraries(kind, [lib["id"] for lib in libraries if lib["name"] in enabled_wanted])
    return libraries, enabled_now, enabled_wanted, unknown


def server_changes(current, body):
    return diff_keys(current, body)


def mask_server(server):
    return dict((k, "********" if k == "apiKey" and v else v) for k, v in server.items())

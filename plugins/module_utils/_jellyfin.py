# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jellyfin API: the first-run wizard, sign-in, API keys and libraries (virtual folders).

From Jellyfin's public API (api.jellyfin.org): ``/Startup/*`` is open to anyone until
``/Startup/Complete`` and to administrators afterwards; ``GET /Startup/User`` must come before
``POST /Startup/User`` (it makes the first user); writes answer 204 with no body; a token goes
in ``Authorization: MediaBrowser Token="..."``; ``POST /Auth/Keys?app=`` answers 204 and the key
is then read from ``GET /Auth/Keys``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.module_utils.basic import env_fallback

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient

CLIENT = 'MediaBrowser Client="homelab.mediastack", Device="ansible", DeviceId="homelab-mediastack", Version="1.0"'
COLLECTION_TYPES = ["movies", "tvshows", "music", "musicvideos", "homevideos", "boxsets", "books", "mixed"]


def connection_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["JELLYFIN_URL"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["JELLYFIN_API_KEY"])),
        username=dict(type="str"),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["JELLYFIN_PASSWORD"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


class JellyfinClient(object):
    def __init__(self, url, token=None, validate_certs=True, timeout=30, secrets=(), opener=None):
        self.url = url.rstrip("/")
        self._kwargs = dict(validate_certs=validate_certs, timeout=timeout, secrets=[token] + list(secrets))
        if opener is not None:
            self._kwargs["opener"] = opener
        self.http = None
        self.use_token(token)

    def use_token(self, token):
        auth = CLIENT + (', Token="%s"' % token if token else "")
        secrets = list(self._kwargs["secrets"]) + [token]
        kwargs = dict(self._kwargs)
        kwargs["secrets"] = secrets
        self.http = JsonHttpClient(self.url, "Jellyfin", headers={"Authorization": auth}, **kwargs)
        self._kwargs["secrets"] = secrets

    def public_info(self):
        return self.http.get("/System/Info/Public")

    def authenticate(self, username, password):
        """Sign in; switch this client to the session token; return the user."""
        try:
            answer = self.http.post("/Users/AuthenticateByName", {"Username": username, "Pw": password or ""})
        except ApiError as exc:
            if exc.status == 401:
                raise ApiError("Jellyfin at %s rejected the sign-in of %r (HTTP 401): wrong user name or password."
                               % (self.url, username), status=401)
            raise
        self.use_token(answer["AccessToken"])
        return answer["User"]

    # First-run wizard
    def startup_configuration(self):
        return self.http.get("/Startup/Configuration")

    def run_wizard(self, admin_username, admin_password, configuration, remote_access):
        self.http.post("/Startup/Configuration", configuration)
        self.http.get("/Startup/User")  # makes the first user; the POST below renames it
        self.http.post("/Startup/User", {"Name": admin_username, "Password": admin_password})
        self.http.post("/Startup/RemoteAccess", remote_access)
        self.http.post("/Startup/Complete")

    # API keys
    def api_keys(self):
        return (self.http.get("/Auth/Keys") or {}).get("Items", [])

    def create_api_key(self, app):
        self.http.post("/Auth/Keys", query={"app": app})

    # Libraries
    def libraries(self):
        return self.http.get("/Library/VirtualFolders") or []

    def add_library(self, name, collection_type, paths, refresh=False):
        query = [("name", name), ("collectionType", collection_type), ("refreshLibrary", str(refresh).lower())]
        query.extend(("paths", p) for p in paths)
        try:
            self.http.post("/Library/VirtualFolders", {"LibraryOptions": {}}, query=query)
        except ApiError as exc:
            # Jellyfin refuses a folder that does not exist with ArgumentException (HTTP 400, body
            # "Error processing request."; LibraryManager.AddVirtualFolder): name the folders to check.
            if exc.status == 400:
                raise ApiError("Jellyfin at %s refused to create library %s with %s (HTTP 400). Jellyfin answers so when "
                               "a folder does not exist on its host: create it (or mount it into Jellyfin's container) "
                               "first." % (self.url, name, ", ".join(paths) or "no folder"), status=400)
            raise _missing_folder(exc, paths)

    def remove_library(self, name, refresh=False):
        self.http.delete("/Library/VirtualFolders", query={"name": name, "refreshLibrary": str(refresh).lower()})

    def add_path(self, name, path, refresh=False):
        try:
            self.http.post("/Library/VirtualFolders/Paths", {"Name": name, "PathInfo": {"Path": path}},
                           query={"refreshLibrary": str(refresh).lower()})
        except ApiError as exc:
            raise _missing_folder(exc, [path])

    def remove_path(self, name, path, refresh=False):
        self.http.delete("/Library/VirtualFolders/Paths",
                         query={"name": name, "path": path, "refreshLibrary": str(refresh).lower()})


def _missing_folder(exc, paths):
    """Jellyfin answers 404 when a library folder does not exist on its host: say so."""
    if exc.status == 404:
        return ApiError("Jellyfin cannot find %s on its host (HTTP 404: %s). Create the folder (or mount it into "
                        "Jellyfin's container) first." % (", ".join(paths), exc.body or "not found"), status=404)
    return exc


def client_from_params(params):
    """A signed-in client: the API key, or a session of username/password."""
    client = JellyfinClient(params["url"], params.get("api_key"), validate_certs=params["validate_certs"],
                            timeout=params["timeout"], secrets=[params.get("password")])
    if not params.get("api_key"):
        if not (params.get("username") and params.get("password") is not None):
            raise ApiError("Give Jellyfin an api_key, or username and password of an administrator.")
        client.authenticate(params["username"], params["password"])
    return client


def normalize_path(path):
    return posixpath.normpath(path) if path and path.startswith("/") else path


def library_view(folder):
    return dict(name=folder.get("Name"), collection_type=folder.get("CollectionType") or "mixed",
                paths=[normalize_path(p) for p in folder.get("Locations") or []])


def plan_library_paths(current_paths, wanted_paths, purge):
    """``(to_add, to_remove)`` for one library; pure."""
    current = [normalize_path(p) for p in current_paths]
    wanted = [normalize_path(p) for p in wanted_paths]
    to_add = [p for p in wanted if p not in current]
    to_remove = [p for p in current if p not in wanted] if purge else []
    return to_add, to_remove

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jellyseerr / Seerr API stand-in (test equipment, python3 stdlib only; never imported by the collection).

Written from Jellyseerr's source (Fallenbagel/jellyseerr: server/routes, server/middleware,
jellyseerr-api.yml) and its successor Seerr's (seerr-team/seerr: the same files, seerr-api.yml),
not from this collection's modules: every behaviour rule below names the upstream file it
follows. Covered: ``POST /auth/jellyfin`` (the first sign-in links the Jellyfin server, makes the
admin user and a Jellyfin API key, by real HTTP calls to the Jellyfin named there), ``POST
/auth/plex`` (the plex.tv account of a token makes the admin user), ``connect.sid`` sessions and
``X-Api-Key``, ``/status``, ``/settings/public``, ``/settings/main``, ``/settings/jellyfin``,
``/settings/jellyfin/library``, ``/settings/plex`` and ``/settings/plex/library`` (real HTTP calls
to the Plex server named there, with the admin's Plex token), ``/settings/{sonarr,radarr}`` and
their ``/test``, ``/settings/initialize``.

What Seerr would ask other services is described in the stand-in's config file, because the
tests run none of them: ``arr_servers`` (``host:port`` -> kind, apiKey, profiles, rootFolders,
tags, and languageProfiles for a Sonarr v3) and ``plextv_accounts`` (token -> the account
plex.tv's ``/users/account.json`` answers: id, email, username, thumb). State lives in a JSON file
(like settings.json).
"""

import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlparse
from urllib.request import Request, urlopen

STATE_FILE = os.environ.get("SEERR_STANDIN_STATE", "/var/lib/seerr-standin/settings.json")
CONFIG_FILE = os.environ.get("SEERR_STANDIN_CONFIG", "/etc/seerr-standin/config.json")
PORT = int(os.environ.get("SEERR_STANDIN_PORT", "5055"))
LOCK = threading.Lock()
# server/constants/server.ts MediaServerType.
PLEX, JELLYFIN, EMBY, NOT_CONFIGURED = 1, 2, 3, 4
# jellyseerr-api.yml components.schemas.{SonarrSettings,RadarrSettings}: "required" and the types
# express-openapi-validator checks before the route runs (server/index.ts, validateRequests: true).
ARR_REQUIRED = {
    "sonarr": [("name", str), ("hostname", str), ("port", (int, float)), ("apiKey", str), ("useSsl", bool),
               ("activeProfileId", (int, float)), ("activeProfileName", str), ("activeDirectory", str),
               ("is4k", bool), ("enableSeasonFolders", bool), ("isDefault", bool)],
    "radarr": [("name", str), ("hostname", str), ("port", (int, float)), ("apiKey", str), ("useSsl", bool),
               ("activeProfileId", (int, float)), ("activeProfileName", str), ("activeDirectory", str),
               ("is4k", bool), ("minimumAvailability", str), ("isDefault", bool)],
}
# jellyseerr-api.yml paths./settings/{sonarr,radarr}/test requestBody "required".
ARR_TEST_REQUIRED = [("hostname", str), ("port", (int, float)), ("apiKey", str), ("useSsl", bool)]
# jellyseerr-api.yml paths./auth/jellyfin requestBody "required".
AUTH_JELLYFIN_REQUIRED = [("username", str), ("password", str)]
# seerr-api.yml /auth/plex requestBody "required": [authToken].
AUTH_PLEX_REQUIRED = [("authToken", str)]
# seerr-api.yml components.schemas.PlexSettings / JellyfinSettings: the properties marked readOnly.
# express-openapi-validator (4.13, validateRequests) refuses a request body that carries one with a
# value ("request/body/<name> is read-only", 400) and drops them from "required" for requests.
READ_ONLY = {"plex": ["name", "machineId", "libraries"], "jellyfin": ["name", "libraries", "serverID"]}
# seerr-api.yml PlexSettings "required" minus its readOnly properties.
PLEX_SETTINGS_REQUIRED = [("ip", str), ("port", (int, float))]
# server/api/plexapi.ts syncLibraries: only movie and show sections, and not those without an agent.
PLEX_LIBRARY_TYPES = ["movie", "show"]
PLEX_NO_AGENT = "com.plexapp.agents.none"
# server/api/jellyfin.ts mapLibraries: collection types Jellyseerr leaves out of its library list.
EXCLUDED_LIBRARY_TYPES = ["music", "books", "musicvideos", "homevideos", "boxsets"]
JF_CLIENT = 'MediaBrowser Client="Jellyseerr", Device="Jellyseerr", DeviceId="seerr-standin", Version="2.5.2"'


def initial_state():
    # server/lib/settings/index.ts defaults: not initialized, no media server, newPlexLogin on,
    # defaultPermissions REQUEST (32); main.apiKey made at first start.
    return {
        "public": {"initialized": False},
        # server/lib/settings/index.ts generateApiKey: process.env.API_KEY when set, else a random key.
        "main": {"apiKey": os.environ.get("API_KEY") or uuid.uuid4().hex + uuid.uuid4().hex[:8],
                 "applicationTitle": "Jellyseerr",
                 "applicationUrl": "", "mediaServerType": NOT_CONFIGURED, "localLogin": True,
                 "newPlexLogin": True, "defaultPermissions": 32},
        # server/lib/settings/index.ts defaults of settings.plex.
        "plex": {"name": "", "ip": "", "port": 32400, "useSsl": False, "libraries": []},
        "jellyfin": {"name": "", "ip": "", "port": 8096, "useSsl": False, "urlBase": "", "externalHostname": "",
                     "jellyfinForgotPasswordUrl": "", "libraries": [], "serverId": "", "apiKey": ""},
        "sonarr": [],
        "radarr": [],
        "users": [],
        "sessions": {},
    }


def load():
    if os.path.exists(STATE_FILE):
        with open(STATE_FILE) as handle:
            state = json.load(handle)
        # server/lib/settings/index.ts load: a set API_KEY replaces the stored main.apiKey at every start.
        if os.environ.get("API_KEY"):
            state["main"]["apiKey"] = os.environ["API_KEY"]
        # A state file from before the Plex routes: settings.plex takes its defaults (as settings.json does).
        state.setdefault("plex", initial_state()["plex"])
        return state
    state = initial_state()
    save(state)
    return state


def save(state):
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(tmp, STATE_FILE)


def config():
    if os.path.exists(CONFIG_FILE):
        with open(CONFIG_FILE) as handle:
            return json.load(handle)
    return {}


def openapi_errors(body, required):
    """express-openapi-validator's answer to a body that misses or mistypes a required property."""
    errors = []
    for key, kind in required:
        if key not in body:
            errors.append({"path": "/body/" + key, "message": "must have required property '%s'" % key,
                           "errorCode": "required.openapi.validation"})
        elif not isinstance(body[key], kind) or (kind is not bool and isinstance(body[key], bool)):
            name = "boolean" if kind is bool else "string" if kind is str else "number"
            errors.append({"path": "/body/" + key, "message": "must be " + name, "errorCode": "type.openapi.validation"})
    if not errors:
        return None
    # The message names /body for a missing property and /body/<key> for a mistyped one.
    message = ", ".join("request%s %s" % ("/body" if e["errorCode"].startswith("required") else e["path"], e["message"])
                        for e in errors)
    return {"message": message, "errors": errors}


def read_only_errors(body, kind):
    """express-openapi-validator's answer to a body that sets a readOnly property (see READ_ONLY)."""
    errors = [{"path": "/body/" + key, "message": "is read-only", "errorCode": "readOnly.openapi.validation"}
              for key in READ_ONLY[kind] if body.get(key) is not None]
    if not errors:
        return None
    return {"message": ", ".join("request%s %s" % (e["path"], e["message"]) for e in errors), "errors": errors}


def plextv_account(token):
    """server/api/plextv.ts getUser: plex.tv's /users/account.json for a token (from the config file)."""
    account = config().get("plextv_accounts", {}).get(token or "")
    if account is None:
        # getUser: any failure -> Error('Invalid auth token').
        raise ValueError("Invalid auth token")
    return dict(account, authToken=account.get("authToken", token))


def plex_call(settings, path, token):
    """server/api/plexapi.ts: the Plex server at settings.plex (http(s)://ip:port), X-Plex-Token header."""
    url = "%s://%s:%s%s" % ("https" if settings.get("useSsl") else "http", settings["ip"], settings["port"], path)
    request = Request(url, headers={"X-Plex-Token": token or "", "X-Plex-Product": "Seerr",
                                    "Accept": "application/json"})
    with urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode())


def jellyfin_call(settings, method, path, body=None, token=None):
    """Call the Jellyfin server Seerr is linked to (a real HTTP call, by the host name given)."""
    url = "%s://%s:%s%s%s" % ("https" if settings["useSsl"] else "http", settings["ip"], settings["port"],
                              settings.get("urlBase") or "", path)
    auth = JF_CLIENT + (', Token="%s"' % token if token else "")
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, method=method, headers={"Authorization": auth, "Content-Type": "application/json"})
    with urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw.decode()) if raw else None


class Handler(BaseHTTPRequestHandler):
    server_version = "Express"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _send(self, status, body=None, cookie=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if cookie:
            self.send_header("Set-Cookie", "connect.sid=%s; Path=/; HttpOnly; SameSite=Lax" % cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _user(self, state):
        # server/middleware/auth.ts checkUser: X-API-Key equal to main.apiKey acts as user 1 (who exists
        # only after the first sign-in); otherwise the session of the connect.sid cookie.
        key = self.headers.get("X-Api-Key")
        if key:
            # Seerr: a valid API key acts as user 1 (the owner), who exists only after the first sign-in.
            return state["users"][0] if key == state["main"]["apiKey"] and state["users"] else None
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _sep, value = part.strip().partition("=")
            if name == "connect.sid" and value in state["sessions"]:
                user_id = state["sessions"][value]
                return next((u for u in state["users"] if u["id"] == user_id), None)
        return None

    def _dispatch(self, method):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        path = url.path.rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode()) if raw else {}
        except ValueError:
            # express.json() (body-parser) SyntaxError -> server/index.ts error handler: status 400, message.
            return self._send(400, {"message": "Unexpected token in JSON at position 0"})
        with LOCK:
            state = load()
            result = self.route(state, method, path, query, body)
            status, answer = result[0], result[1]
            cookie = result[2] if len(result) > 2 else None
            # The library GETs save settings too (settings.save() in both routes).
            if method != "GET" or path.endswith(("/settings/jellyfin/library", "/settings/plex/library")):
                save(state)
        self._send(status, answer, cookie)

    def route(self, state, method, path, query, body):
        if not path.startswith("/api/v1"):
            return 404, {"message": "Not found"}
        path = path[len("/api/v1"):]
        # server/routes/index.ts GET /status: version information, anonymous.
        if path == "/status" and method == "GET":
            return 200, {"version": "2.5.2", "commitTag": "standin", "updateAvailable": False, "commitsBehind": 0,
                         "restartRequired": False}
        # server/routes/index.ts GET /settings/public: anonymous.
        if path == "/settings/public" and method == "GET":
            return 200, {"initialized": state["public"]["initialized"], "applicationTitle": state["main"]["applicationTitle"],
                         "mediaServerType": state["main"]["mediaServerType"], "localLogin": state["main"]["localLogin"]}
        if path == "/auth/jellyfin" and method == "POST":
            invalid = openapi_errors(body, AUTH_JELLYFIN_REQUIRED)
            if invalid:
                return 400, invalid
            return self.auth_jellyfin(state, body)
        # server/routes/auth.ts POST /plex: anonymous (security: [] in seerr-api.yml).
        if path == "/auth/plex" and method == "POST":
            invalid = openapi_errors(body, AUTH_PLEX_REQUIRED)
            if invalid:
                return 400, invalid
            return self.auth_plex(state, body)
        user = self._user(state)
        # server/middleware/auth.ts isAuthenticated: no user (or no permission) -> 403 {status, error}.
        if user is None:
            return 403, {"status": 403, "error": "You do not have permission to access this endpoint"}
        if path == "/auth/me":
            # server/routes/auth.ts GET /me: user.filter() (no Plex token in the answer).
            return 200, dict((k, v) for k, v in user.items() if k != "plexToken")
        # server/routes/settings/index.ts GET /main: main settings (the admin sees apiKey); POST merges
        # the whole body into main (lodash merge) and answers main.
        if path == "/settings/main":
            if method == "POST":
                for key, value in body.items():
                    if isinstance(value, dict) and isinstance(state["main"].get(key), dict):
                        state["main"][key].update(value)
                    else:
                        state["main"][key] = value
            return 200, state["main"]
        # server/routes/settings/index.ts POST /initialize: public.initialized = true, answers public.
        if path == "/settings/initialize" and method == "POST":
            state["public"]["initialized"] = True
            return 200, state["public"]
        if path == "/settings/plex":
            # server/routes/settings/index.ts GET /plex answers settings.plex as stored.
            if method == "POST":
                invalid = read_only_errors(body, "plex") or openapi_errors(body, PLEX_SETTINGS_REQUIRED)
                if invalid:
                    return 400, invalid
                return self.plex_save(state, body)
            return 200, state["plex"]
        if path == "/settings/plex/library" and method == "GET":
            return self.plex_libraries(state, query)
        if path == "/settings/jellyfin":
            # GET answers settings.jellyfin as stored, apiKey included (no filter in the route).
            if method == "POST":
                invalid = read_only_errors(body, "jellyfin")
                if invalid:
                    return 400, invalid
                # POST tests the merged address with Jellyfin's /System/Info first; then Object.assign.
                merged = dict(state["jellyfin"], **body)
                try:
                    info = jellyfin_call(merged, "GET", "/System/Info/Public")
                except (HTTPError, URLError, OSError, ValueError):
                    return 500, {"message": "INVALID_URL"}
                state["jellyfin"].update(body)
                state["jellyfin"].update(serverId=info.get("Id", ""), name=info.get("ServerName", ""))
            return 200, state["jellyfin"]
        if path == "/settings/jellyfin/library" and method == "GET":
            return self.libraries(state, query)
        for kind in ("sonarr", "radarr"):
            if path == "/settings/%s/test" % kind and method == "POST":
                invalid = openapi_errors(body, ARR_TEST_REQUIRED)
                if invalid:
                    return 400, invalid
                return self.arr_test(kind, body)
            if path == "/settings/" + kind:
                if method == "GET":
                    return 200, state[kind]
                if method == "POST":
                    invalid = openapi_errors(body, ARR_REQUIRED[kind])
                    if invalid:
                        return 400, invalid
                    return self.arr_save(state, kind, None, body)
            if path.startswith("/settings/%s/" % kind):
                try:
                    server_id = int(path.rsplit("/", 1)[1])
                except ValueError:
                    return 404, {"message": "Not found"}
                if method == "PUT":
                    invalid = openapi_errors(body, ARR_REQUIRED[kind])
                    if invalid:
                        return 400, invalid
                if method in ("PUT", "DELETE"):
                    return self.arr_save(state, kind, server_id, body, delete=method == "DELETE")
        return 404, {"message": "Not found"}

    def auth_jellyfin(self, state, body):
        """server/routes/auth.ts POST /auth/jellyfin, in its order of checks."""
        username, password = body.get("username"), body.get("password")
        settings = state["jellyfin"]
        if not username:
            return 500, {"error": "You must provide an username"}
        if settings["ip"] and body.get("hostname"):
            return 500, {"error": "Jellyfin hostname already configured"}
        if not settings["ip"] and not body.get("hostname"):
            return 500, {"error": "No hostname provided."}
        first = state["main"]["mediaServerType"] == NOT_CONFIGURED or not state["users"]
        if not settings["ip"]:
            settings = dict(settings, ip=body["hostname"], port=body.get("port") or 8096,
                            useSsl=bool(body.get("useSsl")), urlBase=body.get("urlBase") or "")
        # server/api/jellyfin.ts login: no answer -> ApiError(404, INVALID_URL); 401 -> INVALID_CREDENTIALS;
        # any other failure -> the route's default: 500 "Something went wrong.".
        try:
            answer = jellyfin_call(settings, "POST", "/Users/AuthenticateByName", {"Username": username, "Pw": password or ""})
        except HTTPError as exc:
            if exc.code == 401:
                return 401, {"message": "INVALID_CREDENTIALS"}
            return 500, {"message": "Something went wrong."}
        except (URLError, OSError, ValueError):
            return 404, {"message": "INVALID_URL"}
        user = next((u for u in state["users"] if u.get("jellyfinUserId") == answer["User"]["Id"]), None)
        if first:
            # ... the first sign-in must be a Jellyfin administrator (403 NOT_ADMIN) and name the server
            # type Jellyfin or Emby (500 NO_ADMIN_USER); it makes user 1 and a Jellyfin API key
            # ("Jellyseerr", read back from /Auth/Keys) and stores the address it signed in at.
            if not answer["User"].get("Policy", {}).get("IsAdministrator"):
                return 403, {"message": "NOT_ADMIN"}
            if body.get("serverType") not in (JELLYFIN, EMBY):
                return 500, {"message": "NO_ADMIN_USER"}
            state["main"]["mediaServerType"] = body["serverType"]
            token = answer["AccessToken"]
            jellyfin_call(settings, "POST", "/Auth/Keys?app=Jellyseerr", token=token)
            keys = jellyfin_call(settings, "GET", "/Auth/Keys", token=token)["Items"]
            settings.update(serverId=answer["User"].get("ServerId") or answer.get("ServerId", ""), name="Jellyfin",
                            apiKey=[k for k in keys if k["AppName"] == "Jellyseerr"][-1]["AccessToken"])
            state["jellyfin"] = settings
            if user is None:
                state["users"] = [u for u in state["users"] if u["id"] != 1]
                user = {"id": 1, "email": body.get("email") or answer["User"]["Name"],
                        "jellyfinUsername": answer["User"]["Name"], "jellyfinUserId": answer["User"]["Id"],
                        "permissions": 2, "userType": 3 if body["serverType"] == JELLYFIN else 4}
                state["users"].insert(0, user)
        elif user is None:
            # ... later sign-ins of a Jellyfin user unknown here: main.newPlexLogin (default true) makes a
            # new user with the default permissions; with it off, 403 "Access denied.".
            if not state["main"].get("newPlexLogin", True):
                return 403, {"message": "Access denied."}
            user = {"id": max(u["id"] for u in state["users"]) + 1, "email": body.get("email"),
                    "jellyfinUsername": answer["User"]["Name"], "jellyfinUserId": answer["User"]["Id"],
                    "permissions": state["main"].get("defaultPermissions", 32), "userType": 3}
            state["users"].append(user)
        sid = uuid.uuid4().hex
        state["sessions"][sid] = user["id"]
        return 200, user, sid

    def auth_plex(self, state, body):
        """server/routes/auth.ts POST /auth/plex, in its order of checks."""
        main = state["main"]
        if main["mediaServerType"] != NOT_CONFIGURED and (
                main.get("mediaServerLogin") is False or main["mediaServerType"] != PLEX):
            return 500, {"error": "Plex login is disabled"}
        try:
            account = plextv_account(body["authToken"])
        except ValueError:
            # The route's catch: any failure (plex.tv refusing the token included) -> 500.
            return 500, {"message": "Unable to authenticate."}
        email = (account.get("email") or "").lower()
        user = next((u for u in state["users"] if u.get("plexId") == account["id"]
                     or (u.get("email") or "").lower() == email), None)
        if user is None and not state["users"]:
            # No user yet: the account becomes user 1 (admin, permissions ADMIN = 2) with the token
            # plex.tv gave, and the media server type becomes Plex.
            user = {"id": 1, "email": account.get("email"), "plexUsername": account.get("username"),
                    "plexId": account["id"], "plexToken": account["authToken"], "permissions": 2, "userType": 1}
            state["users"].append(user)
            main["mediaServerType"] = PLEX
        else:
            admin = next(u for u in state["users"] if u["id"] == 1)
            # checkUserAccess (the admin's shared users on plex.tv) is not stood in: only the admin's
            # own account, or an e-mail match with an admin that has no plexId, gets in.
            if not (account["id"] == admin.get("plexId") or (account.get("email") == admin.get("email")
                                                             and not admin.get("plexId"))):
                return 403, {"message": "Access denied."}
            if user is not None:
                user.update(plexToken=body["authToken"], plexId=account["id"], email=account.get("email"),
                            plexUsername=account.get("username"), userType=1)
            elif not main.get("newPlexLogin", True):
                return 403, {"message": "Access denied."}
            else:
                user = {"id": max(u["id"] for u in state["users"]) + 1, "email": account.get("email"),
                        "plexUsername": account.get("username"), "plexId": account["id"],
                        "plexToken": account["authToken"], "permissions": main.get("defaultPermissions", 32),
                        "userType": 1}
                state["users"].append(user)
        sid = uuid.uuid4().hex
        state["sessions"][sid] = user["id"]
        # user.filter(): the token is not answered.
        return 200, dict((k, v) for k, v in user.items() if k != "plexToken"), sid

    def plex_save(self, state, body):
        """server/routes/settings/index.ts POST /plex: Object.assign, then the server's / with the admin's token."""
        admin = next((u for u in state["users"] if u["id"] == 1), None)
        if admin is None:
            # userRepository.findOneOrFail throws -> the route's catch.
            return 500, {"message": "Unable to connect to Plex."}
        # Object.assign(settings.plex, req.body) happens before the check, in memory; only a save writes it.
        merged = dict(state["plex"], **body)
        try:
            status = plex_call(merged, "/", admin.get("plexToken"))
            machine = status["MediaContainer"]["machineIdentifier"]
        except (HTTPError, URLError, OSError, ValueError, KeyError, TypeError):
            # No machineIdentifier ('Server not found') or no answer -> 500 'Unable to connect to Plex.'.
            return 500, {"message": "Unable to connect to Plex."}
        merged.update(machineId=machine, name=status["MediaContainer"].get("friendlyName", ""))
        state["plex"] = merged
        return 200, merged

    def plex_libraries(self, state, query):
        """server/routes/settings/index.ts GET /plex/library (sync: server/api/plexapi.ts syncLibraries)."""
        settings = state["plex"]
        if "sync" in query:
            admin = next((u for u in state["users"] if u["id"] == 1), {})
            try:
                sections = plex_call(settings, "/library/sections", admin.get("plexToken"))["MediaContainer"]["Directory"]
                # A library keeps "enabled" when one with the same id and name was there.
                settings["libraries"] = [
                    {"id": d["key"], "name": d["title"], "type": d["type"],
                     "enabled": any(lib["id"] == d["key"] and lib["name"] == d["title"] and lib.get("enabled")
                                    for lib in settings["libraries"])}
                    for d in sections if d.get("type") in PLEX_LIBRARY_TYPES and d.get("agent") != PLEX_NO_AGENT]
            except (HTTPError, URLError, OSError, ValueError, KeyError, TypeError):
                # syncLibraries catches every failure: the libraries become [] and the route answers 200.
                settings["libraries"] = []
        # Every call sets "enabled" from ?enable, as for Jellyfin: a call without it disables them all.
        wanted = [i for i in (query.get("enable") or [""])[0].split(",") if i]
        for lib in settings["libraries"]:
            lib["enabled"] = lib["id"] in wanted
        return 200, settings["libraries"]

    def libraries(self, state, query):
        """server/routes/settings/index.ts GET /jellyfin/library."""
        settings = state["jellyfin"]
        if "sync" in query:
            # ?sync: the libraries from Jellyfin's /Library/MediaFolders (server/api/jellyfin.ts
            # getLibraries/mapLibraries: CollectionFolder items minus the excluded types; "movies" ->
            # movie, anything else -> show); none -> 404 SYNC_ERROR_NO_LIBRARIES.
            try:
                folders = jellyfin_call(settings, "GET", "/Library/MediaFolders", token=settings["apiKey"])["Items"]
            except (HTTPError, URLError, OSError, ValueError, KeyError, TypeError):
                folders = []
            found = [f for f in folders if f.get("Type") == "CollectionFolder"
                     and f.get("CollectionType") not in EXCLUDED_LIBRARY_TYPES]
            if not found:
                return 404, {"message": "SYNC_ERROR_NO_LIBRARIES"}
            settings["libraries"] = [{"id": f["Id"], "name": f["Name"],
                                      "type": "movie" if f.get("CollectionType") == "movies" else "show",
                                      "enabled": False} for f in found]
        # Every call, with or without ?sync, sets "enabled" from ?enable (comma-separated ids): a call
        # without ?enable disables every library.
        wanted = [i for i in (query.get("enable") or [""])[0].split(",") if i]
        for lib in settings["libraries"]:
            lib["enabled"] = lib["id"] in wanted
        return 200, settings["libraries"]

    def arr_test(self, kind, body):
        """server/routes/settings/sonarr.ts (radarr.ts) POST /test."""
        server = config().get("arr_servers", {}).get("%s:%s" % (body.get("hostname"), body.get("port")))
        # Any failure reaching the app (unknown host, wrong key) -> next({status: 500, message}).
        if not server or server.get("kind") != kind or server.get("apiKey") != body.get("apiKey"):
            return 500, {"message": "Failed to connect to %s" % kind.capitalize()}
        # rootFolders reduced to id and path; urlBase from the app's system status.
        answer = {"profiles": server.get("profiles", []),
                  "rootFolders": [{"id": f["id"], "path": f["path"]} for f in server.get("rootFolders", [])],
                  "tags": server.get("tags", []), "urlBase": body.get("baseUrl") or ""}
        if kind == "sonarr":
            # languageProfiles only from Sonarr v3 (sonarrMajorVersion <= 3), null from v4.
            answer["languageProfiles"] = server.get("languageProfiles")
        return 200, answer

    def arr_save(self, state, kind, server_id, body, delete=False):
        """server/routes/settings/sonarr.ts (radarr.ts) POST /, PUT /:id, DELETE /:id."""
        servers = state[kind]
        if server_id is not None:
            found = next((s for s in servers if s["id"] == server_id), None)
            if found is None:
                # status is the string '404' in this answer.
                return 404, {"status": "404", "message": "Settings instance not found"}
            if delete:
                servers.remove(found)
                return 200, found
        if body.get("isDefault"):
            # A new default clears isDefault on the servers whose is4k is strictly equal to the body's.
            for other in servers:
                if other.get("is4k") == body.get("is4k"):
                    other["isDefault"] = False
        if server_id is None:
            # New id: the LAST server's id + 1, or 0; answered with 201.
            body["id"] = servers[-1]["id"] + 1 if servers else 0
            servers.append(body)
            return 201, body
        # PUT replaces the whole server with the body (and the id of the path).
        body["id"] = server_id
        servers[servers.index(found)] = body
        return 200, body


def main():
    load()
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()

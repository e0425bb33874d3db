# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jellyseerr/Overseerr API stand-in (test equipment, python3 stdlib only; never imported by the collection).

Follows Seerr's public API (/api/v1, overseerr-api.yml and Jellyseerr's routes): the first-run
sign-in ``POST /auth/jellyfin`` (with hostname/port/urlBase/useSsl/serverType while no media server
is set; it signs in AT the Jellyfin server named there, makes the admin user and a Jellyfin API
key, exactly as Jellyseerr does), ``connect.sid`` session cookies and ``X-Api-Key`` (acts as user 1,
so it is useless before the first sign-in), ``/settings/public``, ``/settings/main``,
``/settings/jellyfin``, ``/settings/jellyfin/library`` (``sync``, ``enable``),
``/settings/{sonarr,radarr}`` (list, POST → 201 with the next id from 0, PUT/DELETE by id →
404 when unknown), ``/settings/{sonarr,radarr}/test`` and ``/settings/initialize``.

The *arr servers the test endpoints "reach" are described in the stand-in's config file
(``arr_servers``: ``host:port`` → apiKey, profiles, rootFolders, tags), because the scenario
runs no Sonarr/Radarr; an unknown host or a wrong key gives Seerr's 500 "Failed to connect".
Errors have Seerr's shapes: ``{"status": 403, "error": ...}`` from the auth middleware and
``{"message": ...}`` from routes. State lives in a JSON file (like settings.json).
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
PLEX, JELLYFIN, EMBY, NOT_CONFIGURED = 1, 2, 3, 4
JF_CLIENT = 'MediaBrowser Client="Jellyseerr", Device="Jellyseerr", DeviceId="seerr-standin", Version="2.5.2"'


def initial_state():
    return {
        "public": {"initialized": False},
        "main": {"apiKey": uuid.uuid4().hex + uuid.uuid4().hex[:8], "applicationTitle": "Jellyseerr",
                 "applicationUrl": "", "mediaServerType": NOT_CONFIGURED, "localLogin": True},
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
            return json.load(handle)
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
            return self._send(400, {"message": "Unexpected token in JSON"})
        with LOCK:
            state = load()
            result = self.route(state, method, path, query, body)
            status, answer = result[0], result[1]
            cookie = result[2] if len(result) > 2 else None
            if method != "GET" or "sync" in query or "enable" in query:
                save(state)
        self._send(status, answer, cookie)

    def route(self, state, method, path, query, body):
        if not path.startswith("/api/v1"):
            return 404, {"message": "Not found"}
        path = path[len("/api/v1"):]
        if path == "/status" and method == "GET":
            return 200, {"version": "2.5.2", "commitTag": "standin", "updateAvailable": False, "commitsBehind": 0}
        if path == "/settings/public" and method == "GET":
            return 200, {"initialized": state["public"]["initialized"], "applicationTitle": state["main"]["applicationTitle"],
                         "mediaServerType": state["main"]["mediaServerType"], "localLogin": True}
        if path == "/auth/jellyfin" and method == "POST":
            return self.auth_jellyfin(state, body)
        user = self._user(state)
        if user is None:
            return 403, {"status": 403, "error": "You do not have permission to access this endpoint"}
        if path == "/auth/me":
            return 200, user
        if path == "/settings/main":
            if method == "POST":
                for key in ("applicationTitle", "applicationUrl", "localLogin"):
                    if key in body:
                        state["main"][key] = body[key]
            return 200, state["main"]
        if path == "/settings/initialize" and method == "POST":
            state["public"]["initialized"] = True
            return 200, state["public"]
        if path == "/settings/jellyfin":
            if method == "POST":
                for key in ("ip", "port", "useSsl", "urlBase", "externalHostname", "jellyfinForgotPasswordUrl", "name"):
                    if key in body:
                        state["jellyfin"][key] = body[key]
            return 200, dict((k, v) for k, v in state["jellyfin"].items() if k != "apiKey")
        if path == "/settings/jellyfin/library" and method == "GET":
            return self.libraries(state, query)
        for kind in ("sonarr", "radarr"):
            if path == "/settings/%s/test" % kind and method == "POST":
                return self.arr_test(kind, body)
            if path == "/settings/" + kind:
                if method == "GET":
                    return 200, state[kind]
                if method == "POST":
                    return self.arr_save(state, kind, None, body)
            if path.startswith("/settings/%s/" % kind):
                try:
                    server_id = int(path.rsplit("/", 1)[1])
                except ValueError:
                    return 404, {"message": "Not found"}
                if method in ("PUT", "DELETE"):
                    return self.arr_save(state, kind, server_id, body, delete=method == "DELETE")
        return 404, {"message": "Not found"}

    def auth_jellyfin(self, state, body):
        username, password = body.get("username"), body.get("password")
        if not username:
            return 500, {"message": "Something went wrong."}
        settings = state["jellyfin"]
        first = not state["users"]
        if first:
            if not body.get("hostname"):
                return 500, {"message": "No hostname provided."}
            if body.get("serverType") not in (JELLYFIN, EMBY):
                return 500, {"message": "Invalid server type."}
            settings = dict(settings, ip=body["hostname"], port=int(body.get("port") or 8096),
                            useSsl=bool(body.get("useSsl")), urlBase=body.get("urlBase") or "")
        try:
            answer = jellyfin_call(settings, "POST", "/Users/AuthenticateByName", {"Username": username, "Pw": password or ""})
        except HTTPError as exc:
            if exc.code == 401:
                return 401, {"message": "INVALID_CREDENTIALS"}
            return 500, {"message": "Something went wrong."}
        except (URLError, OSError, ValueError):
            return 500, {"message": "INVALID_URL"}
        if first:
            if not answer["User"]["Policy"].get("IsAdministrator"):
                return 403, {"message": "NOT_ADMIN"}
            token = answer["AccessToken"]
            jellyfin_call(settings, "POST", "/Auth/Keys?app=Jellyseerr", token=token)
            keys = jellyfin_call(settings, "GET", "/Auth/Keys", token=token)["Items"]
            settings.update(serverId=answer["ServerId"], name="Jellyfin",
                            apiKey=[k for k in keys if k["AppName"] == "Jellyseerr"][-1]["AccessToken"])
            state["jellyfin"] = settings
            state["main"]["mediaServerType"] = body.get("serverType")
            state["users"].append({"id": 1, "email": body.get("email") or username, "jellyfinUsername": username,
                                   "jellyfinUserId": answer["User"]["Id"], "permissions": 2, "userType": 3})
        user = next((u for u in state["users"] if u.get("jellyfinUserId") == answer["User"]["Id"]), None)
        if user is None:
            return 403, {"message": "ACCESS_DENIED"}
        sid = uuid.uuid4().hex
        state["sessions"][sid] = user["id"]
        return 200, user, sid

    def libraries(self, state, query):
        settings = state["jellyfin"]
        if "sync" in query:
            try:
                folders = jellyfin_call(settings, "GET", "/Library/VirtualFolders", token=settings["apiKey"])
            except (HTTPError, URLError, OSError, ValueError):
                return 500, {"message": "Something went wrong."}
            old = dict((lib["id"], lib) for lib in settings["libraries"])
            settings["libraries"] = [
                {"id": f["ItemId"], "name": f["Name"], "type": "show" if f.get("CollectionType") == "tvshows" else "movie",
                 "enabled": old.get(f["ItemId"], {}).get("enabled", False)}
                for f in folders if f.get("CollectionType") in ("movies", "tvshows")]
        if "enable" in query:
            wanted = [i for i in query["enable"][0].split(",") if i]
            for lib in settings["libraries"]:
                lib["enabled"] = lib["id"] in wanted
        return 200, settings["libraries"]

    def arr_test(self, kind, body):
        server = config().get("arr_servers", {}).get("%s:%s" % (body.get("hostname"), body.get("port")))
        if not server or server.get("kind") != kind or server.get("apiKey") != body.get("apiKey"):
            return 500, {"message": "Failed to connect to %s" % kind.capitalize()}
        answer = {"profiles": server.get("profiles", []), "rootFolders": server.get("rootFolders", []),
                  "tags": server.get("tags", []), "urlBase": body.get("baseUrl") or ""}
        if kind == "sonarr":
            answer["languageProfiles"] = server.get("languageProfiles", [])
        return 200, answer

    def arr_save(self, state, kind, server_id, body, delete=False):
        servers = state[kind]
        if server_id is not None:
            found = next((s for s in servers if s["id"] == server_id), None)
            if found is None:
                return 404, {"status": 404, "message": "Settings instance not found"}
            if delete:
                servers.remove(found)
                return 200, found
        missing = [k for k in ("name", "hostname", "port", "apiKey", "activeProfileId", "activeDirectory")
                   if body.get(k) in (None, "")]
        if missing:
            return 400, {"message": "Missing fields: %s" % ", ".join(missing)}
        if body.get("isDefault"):
            # One default server per kind and per 4K flag.
            for other in servers:
                if other.get("is4k") == bool(body.get("is4k")) and other["id"] != server_id:
                    other["isDefault"] = False
        if server_id is None:
            body["id"] = servers[-1]["id"] + 1 if servers else 0
            servers.append(body)
            return 201, body
        body["id"] = server_id
        servers[servers.index(found)] = body
        return 200, body


def main():
    load()
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jellyfin API stand-in (test equipment, python3 stdlib only; never imported by the collection).

Follows Jellyfin's public API (api.jellyfin.org, 10.8-10.10): the first-run wizard under
/Startup/* (anonymous until /Startup/Complete, then administrators only), sign-in with
/Users/AuthenticateByName, API keys under /Auth/Keys, libraries under /Library/VirtualFolders.
Statuses as Jellyfin answers them: 204 with no body for the setup and library writes, 401 with
no body without a valid token, 400 with a text message for bad arguments (an existing library
name, an unknown collection type), 404 for a library or a folder that does not exist (paths
are checked on this host's file system, as Jellyfin checks its own). State is kept in a JSON
file so a restart keeps it. Accepts JSON bodies and, as older servers did, form bodies.
"""

import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STATE_FILE = os.environ.get("JELLYFIN_STANDIN_STATE", "/var/lib/jellyfin-standin/state.json")
PORT = int(os.environ.get("JELLYFIN_STANDIN_PORT", "8096"))
COLLECTION_TYPES = ("movies", "tvshows", "music", "musicvideos", "homevideos", "boxsets", "books", "mixed")
LOCK = threading.Lock()


def initial_state():
    return {
        "server_id": uuid.uuid4().hex,
        "wizard_completed": False,
        "configuration": {"UICulture": "en-US", "MetadataCountryCode": "US", "PreferredMetadataLanguage": "en"},
        "remote_access": {"EnableRemoteAccess": True, "EnableAutomaticPortMapping": False},
        # Jellyfin creates its first user at start, named after the account it runs as.
        "users": [{"Id": uuid.uuid4().hex, "Name": "jellyfin", "Password": "", "IsAdministrator": True}],
        "sessions": {},
        "keys": [],
        "libraries": [],
        "log": [],
    }


def load():
    if os.path.exists(STATE_FILE):
        with open(STATE_FILE) as handle:
            return json.load(handle)
    return initial_state()


def save(state):
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(tmp, STATE_FILE)


def token_from(headers, query):
    for name in ("X-Emby-Token", "X-MediaBrowser-Token"):
        if headers.get(name):
            return headers[name]
    auth = headers.get("Authorization") or headers.get("X-Emby-Authorization") or ""
    if "Token=" in auth:
        return auth.split("Token=", 1)[1].split(",")[0].strip().strip('"')
    values = query.get("api_key") or query.get("ApiKey")
    return values[0] if values else None


class Handler(BaseHTTPRequestHandler):
    server_version = "Kestrel"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    # -- plumbing -------------------------------------------------------------------------
    def _send(self, status, body=None, content_type="application/json; charset=utf-8"):
        data = b""
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            if isinstance(body, str):
                content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw.decode())
        return dict((k, v[0]) for k, v in parse_qs(raw.decode()).items())

    def _user_for(self, state, query):
        token = token_from(self.headers, query)
        if not token:
            return None
        if token in state["sessions"]:
            return next((u for u in state["users"] if u["Id"] == state["sessions"][token]), None)
        if any(k["AccessToken"] == token for k in state["keys"]):
            return {"Id": "apikey", "Name": "apikey", "IsAdministrator": True}
        return None

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        path = url.path.rstrip("/") or "/"
        with LOCK:
            state = load()
            try:
                body = self._body() if method == "POST" else {}
            except ValueError:
                return self._send(400, "The request body is not valid JSON.")
            status, answer = self.route(state, method, path.lower(), query, body)
            if method != "GET" and 200 <= status < 300:
                state["log"].append("%s %s" % (method, path))
                save(state)
        self._send(status, answer)

    # -- API ------------------------------------------------------------------------------
    def route(self, state, method, path, query, body):
        user = self._user_for(state, query)
        admin = bool(user and user.get("IsAdministrator"))
        if path == "/system/info/public" and method == "GET":
            return 200, {"LocalAddress": "http://%s:%d" % (self.server.server_address[0], PORT),
                         "ServerName": "jellyfin-standin", "Version": "10.10.7", "ProductName": "Jellyfin Server",
                         "OperatingSystem": "", "Id": state["server_id"],
                         "StartupWizardCompleted": state["wizard_completed"]}
        if path.startswith("/startup/"):
            # Policies.FirstTimeSetupOrElevated: anyone until the wizard is done, then administrators.
            if state["wizard_completed"] and not admin:
                return 401, None
            return self.startup(state, method, path, body)
        if path == "/users/authenticatebyname" and method == "POST":
            name = body.get("Username") or body.get("username")
            password = body.get("Pw") or body.get("pw") or ""
            found = next((u for u in state["users"] if u["Name"].lower() == (name or "").lower()), None)
            if not found or found["Password"] != password:
                return 401, "Error processing request."
            token = uuid.uuid4().hex
            state["sessions"][token] = found["Id"]
            save(state)
            return 200, {"User": {"Name": found["Name"], "Id": found["Id"], "ServerId": state["server_id"],
                                  "Policy": {"IsAdministrator": found["IsAdministrator"]}},
                         "AccessToken": token, "ServerId": state["server_id"], "SessionInfo": {"UserId": found["Id"]}}
        if user is None:
            return 401, None
        if path == "/auth/keys":
            if not admin:
                return 403, None
            if method == "GET":
                return 200, {"Items": state["keys"], "TotalRecordCount": len(state["keys"]), "StartIndex": 0}
            if method == "POST":
                app = (query.get("app") or [""])[0]
                if not app:
                    return 400, "The app field is required."
                state["keys"].append({"Id": len(state["keys"]) + 1, "AccessToken": uuid.uuid4().hex, "AppName": app,
                                      "DateCreated": "2026-01-01T00:00:00.0000000Z"})
                return 204, None
        if path.startswith("/library/virtualfolders"):
            if not admin:
                return 403, None
            return self.libraries(state, method, path, query, body)
        return 404, None

    def startup(self, state, method, path, body):
        if path == "/startup/configuration":
            if method == "GET":
                return 200, state["configuration"]
            for key in ("UICulture", "MetadataCountryCode", "PreferredMetadataLanguage"):
                if key in body:
                    state["configuration"][key] = body[key]
            return 204, None
        if path == "/startup/user":
            first = state["users"][0]
            if method == "GET":
                return 200, {"Name": first["Name"], "Password": first["Password"] or None}
            if not body.get("Name"):
                return 400, "The Name field is required."
            first["Name"] = body["Name"]
            if body.get("Password") is not None:
                first["Password"] = body["Password"]
            return 204, None
        if path == "/startup/remoteaccess" and method == "POST":
            for key in ("EnableRemoteAccess", "EnableAutomaticPortMapping"):
                if key in body:
                    value = body[key]
                    state["remote_access"][key] = value if isinstance(value, bool) else str(value).lower() == "true"
            return 204, None
        if path == "/startup/complete" and method == "POST":
            state["wizard_completed"] = True
            return 204, None
        return 404, None

    @staticmethod
    def _folder(library):
        return {"Name": library["Name"], "Locations": list(library["Locations"]),
                "CollectionType": library["CollectionType"], "ItemId": library["ItemId"],
                "LibraryOptions": dict(library["LibraryOptions"], PathInfos=[{"Path": p} for p in library["Locations"]]),
                "RefreshStatus": "Idle"}

    def libraries(self, state, method, path, query, body):
        def arg(name):
            values = query.get(name) or query.get(name[0].upper() + name[1:])
            return values[0] if values else body.get(name) or body.get(name[0].upper() + name[1:])
        libs = state["libraries"]
        if path == "/library/virtualfolders":
            if method == "GET":
                return 200, [self._folder(lib) for lib in libs]
            name = arg("name")
            if method == "POST":
                if not name:
                    return 400, "The name field is required."
                ctype = arg("collectionType")
                if ctype and ctype not in COLLECTION_TYPES:
                    return 400, "The value '%s' is not valid for CollectionTypeOptions." % ctype
                if any(lib["Name"].lower() == name.lower() for lib in libs):
                    return 400, "There is already a media library with the name %s." % name
                paths = query.get("paths") or []
                for folder in paths:
                    if not os.path.isdir(folder):
                        return 404, "The path does not exist."
                libs.append({"Name": name, "CollectionType": ctype or "mixed", "Locations": paths,
                             "ItemId": uuid.uuid4().hex, "LibraryOptions": (body.get("LibraryOptions") or {})})
                return 204, None
            if method == "DELETE":
                found = next((lib for lib in libs if lib["Name"] == name), None)
                if not found:
                    return 404, "The media collection does not exist"
                libs.remove(found)
                return 204, None
        if path == "/library/virtualfolders/paths":
            name = arg("name")
            found = next((lib for lib in libs if lib["Name"] == name), None)
            if method == "POST":
                folder = body.get("Path") or (body.get("PathInfo") or {}).get("Path")
                if not name or not folder:
                    return 400, "Name and Path are required."
                if not found:
                    return 404, "The media collection does not exist"
                if not os.path.isdir(folder):
                    return 404, "The path does not exist."
                if folder not in found["Locations"]:
                    found["Locations"].append(folder)
                return 204, None
            if method == "DELETE":
                folder = arg("path")
                if not found:
                    return 404, "The media collection does not exist"
                if folder not in found["Locations"]:
                    return 404, "The media folder does not exist"
                found["Locations"].remove(folder)
                return 204, None
        return 404, None


def main():
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jellyfin API stand-in (test equipment, python3 stdlib only; never imported by the collection).

Written from Jellyfin's own source (jellyfin/jellyfin, 10.9-10.11), not from this collection's
modules: every behaviour rule below names the upstream file it follows. Covered: the first-run
wizard under /Startup/*, sign-in with /Users/AuthenticateByName, API keys under /Auth/Keys,
libraries under /Library/VirtualFolders. A library is a folder of the server's root (its name),
as in Jellyfin; paths are checked on this host's file system, as Jellyfin checks its own. State
is kept in a JSON file so a restart keeps it. Accepts JSON bodies and, as older servers did, form
bodies.
"""

import hashlib
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STATE_FILE = os.environ.get("JELLYFIN_STANDIN_STATE", "/var/lib/jellyfin-standin/state.json")
PORT = int(os.environ.get("JELLYFIN_STANDIN_PORT", "8096"))
# MediaBrowser.Model/Entities/CollectionTypeOptions.cs (10.9+): the enum's members and numbers. ASP.NET
# Core binds a [FromQuery] enum by member name, case-insensitively, or by its number.
COLLECTION_TYPE_ENUM = [("movies", 0), ("tvshows", 1), ("music", 2), ("musicvideos", 3), ("homevideos", 4),
                        ("boxsets", 5), ("books", 6), ("mixed", 7)]
# Jellyfin.Api/Middleware/ExceptionMiddleware.cs: outside a Development environment every exception
# answers this text/plain body; only the status tells the exceptions apart.
ERROR_BODY = "Error processing request."
LOCK = threading.Lock()


def initial_state():
    return {
        "server_id": uuid.uuid4().hex,
        "wizard_completed": False,
        "configuration": {"UICulture": "en-US", "MetadataCountryCode": "US", "PreferredMetadataLanguage": "en"},
        "remote_access": {"EnableRemoteAccess": True, "EnableAutomaticPortMapping": False},
        # Jellyfin.Server.Implementations/Users/UserManager.cs InitializeAsync: with no user, one
        # administrator named after the account Jellyfin runs as (Environment.UserName), no password.
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


def bind_collection_type(value):
    """The enum member a query value binds to, or None when the binding fails (CollectionTypeOptions.cs)."""
    for member, number in COLLECTION_TYPE_ENUM:
        if value.lower() == member or value == str(number):
            return member
    return None


def stored_password(password):
    """Jellyfin stores only a PBKDF2 hash (Jellyfin.Server.Implementations/Users/DefaultAuthenticationProvider.cs)."""
    if not password:
        return None
    salt = uuid.uuid5(uuid.NAMESPACE_OID, password).hex.upper()
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), bytes.fromhex(salt), 1000).hex().upper()
    return "$PBKDF2-sha512$iterations=1000$%s$%s" % (salt, digest)


def problem(field, value):
    """[ApiController] model-binding failure (ASP.NET Core ValidationProblemDetails, RFC 9110 type)."""
    return {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.", "status": 400,
            "errors": {field: ["The value '%s' is not valid." % value]}, "traceId": "00-" + uuid.uuid4().hex + "-01"}


def token_from(headers, query):
    """Jellyfin.Server.Implementations/Security/AuthorizationContext.cs GetAuthorizationDictionary:
    X-Emby-Token / X-MediaBrowser-Token, the Token= of Authorization / X-Emby-Authorization, api_key."""
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
            elif isinstance(body, dict) and body.get("title") == "One or more validation errors occurred.":
                content_type = "application/problem+json; charset=utf-8"
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
        # Jellyfin.Api/Controllers/SystemController.cs GetPublicSystemInfo: anonymous, PublicSystemInfo.
        if path == "/system/info/public" and method == "GET":
            return 200, {"LocalAddress": "http://%s:%d" % (self.server.server_address[0], PORT),
                         "ServerName": "jellyfin-standin", "Version": "10.10.7", "ProductName": "Jellyfin Server",
                         "OperatingSystem": "", "Id": state["server_id"],
                         "StartupWizardCompleted": state["wizard_completed"]}
        if path.startswith("/startup/"):
            # Jellyfin.Api/Auth/FirstTimeSetupPolicy/FirstTimeSetupHandler.cs: anyone until the wizard is
            # done; then no token is 401 (challenge) and a signed-in non-administrator 403 (forbid).
            if state["wizard_completed"] and not admin:
                return (403 if user else 401), None
            return self.startup(state, method, path, body)
        if path == "/users/authenticatebyname" and method == "POST":
            name = body.get("Username") or body.get("username")
            password = body.get("Pw") or body.get("pw") or ""
            # Jellyfin.Api/Controllers/UserController.cs AuthenticateUserByName -> UserManager throws
            # AuthenticationException on a wrong name or password: 401 with the middleware's body.
            found = next((u for u in state["users"] if u["Name"].lower() == (name or "").lower()), None)
            if not found or found["Password"] != password:
                return 401, ERROR_BODY
            # Success: AuthenticationResult (User, SessionInfo, AccessToken, ServerId).
            token = uuid.uuid4().hex
            state["sessions"][token] = found["Id"]
            save(state)
            return 200, {"User": {"Name": found["Name"], "Id": found["Id"], "ServerId": state["server_id"],
                                  "Policy": {"IsAdministrator": found["IsAdministrator"]}},
                         "AccessToken": token, "ServerId": state["server_id"], "SessionInfo": {"UserId": found["Id"]}}
        # Jellyfin.Api/Auth/CustomAuthenticationHandler.cs: no or an unknown token is a 401 challenge
        # with no body; Policies.RequiresElevation for a signed-in non-administrator is 403.
        if user is None:
            return 401, None
        if path == "/auth/keys":
            # Jellyfin.Api/Controllers/ApiKeyController.cs: [Authorize(Policy = Policies.RequiresElevation)].
            if not admin:
                return 403, None
            if method == "GET":
                return 200, {"Items": state["keys"], "TotalRecordCount": len(state["keys"]), "StartIndex": 0}
            if method == "POST":
                # ApiKeyController.CreateKey([FromQuery, Required] string app): a missing app fails model
                # validation (400 problem details); success is 204 and the key is read back with GET.
                app = (query.get("app") or [""])[0]
                if not app:
                    return 400, dict(problem("app", ""), errors={"app": ["The app field is required."]})
                state["keys"].append({"Id": len(state["keys"]) + 1, "AccessToken": uuid.uuid4().hex, "AppName": app,
                                      "DateCreated": "2026-01-01T00:00:00.0000000Z"})
                return 204, None
        if path == "/library/mediafolders" and method == "GET":
            # Jellyfin.Api/Controllers/LibraryController.cs GetMediaFolders: [Authorize(RequiresElevation)],
            # QueryResult of the top library folders (BaseItemDto: Name, Id, Type, CollectionType).
            if not admin:
                return 403, None
            items = [{"Name": lib["Name"], "Id": lib["ItemId"], "Type": "CollectionFolder",
                      "CollectionType": lib["CollectionType"], "IsFolder": True} for lib in state["libraries"]]
            return 200, {"Items": items, "TotalRecordCount": len(items), "StartIndex": 0}
        if path.startswith("/library/virtualfolders"):
            # LibraryStructureController.cs: [Authorize(Policy = Policies.FirstTimeSetupOrElevated)].
            if not admin and state["wizard_completed"]:
                return 403, None
            return self.libraries(state, method, path, query, body)
        return 404, None

    def startup(self, state, method, path, body):
        # Jellyfin.Api/Controllers/StartupController.cs: writes answer 204 No Content.
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
                # StartupController.GetFirstUser: Name and the stored password (a hash, never the text).
                return 200, {"Name": first["Name"], "Password": stored_password(first["Password"])}
            # StartupController.UpdateStartupUser: the name is required (400), an empty password keeps it.
            if not body.get("Name"):
                return 400, ERROR_BODY
            first["Name"] = body["Name"]
            if body.get("Password") is not None:
                first["Password"] = body["Password"]
            return 204, None
        # StartupController.SetRemoteAccess: EnableRemoteAccess, EnableAutomaticPortMapping (booleans).
        if path == "/startup/remoteaccess" and method == "POST":
            for key in ("EnableRemoteAccess", "EnableAutomaticPortMapping"):
                if key in body:
                    value = body[key]
                    state["remote_access"][key] = value if isinstance(value, bool) else str(value).lower() == "true"
            return 204, None
        # StartupController.CompleteWizard: IsStartupWizardCompleted = true; /Startup/* closes to anonymous.
        if path == "/startup/complete" and method == "POST":
            state["wizard_completed"] = True
            return 204, None
        return 404, None

    @staticmethod
    def _folder(library):
        # Emby.Server.Implementations/Library/LibraryManager.cs GetVirtualFolderInfo: Locations sorted
        # (Order()), CollectionType from the "<type>.collection" marker file (null when none).
        return {"Name": library["Name"], "Locations": sorted(library["Locations"]),
                "CollectionType": library["CollectionType"], "ItemId": library["ItemId"],
                "LibraryOptions": dict(library["LibraryOptions"], PathInfos=[{"Path": p} for p in library["Locations"]]),
                "RefreshStatus": "Idle"}

    def libraries(self, state, method, path, query, body):
        def arg(name):
            values = query.get(name) or query.get(name[0].upper() + name[1:])
            return values[0] if values else body.get(name) or body.get(name[0].upper() + name[1:])
        libs = state["libraries"]
        names = [lib["Name"] for lib in libs]  # folder names under the root: case-sensitive on Linux
        if path == "/library/virtualfolders":
            if method == "GET":
                return 200, [self._folder(lib) for lib in libs]
            name = arg("name")
            if method == "POST":
                ctype = None
                raw_type = (query.get("collectionType") or [None])[0]
                if raw_type:
                    ctype = bind_collection_type(raw_type)
                    if ctype is None:  # [ApiController]: a failed enum binding is a 400 validation problem
                        return 400, problem("collectionType", raw_type)
                # LibraryManager.AddVirtualFolder: ArgumentException.ThrowIfNullOrWhiteSpace(name) -> 400.
                if not name or not name.strip():
                    return 400, ERROR_BODY
                # ... an existing name is not refused: the next free "<name>2", "<name>3" is used.
                final, count = name, 1
                while final in names:
                    count += 1
                    final = "%s%d" % (name, count)
                # ... a path that does not exist throws ArgumentException("The specified path does not exist")
                # -> 400, before anything is created. Paths come from the comma-delimited "paths" query.
                paths = [p for value in query.get("paths") or [] for p in value.split(",") if p]
                if any(not os.path.isdir(folder) for folder in paths):
                    return 400, ERROR_BODY
                libs.append({"Name": final, "CollectionType": ctype, "Locations": paths,
                             "ItemId": uuid.uuid4().hex, "LibraryOptions": (body.get("LibraryOptions") or {})})
                return 204, None
            if method == "DELETE":
                # LibraryStructureController.RemoveVirtualFolder catches every exception and answers
                # BadRequest(ex.ToString()): an unknown name is 400 with the exception text.
                found = next((lib for lib in libs if lib["Name"] == name), None)
                if not found:
                    return 400, ("System.IO.DirectoryNotFoundException: The media folder does not exist\n"
                                 "   at Emby.Server.Implementations.Library.LibraryManager.RemoveVirtualFolder")
                libs.remove(found)
                return 204, None
        if path == "/library/virtualfolders/paths":
            name = arg("name")
            found = next((lib for lib in libs if lib["Name"] == name), None)
            if method == "POST":
                # LibraryStructureController.AddMediaPath([FromBody, Required] MediaPathDto): PathInfo or Path.
                folder = (body.get("PathInfo") or {}).get("Path") or body.get("Path")
                if not folder:
                    return 400, ERROR_BODY  # ArgumentException("PathInfo and Path can't both be null.")
                # LibraryManager.AddMediaPathInternal: a missing folder is DirectoryNotFoundException -> 404.
                if not os.path.isdir(folder):
                    return 404, ERROR_BODY
                if not found:  # the shortcut cannot be written into a library folder that is not there
                    return 404, ERROR_BODY
                # ... a path already there gets a second shortcut ("tv1.mblink"): listed twice.
                found["Locations"].append(folder)
                return 204, None
            if method == "DELETE":
                folder = arg("path")
                # LibraryManager.RemoveMediaPath: empty arguments -> ArgumentException (400); an unknown
                # library -> DirectoryNotFoundException (404); a path not in the library is no error.
                if not name or not folder:
                    return 400, ERROR_BODY
                if not found:
                    return 404, ERROR_BODY
                # The first shortcut whose target matches (OrdinalIgnoreCase) is deleted.
                match = next((p for p in found["Locations"] if p.lower() == folder.lower()), None)
                if match is not None:
                    found["Locations"].remove(match)
                return 204, None
        return 404, None


def main():
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()

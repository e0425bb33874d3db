# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decypharr stand-in: its qBittorrent-compatible API under /api/v2 (test equipment, python3 stdlib
only; never imported by the collection, shares nothing with the collection's plugins or roles).

Decypharr (github.com/sirrobot01/decypharr, read at v2.4) is a Debrid/Usenet client that Sonarr and
Radarr use as a qBittorrent download client. What it does with the client's credentials is its
own: the username is the *arr app's URL and the password the app's API key (docs/src/content/docs/
guides/arrs.mdx "QBitTorrent Settings"); it validates them by calling the app back
(GET <url>/api/v3/health with X-Api-Key) and keeps the app by its category, to call it later
(imports, repairs). Each rule below names the upstream file it follows. No recorded Decypharr
responses exist in the project's reference data: the answers follow the upstream handlers.

Settings, as Decypharr's own environment variables (internal/config/env.go, prefix DECYPHARR_):
DECYPHARR_PORT (default 8282), DECYPHARR_USE_AUTH (default true: a new config is created with
use_auth on), DECYPHARR_DOWNLOAD_FOLDER, DECYPHARR_CATEGORIES__<n>, DECYPHARR_SECRET_KEY. Decypharr's
own login (auth.json, set in its web UI): DECYPHARR_STANDIN_USERNAME / DECYPHARR_STANDIN_PASSWORD.
DECYPHARR_STANDIN_BIND: the address to listen on (default all). The stand-in is a Decypharr whose
config.json exists: a real one applies its environment only then (internal/config/config.go
loadConfig creates the file and returns before applyEnvOverrides, so its very first start is on 8282).

Stand-in-only (no auth): GET /__standin/arrs: the *arr apps Decypharr has learned
({category: {host, token_set}}), GET /__standin/requests: the requests served.
"""

import base64
import hashlib
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _env(key, default=""):
    # internal/config/env.go getEnv: every override is DECYPHARR_<KEY>
    return os.environ.get("DECYPHARR_" + key, default)


def _bool(value):
    # internal/config/env.go parseBool: "true", "1" or "yes"
    return value == "true" or value == "1" or value == "yes"


class State:
    def __init__(self, use_auth=None, username=None, password=None, download_folder=None, categories=None,
                 secret_key=None):
        self.lock = threading.Lock()
        # internal/config/config.go createConfig: a new config has use_auth true
        self.use_auth = _bool(_env("USE_AUTH", "true")) if use_auth is None else use_auth
        self.username = _env("STANDIN_USERNAME") if username is None else username
        self.password = _env("STANDIN_PASSWORD") if password is None else password
        self.download_folder = _env("DOWNLOAD_FOLDER") if download_folder is None else download_folder
        if categories is None:
            # internal/config/env.go: DECYPHARR_CATEGORIES__0, __1, ... until the first missing one
            categories = []
            while _env("CATEGORIES__%d" % len(categories)):
                categories.append(_env("CATEGORIES__%d" % len(categories)))
        self.categories = list(categories)
        # internal/config/config.go SecretKey: DECYPHARR_SECRET_KEY, else a built-in constant
        self.secret_key = secret_key if secret_key is not None else _env(
            "SECRET_KEY", "\"wqj(v%lj*!-+kf@4&i95rhh_!5_px5qnuwqbr%cjrvrozz_r*(\"")
        self.arrs = {}  # pkg/arr/arr.go Storage: name (the category) -> Arr, in memory
        self.requests = []


def valid_url(value):
    """pkg/../internal/utils/http.go ValidateURL: a full http(s) URL, or host:port."""
    if not value:
        return False
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme and parsed.netloc:
        return parsed.scheme in ("http", "https")
    if ":" in value and "://" not in value:
        return bool(urllib.parse.urlsplit("http://" + value).port)
    return False


def arr_validate(host, token):
    """pkg/arr/arr.go Validate: GET <host>/api/v3/health with X-Api-Key; 200 or 404 (Lidarr) is valid."""
    if not host or not token or not valid_url(host):
        return False
    url = host if "://" in host else "http://" + host
    req = urllib.request.Request(url.rstrip("/") + "/api/v3/health",
                                 headers={"X-Api-Key": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status == 200
    except urllib.error.HTTPError as exc:
        return exc.code == 404
    except (OSError, ValueError):
        return False


def create_sid(state, username, password):
    # pkg/server/qbit/context.go createSID: base64url("user|pass|" + first 16 hex of sha256(user|pass + secret))
    combined = "%s|%s" % (username, password)
    digest = hashlib.sha256((combined + state.secret_key).encode()).hexdigest()[:16]
    return base64.urlsafe_b64encode(("%s|%s" % (combined, digest)).encode()).decode()


def extract_sid(state, sid):
    # pkg/server/qbit/context.go extractFromSID: three parts, the hash checked
    try:
        parts = base64.urlsafe_b64decode(sid.encode()).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("invalid SID format")
    if len(parts) != 3:
        raise ValueError("invalid SID structure")
    if create_sid(state, parts[0], parts[1]) != sid:
        raise ValueError("invalid SID signature")
    return parts[0], parts[1]


def basic_credentials(header):
    # pkg/server/qbit/context.go decodeAuthHeader: "<scheme> <base64(user:pass)>", split at the LAST colon
    tokens = (header or "").split(" ")
    if len(tokens) != 2:
        return "", "", None
    try:
        decoded = base64.b64decode(tokens[1].encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as err:
        return "", "", err
    if ":" not in decoded:
        return "", "", ValueError("malformed credentials: missing colon separator")
    user, password = decoded.rsplit(":", 1)
    if not user or not password:
        return user, password, ValueError("empty username or password")
    return user.strip(), password.strip(), None


def authenticate(state, category, username, password):
    """pkg/server/qbit/context.go authenticate: returns (arr, None) or (None, error text)."""
    with state.lock:
        arr = state.arrs.get(category)
    if arr is None:
        # not in runtime storage: a new auto-detected arr named after the category (arr.New(..., "auto"))
        arr = {"name": category, "host": username, "token": (password or "").strip(), "source": "auto"}
    else:
        arr = dict(arr)
    if (not username or not password) and state.use_auth:
        return None, "unauthorized: Host and token are required for authentication(you've enabled authentication)"
    if arr["source"] == "auto":
        arr["host"], arr["token"] = username, password
    validated = arr_validate(arr["host"], arr["token"])
    # not a valid arr and auth on: Decypharr's own login (internal/config/auth.go VerifyAuth; bcrypt there)
    if not validated and state.use_auth:
        if not username or not state.username or username != state.username or password != state.password:
            return None, "unauthorized: invalid credentials"
    # pkg/arr/arr.go Storage.AddOrUpdate: kept only with a name, a host that is a URL and a token
    if username and password and arr["name"] and arr["host"] and arr["token"] and valid_url(arr["host"]):
        with state.lock:
            state.arrs[arr["name"]] = arr
    return arr, None


def preferences(state):
    # pkg/server/qbit/types.go getAppPreferences (the fields a client reads), save/temp path from http.go handlePreferences
    return {"save_path": state.download_folder, "temp_path": os.path.join(state.download_folder, "temp"),
            "temp_path_enabled": False, "max_ratio": -1, "max_ratio_act": 0, "max_ratio_enabled": False,
            "max_seeding_time": -1, "max_seeding_time_enabled": False, "queueing_enabled": False,
            "max_active_downloads": 0, "max_active_torrents": 0, "max_active_uploads": 3, "dht": True, "pex": True,
            "lsd": True, "listen_port": 31193, "locale": "en", "create_subfolder_enabled": True,
            "auto_tmm_enabled": False, "start_paused_enabled": False, "web_ui_port": 8080, "proxy_port": 8080}


# pkg/server/qbit/routes.go: (path under /api/v2, methods, needs authContext)
ROUTES = {
    "/auth/login": ({"POST"}, False),
    "/app/version": ({"GET"}, False), "/app/webapiVersion": ({"GET"}, False),
    "/app/preferences": ({"GET"}, False), "/app/buildInfo": ({"GET"}, False), "/app/shutdown": ({"GET"}, False),
    "/torrents/info": ({"GET", "POST"}, True), "/torrents/add": ({"POST"}, True),
    "/torrents/delete": ({"POST"}, True), "/torrents/categories": ({"GET", "POST"}, True),
    "/torrents/createCategory": ({"POST"}, True), "/torrents/setCategory": ({"POST"}, True),
    "/torrents/addTags": ({"POST"}, True), "/torrents/removeTags": ({"POST"}, True),
    "/torrents/createTags": ({"POST"}, True), "/torrents/tags": ({"GET", "POST"}, True),
    "/torrents/pause": ({"GET", "POST"}, True), "/torrents/resume": ({"GET", "POST"}, True),
    "/torrents/recheck": ({"GET", "POST"}, True), "/torrents/properties": ({"GET", "POST"}, True),
    "/torrents/files": ({"GET", "POST"}, True),
}


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

        def send(self, status, body=b"", content_type="text/plain; charset=utf-8", cookie=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if cookie:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def error(self, status, text):
            # net/http http.Error: the text and a newline, text/plain, X-Content-Type-Options nosniff
            self.send(status, (text + "\n").encode())

        def json(self, body, status=200):
            # internal/utils/http.go JSONResponse: indented JSON and a newline; nothing at all for nil
            data = b"" if body is None else (json.dumps(body, indent=2) + "\n").encode()
            self.send(status, data, "application/json")

        def form(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "")
            if "application/x-www-form-urlencoded" in ctype:
                return {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
            return {}

        def cookie(self, name):
            for part in (self.headers.get("Cookie") or "").split(";"):
                key, _sep, value = part.strip().partition("=")
                if key == name:
                    return value
            return None

        def credentials(self):
            """pkg/server/qbit/context.go getUsernameAndPassword: the Authorization header, else the sid/SID cookie."""
            user, password, err = basic_credentials(self.headers.get("Authorization"))
            if err is None and user:
                return user, password, None
            sid = self.cookie("sid") or self.cookie("SID")
            if sid is not None:
                try:
                    user, password = extract_sid(state, sid)
                except ValueError as exc:
                    return "", "", str(exc)
                return user, password, None
            return "", "", None

        def dispatch(self):
            parsed = urllib.parse.urlsplit(self.path)
            # chi middleware.StripSlashes (pkg/server/server.go)
            path = parsed.path.rstrip("/") or "/"
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
            if path == "/__standin/arrs":
                with state.lock:
                    return self.json({k: {"host": v["host"], "token_set": bool(v["token"])} for k, v in state.arrs.items()})
            if path == "/__standin/requests":
                with state.lock:
                    return self.json(list(state.requests))
            with state.lock:
                state.requests.append({"method": self.command, "path": path})
            if path == "/version":
                # pkg/server/routes.go: /version is public (pkg/server/api.go handleGetVersion)
                return self.json({"version": "v2.4", "channel": "stable"})
            if not path.startswith("/api/v2/"):
                return self.error(404, "404 page not found")
            route = path[len("/api/v2"):]
            if route not in ROUTES:
                return self.error(404, "404 page not found")  # chi NotFound
            methods, needs_auth = ROUTES[route]
            if self.command not in methods:
                # chi: a known path with another method answers 405 with an empty body
                return self.send(405, b"")
            form = self.form() if self.command == "POST" else {}
            # pkg/server/qbit/context.go categoryContext: category from the query, else the form
            category = (query.get("category") or form.get("category") or "").strip()
            arr = None
            if needs_auth:
                # pkg/server/qbit/context.go authContext (every /torrents route)
                user, password, err = self.credentials()
                if err:
                    return self.error(401, err)
                arr, err = authenticate(state, category, user, password)
                if err:
                    return self.error(401, err)
            return self.handle_route(route, query, form, category, arr)

        def handle_route(self, route, query, form, category, arr):  # pylint: disable=unused-argument
            if route == "/auth/login":
                # pkg/server/qbit/http.go handleLogin: "Ok."; the SID cookie (the arr's host and token) when auth is on
                arr, err = authenticate(state, category, form.get("username", ""), form.get("password", ""))
                if err:
                    return self.error(401, err)
                cookie = None
                if state.use_auth:
                    cookie = "SID=%s; Path=/; SameSite=None" % create_sid(state, arr["host"], arr["token"])
                return self.send(200, b"Ok.", cookie=cookie)
            if route == "/app/version":
                return self.send(200, b"v4.3.2")  # http.go handleVersion
            if route == "/app/webapiVersion":
                return self.send(200, b"2.7")  # http.go handleWebAPIVersion
            if route == "/app/preferences":
                return self.json(preferences(state))
            if route == "/app/buildInfo":
                # http.go handleBuildInfo
                return self.json({"bitness": 64, "boost": "1.75.0", "libtorrent": "1.2.11.0", "openssl": "1.1.1i",
                                  "qt": "5.15.2", "zlib": "1.2.11"})
            if route == "/app/shutdown":
                return self.send(200, b"")
            if route == "/torrents/categories":
                # http.go handleCategories: the configured and created categories, savePath <download folder>/<name>
                with state.lock:
                    cats = list(state.categories)
                return self.json({c: {"name": c, "savePath": os.path.join(state.download_folder, c)} for c in cats})
            if route == "/torrents/createCategory":
                # http.go handleCreateCategory: 400 without a name; appended in memory (a restart forgets it)
                if not form.get("category"):
                    return self.error(400, "No name provided")
                with state.lock:
                    state.categories.append(form["category"])
                return self.json(None)
            if route in ("/torrents/info", "/torrents/tags"):
                return self.json([])  # no torrent is ever queued here; http.go handleGetTags: no tags
            if route in ("/torrents/properties", "/torrents/files"):
                return self.error(404, "Entry not found")  # http.go: GetTorrent fails for any hash here
            if route == "/torrents/add":
                # http.go handleTorrentsAdd: nothing the stand-in can fetch from a Debrid provider
                return self.error(400, "No valid URLs or torrents provided")
            if route == "/torrents/delete" and not form.get("hashes"):
                return self.error(400, "No hashes provided")  # hashesContext / handleTorrentsDelete
            if route in ("/torrents/setCategory", "/torrents/addTags", "/torrents/removeTags", "/torrents/createTags"):
                return self.json(None)
            return self.send(200, b"")  # delete, pause, resume, recheck: 200 with no body

        def do_GET(self):  # noqa: N802
            self.dispatch()

        def do_POST(self):  # noqa: N802
            self.dispatch()

    return Handler


def serve(port=None, state=None, bind=None, **kwargs):
    """Start the stand-in in a thread: returns (server, state)."""
    state = state or State(**kwargs)
    port = int(port if port is not None else _env("PORT", "8282"))  # internal/config/defaults.go DefaultPort
    server = ThreadingHTTPServer((bind if bind is not None else os.environ.get("DECYPHARR_STANDIN_BIND", ""), port),
                                 make_handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


if __name__ == "__main__":
    _server, _state = serve()
    threading.Event().wait()

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SABnzbd API stand-in (test equipment, python3 stdlib only; never imported by the collection).

Follows SABnzbd's public API (sabnzbd.org/wiki/configuration/api): ``GET /api?mode=...&apikey=
...&output=json``. ``version`` needs no key; everything else answers ``{"status": false,
"error": "API Key Required"}`` / ``"API Key Incorrect"`` without the right key. ``get_config``
(optionally ``section`` and ``keyword``), ``set_config`` (``section=misc&keyword=&value=``, or
``section=categories&name=`` with ``dir``, ``pp``, ``script``, ``priority``), ``del_config``
(``section=categories&keyword=``), ``get_cats``. Typed misc values as SABnzbd keeps them (ints,
strings, lists given comma-separated). A Host header that is a name not in ``host_whitelist``
gets SABnzbd's 403 hostname-check answer. State lives in a JSON file (like sabnzbd.ini).
"""

import ipaddress
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STATE_FILE = os.environ.get("SABNZBD_STANDIN_STATE", "/var/lib/sabnzbd-standin/sabnzbd.json")
API_KEY = os.environ.get("SABNZBD_STANDIN_API_KEY", "")
PORT = int(os.environ.get("SABNZBD_STANDIN_PORT", "8080"))
LOCK = threading.Lock()


def initial_state():
    return {
        "misc": {
            "api_key": API_KEY, "nzb_key": "0" * 32, "host": "0.0.0.0", "port": str(PORT),
            "download_dir": "Downloads/incomplete", "complete_dir": "Downloads/complete",
            "host_whitelist": [os.uname()[1]], "permissions": "", "cache_limit": "1G",
            "bandwidth_max": "", "direct_unpack": 0, "pre_check": 0, "enable_tv_sorting": 0,
            "enable_movie_sorting": 0, "enable_date_sorting": 0, "tv_categories": ["tv"],
            "movie_categories": ["movies"], "date_categories": ["tv"], "history_retention": "",
        },
        "categories": [
            {"name": "*", "order": 0, "pp": "3", "script": "None", "dir": "", "newzbin": "", "priority": 0},
            {"name": "movies", "order": 1, "pp": "", "script": "Default", "dir": "", "newzbin": "", "priority": -100},
            {"name": "tv", "order": 2, "pp": "", "script": "Default", "dir": "", "newzbin": "", "priority": -100},
            {"name": "audio", "order": 3, "pp": "", "script": "Default", "dir": "", "newzbin": "", "priority": -100},
            {"name": "software", "order": 4, "pp": "", "script": "Default", "dir": "", "newzbin": "", "priority": -100},
        ],
        "servers": [],
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


def typed(current, value):
    """Store a value with the type SABnzbd's option has (OptionNumber, OptionList, OptionStr)."""
    if isinstance(current, list):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(current, bool) or isinstance(current, int):
        return int(value)
    return value


class Handler(BaseHTTPRequestHandler):
    server_version = "CherryPy/18.10.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _send(self, status, body):
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        url = urlparse(self.path)
        args = dict((k, v[0]) for k, v in parse_qs(url.query, keep_blank_values=True).items())
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                args.update((k, v[0]) for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items())
        with LOCK:
            state = load()
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            if not self._host_ok(host, state):
                return self._send(403, "Access denied - Hostname verification failed: https://sabnzbd.org/hostname-check")
            if url.path.rstrip("/") != "/api":
                return self._send(404, "Not found")
            status, answer, changed = self.api(state, args)
            if changed:
                save(state)
        self._send(status, answer)

    @staticmethod
    def _host_ok(host, state):
        try:
            ipaddress.ip_address(host)
            return True
        except ValueError:
            pass
        return host in ("localhost",) or host in state["misc"]["host_whitelist"]

    def api(self, state, args):
        mode = args.get("mode", "")
        if mode == "version":
            return 200, {"version": "4.3.3"}, False
        if not args.get("apikey"):
            return 200, {"status": False, "error": "API Key Required"}, False
        if args["apikey"] != state["misc"]["api_key"]:
            return 200, {"status": False, "error": "API Key Incorrect"}, False
        section, keyword = args.get("section"), args.get("keyword")
        if mode == "get_config":
            config = {"misc": state["misc"], "categories": state["categories"], "servers": state["servers"]}
            if section:
                if section not in config:
                    return 200, {"status": False, "error": "Not found"}, False
                part = config[section]
                if keyword:
                    if section == "misc":
                        part = {keyword: part[keyword]} if keyword in part else {}
                    else:
                        part = [c for c in part if c["name"] == keyword]
                config = {section: part}
            return 200, {"config": config}, False
        if mode == "get_cats":
            return 200, {"categories": [c["name"] for c in state["categories"]]}, False
        if mode == "set_config":
            if section == "misc":
                if keyword not in state["misc"] or keyword in ("api_key", "nzb_key"):
                    return 200, {"status": False, "error": "Not implemented"}, False
                try:
                    state["misc"][keyword] = typed(state["misc"][keyword], args.get("value", ""))
                except ValueError:
                    return 200, {"status": False, "error": "Invalid value for %s" % keyword}, False
                return 200, {"config": {"misc": {keyword: state["misc"][keyword]}}}, True
            if section == "categories":
                name = (args.get("name") or keyword or "").lower()
                if not name:
                    return 200, {"status": False, "error": "Name is required"}, False
                cat = next((c for c in state["categories"] if c["name"] == name), None)
                if cat is None:
                    cat = {"name": name, "order": len(state["categories"]), "pp": "", "script": "Default",
                           "dir": "", "newzbin": "", "priority": -100}
                    state["categories"].append(cat)
                for key in ("dir", "pp", "script", "newzbin"):
                    if key in args:
                        cat[key] = args[key]
                if "priority" in args:
                    cat["priority"] = int(args["priority"])
                return 200, {"config": {"categories": [cat]}}, True
            return 200, {"status": False, "error": "Not implemented"}, False
        if mode == "del_config":
            if section == "categories" and keyword and keyword != "*":
                before = len(state["categories"])
                state["categories"] = [c for c in state["categories"] if c["name"] != keyword]
                return 200, {"status": len(state["categories"]) < before}, True
            return 200, {"status": False, "error": "Not implemented"}, False
        return 200, {"status": False, "error": "not implemented"}, False


def main():
    state = load()
    if API_KEY and state["misc"]["api_key"] != API_KEY:
        state["misc"]["api_key"] = API_KEY  # the key written into sabnzbd.ini before first start
    save(state)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plex Media Server stand-in: identity and library sections (test equipment, python3 stdlib
only; never imported by the collection, shares nothing with the collection's plugins).

Built from Plex's API documentation, each rule with its source:
- LukeHagar/plex-api-spec (the PMS OpenAPI description): paths/identity.yaml, paths/library/
  get-all-libraries.yaml, paths/library/[sectionId]/delete-library.yaml, responses/401.yaml;
- pkkid/python-plexapi plexapi/library.py (Library.add, LibrarySection.edit/addLocations) for the
  write requests PMS accepts, and dart_plex's note that PMS takes the add at POST /library/sections
  (not /library/sections/all).
State lives in memory (one server per test) or in PLEX_STANDIN_STATE.
"""

import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = os.environ.get("PLEX_STANDIN_TOKEN", "test-only-plex-token")
FRIENDLY_NAME = os.environ.get("PLEX_STANDIN_NAME", "plex-standin")
PORT = int(os.environ.get("PLEX_STANDIN_PORT", "32400"))
# Section types a library can have (plex-api-spec get-all-libraries.yaml: type "movie"; python-plexapi
# library.py: MovieSection/ShowSection/MusicSection/PhotoSection TYPE = movie/show/artist/photo).
TYPES = ("movie", "show", "artist", "photo")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.machine = uuid.uuid4().hex
        self.sections = []
        self.next_key = 1
        self.next_location = 1
        self.requests = []


def directory(section):
    # Field names and types as in get-all-libraries.yaml (key is a string, Location[] has id and path).
    return {"allowSync": True, "art": "/:/resources/%s-fanart.jpg" % section["type"], "filters": True,
            "refreshing": False, "key": str(section["key"]), "type": section["type"], "title": section["title"],
            "agent": section["agent"], "scanner": section["scanner"], "language": section["language"],
            "uuid": section["uuid"], "updatedAt": section["updatedAt"], "createdAt": section["createdAt"],
            "scannedAt": section["updatedAt"], "content": True, "directory": True, "contentChangedAt": 0,
            "hidden": 0, "Location": [{"id": loc_id, "path": path} for loc_id, path in section["Location"]]}


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

        def reply(self, status, body=None):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def reply_xml(self, status, text):
            data = ('<?xml version="1.0" encoding="UTF-8"?>\n%s\n' % text).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def unauthorized(self):
            # responses/401.yaml: "Unauthorized - Returned if the X-Plex-Token is missing from the header or query."
            data = b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
            self.send_response(401)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self, method):
            url = urlparse(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            state.requests.append((method, url.path, query))
            # identity.yaml: /identity answers without a token (machineIdentifier, version).
            if method == "GET" and url.path == "/identity":
                # PMS answers XML unless the client asks for JSON (identity.yaml documents the
                # application/json answer to "Accept: application/json"; Tautulli's webserve.py
                # get_server_id requests /identity without it and reads the XML MediaContainer's
                # machineIdentifier attribute).
                if "application/json" not in (self.headers.get("Accept") or ""):
                    return self.reply_xml(200, '<MediaContainer size="0" claimed="1" machineIdentifier="%s" '
                                               'version="1.41.8.9834-071366d65"> </MediaContainer>' % state.machine)
                return self.reply(200, {"MediaContainer": {"size": 0, "claimed": True,
                                                           "machineIdentifier": state.machine,
                                                           "version": "1.41.8.9834-071366d65"}})
            # The token comes in the X-Plex-Token header or query parameter (responses/401.yaml).
            token = self.headers.get("X-Plex-Token") or (query.get("X-Plex-Token") or [""])[0]
            if token != TOKEN:
                return self.unauthorized()
            parts = [p for p in url.path.split("/") if p]
            # GET / (the server's capabilities, what Seerr's PlexAPI.getStatus reads): needs the token;
            # MediaContainer with friendlyName, machineIdentifier, version (plex-api-spec, "/" get).
            if method == "GET" and not parts:
                return self.reply(200, {"MediaContainer": {"size": 0, "friendlyName": FRIENDLY_NAME,
                                                           "machineIdentifier": state.machine,
                                                           "version": "1.41.8.9834-071366d65", "myPlex": True}})
            with state.lock:
                if parts == ["library", "sections"] and method == "GET":
                    return self.reply(200, {"MediaContainer": {
                        "size": len(state.sections), "allowSync": False, "title1": "Plex Library",
                        "Directory": [directory(s) for s in state.sections]}})
                if parts == ["library", "sections"] and method == "POST":
                    return self.add(query)
                if len(parts) == 3 and parts[:2] == ["library", "sections"]:
                    section = next((s for s in state.sections if str(s["key"]) == parts[2]), None)
                    if section is None:
                        return self.reply(404)
                    if method == "DELETE":
                        # delete-library.yaml: 200 on success.
                        state.sections.remove(section)
                        return self.reply(200)
                    if method == "PUT":
                        return self.edit(section, query)
            return self.reply(404)

        def add(self, query):
            # python-plexapi Library.add: name, type, agent, scanner, language, location (repeated).
            name = (query.get("name") or [""])[0]
            section_type = (query.get("type") or [""])[0]
            locations = query.get("location") or []
            if not name or section_type not in TYPES or not locations:
                return self.reply(400)
            now = int(time.time())
            section = {"key": state.next_key, "title": name, "type": section_type,
                       "agent": (query.get("agent") or [""])[0], "scanner": (query.get("scanner") or [""])[0],
                       "language": (query.get("language") or ["en-US"])[0], "uuid": str(uuid.uuid4()),
                       "createdAt": now, "updatedAt": now, "Location": []}
            state.next_key += 1
            for path in locations:
                section["Location"].append((state.next_location, path))
                state.next_location += 1
            state.sections.append(section)
            return self.reply(200, {"MediaContainer": {"size": 1, "Directory": [directory(section)]}})

        def edit(self, section, query):
            # python-plexapi LibrarySection.edit: PUT with agent (required) and the other settings;
            # addLocations/removeLocations send every location the section keeps.
            if not (query.get("agent") or [""])[0]:
                return self.reply(400)
            if "location" in query:
                kept = dict((path, loc_id) for loc_id, path in section["Location"])
                section["Location"] = []
                for path in query["location"]:
                    loc_id = kept.get(path)
                    if loc_id is None:
                        loc_id = state.next_location
                        state.next_location += 1
                    section["Location"].append((loc_id, path))
            section["updatedAt"] = int(time.time())
            return self.reply(200)

        def do_GET(self):  # noqa: N802
            self.handle_any("GET")

        def do_POST(self):  # noqa: N802
            self.handle_any("POST")

        def do_PUT(self):  # noqa: N802
            self.handle_any("PUT")

        def do_DELETE(self):  # noqa: N802
            self.handle_any("DELETE")

    return Handler


def serve(port=PORT, state=None):
    """A running server (in a thread) and its state."""
    state = state or State()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", PORT), make_handler(State())).serve_forever()

"""Seerr linked to Plex (issue 17: "Seerr linked to Plex as well as Jellyfin").

The contract half checks the Seerr stand-in's Plex routes against what Seerr's source does
(seerr-team/seerr: server/routes/auth.ts POST /auth/plex, server/routes/settings/index.ts
/settings/plex and /settings/plex/library, server/api/plexapi.ts getStatus/syncLibraries,
server/api/plextv.ts getUser, seerr-api.yml with express-openapi-validator's readOnly rule). The
module half runs ``homelab.mediastack.seerr_settings`` with ``media_server.type: plex`` through
ansible-playbook against the Seerr stand-in and the Plex stand-in (both in process): check mode
writes nothing, the first run signs in with the owner's plex.tv token, sets Plex's address and
enables the movie and show libraries, the second run changes nothing.
"""

import json
import socket
import sys
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import load_standin, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

OWNER_TOKEN = "plex-owner-token-0123456789"
FRIEND_TOKEN = "plex-friend-token-0123456789"
seerr = load_standin("seerr_standin_for_plex", "seerr/seerr_standin.py")
plex = load_standin("plex_standin_for_seerr", "plex/plex_standin.py")


def _outward_address():
    """An address of this machine that is not loopback (Seerr's media server may not be 127.x)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        return sock.getsockname()[0]


def _serve(handler, host="127.0.0.1"):
    httpd = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture()
def stack(tmp_path, monkeypatch):
    """Seerr (fresh) and a Plex server with a movie, a show, a music and an agent-less library."""
    monkeypatch.setattr(seerr, "STATE_FILE", str(tmp_path / "seerr.json"))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"plextv_accounts": {
        OWNER_TOKEN: {"id": 101, "uuid": "owner", "email": "Owner@example.com", "username": "owner", "thumb": ""},
        FRIEND_TOKEN: {"id": 202, "uuid": "friend", "email": "friend@example.com", "username": "friend", "thumb": ""},
    }}))
    monkeypatch.setattr(seerr, "CONFIG_FILE", str(config))
    monkeypatch.setattr(plex, "TOKEN", OWNER_TOKEN)
    plex_state = plex.State()
    address = _outward_address()
    plex_server = _serve(plex.make_handler(plex_state), host=address)
    for title, kind, agent in (("Movies", "movie", "tv.plex.agents.movie"), ("Shows", "show", "tv.plex.agents.series"),
                               ("Music", "artist", "tv.plex.agents.music"), ("Home videos", "movie", "com.plexapp.agents.none")):
        plex_state.sections.append({"key": len(plex_state.sections) + 1, "title": title, "type": kind, "agent": agent,
                                    "scanner": "", "language": "en-US", "uuid": title, "createdAt": 0,
                                    "updatedAt": 0, "Location": [(len(plex_state.sections) + 1, "/data/media/x")]})
    seerr_server = _serve(seerr.Handler)
    yield {"seerr": "http://127.0.0.1:%d" % seerr_server.server_address[1], "plex_host": address,
           "plex_port": plex_server.server_address[1], "plex_state": plex_state, "seerr_state": tmp_path / "seerr.json"}
    seerr_server.shutdown()
    plex_server.shutdown()


def call(url, method="GET", body=None, cookie=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, raw, set_cookie = answer.status, answer.read(), answer.headers.get("Set-Cookie")
    except urllib.error.HTTPError as err:
        status, raw, set_cookie = err.code, err.read(), None
    return status, (json.loads(raw) if raw else None), (set_cookie or "").split(";")[0]


def test_plex_sign_in_follows_auth_ts(stack):
    api = stack["seerr"] + "/api/v1"
    # seerr-api.yml: authToken is required (express-openapi-validator, 400 before the route).
    assert call(api + "/auth/plex", "POST", {})[0] == 400
    # plextv.ts getUser throws for a token plex.tv refuses; the route's catch answers 500.
    status, body, _cookie = call(api + "/auth/plex", "POST", {"authToken": "not-a-plex-token"})
    assert (status, body["message"]) == (500, "Unable to authenticate.")
    # The first account becomes user 1, and Seerr's media server type becomes Plex (1).
    status, user, cookie = call(api + "/auth/plex", "POST", {"authToken": OWNER_TOKEN})
    assert status == 200 and user["id"] == 1 and user["plexId"] == 101 and "plexToken" not in user
    assert call(api + "/settings/public")[1]["mediaServerType"] == 1
    assert call(api + "/auth/me", cookie=cookie)[1]["plexUsername"] == "owner"
    # Another plex.tv account without access to the owner's server is refused.
    status, body, _cookie = call(api + "/auth/plex", "POST", {"authToken": FRIEND_TOKEN})
    assert (status, body["message"]) == (403, "Access denied.")


def test_plex_settings_follow_settings_routes(stack):
    api = stack["seerr"] + "/api/v1"
    _status, _user, cookie = call(api + "/auth/plex", "POST", {"authToken": OWNER_TOKEN})
    # readOnly properties of PlexSettings (name, machineId, libraries) in a request body: 400.
    with_read_only = {"name": "", "ip": stack["plex_host"], "port": stack["plex_port"], "libraries": []}
    status, body, _cookie = call(api + "/settings/plex", "POST", with_read_only, cookie)
    assert status == 400 and body["message"] == "request/body/name is read-only, request/body/libraries is read-only"
    # No Plex at the address: 500 "Unable to connect to Plex.", nothing saved.
    nothing_there = {"ip": stack["plex_host"], "port": 9, "useSsl": False}
    status, body, _cookie = call(api + "/settings/plex", "POST", nothing_there, cookie)
    assert (status, body["message"]) == (500, "Unable to connect to Plex.")
    assert call(api + "/settings/plex", cookie=cookie)[1]["ip"] == ""
    # The server's / with the admin's token gives machineId and name.
    address = {"ip": stack["plex_host"], "port": stack["plex_port"], "useSsl": False}
    status, saved, _cookie = call(api + "/settings/plex", "POST", address, cookie)
    assert status == 200 and saved["machineId"] == stack["plex_state"].machine and saved["name"] == "plex-standin"
    # Sync keeps movie and show sections with an agent; every call sets "enabled" from ?enable.
    status, libraries, _cookie = call(api + "/settings/plex/library?sync=true", cookie=cookie)
    assert status == 200 and [(lib["id"], lib["name"], lib["enabled"]) for lib in libraries] == [
        ("1", "Movies", False), ("2", "Shows", False)]
    assert [lib["enabled"] for lib in call(api + "/settings/plex/library?enable=2", cookie=cookie)[1]] == [False, True]
    assert [lib["enabled"] for lib in call(api + "/settings/plex/library?sync=true&enable=2", cookie=cookie)[1]] == [
        False, True]
    assert [lib["enabled"] for lib in call(api + "/settings/plex/library", cookie=cookie)[1]] == [False, False]


PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    homelab.mediastack.seerr_settings:
      url: "%(url)s"
      media_server: {type: plex, hostname: "%(host)s", port: %(port)d, plex_token: "%(token)s"}
  tasks:
    - name: Link (check mode)
      homelab.mediastack.seerr_settings: {}
      check_mode: true
      register: check
    - name: Link
      homelab.mediastack.seerr_settings: {return_api_key: true}
      register: link
    - name: Again
      homelab.mediastack.seerr_settings: {}
      register: again
    - name: Only the movies
      homelab.mediastack.seerr_settings:
        media_server: {type: plex, hostname: "%(host)s", port: %(port)d, plex_token: "%(token)s", libraries: [Movies]}
      register: movies
    - name: Results
      ansible.builtin.copy:
        content: "{{ {'check': check, 'link': link, 'again': again, 'movies': movies} | to_json }}"
        dest: "%(out)s"
"""


def test_seerr_settings_links_plex(stack, tmp_path):
    (tmp_path / "play.yml").write_text(PLAY % {"url": stack["seerr"], "host": stack["plex_host"],
                                               "port": stack["plex_port"], "token": OWNER_TOKEN,
                                               "out": tmp_path / "out.json"})
    result = run_playbook(tmp_path / "play.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert OWNER_TOKEN not in result.stdout + result.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    # Check mode on a fresh Seerr: reported, nothing signed in.
    assert out["check"]["changed"]
    assert out["check"]["actions"][0].startswith("sign in as the media server administrator and link plex")
    state = json.loads(stack["seerr_state"].read_text())
    assert state["public"]["initialized"] and state["main"]["mediaServerType"] == 1
    assert [u["plexId"] for u in state["users"]] == [101]
    # The link: Plex's address and machine id stored, both libraries enabled, the setup completed.
    assert out["link"]["changed"] and out["link"]["api_key"] == state["main"]["apiKey"]
    assert (state["plex"]["ip"], state["plex"]["port"]) == (stack["plex_host"], stack["plex_port"])
    assert state["plex"]["machineId"] == stack["plex_state"].machine
    assert out["again"]["changed"] is False, out["again"]["actions"]
    assert out["movies"]["changed"] and out["movies"]["actions"] == ["enable libraries Movies"]
    assert [(lib["name"], lib["enabled"]) for lib in state["plex"]["libraries"]] == [("Movies", True), ("Shows", False)]
    assert out["link"]["diff"]["after"]["libraries"] == ["Movies", "Shows"]

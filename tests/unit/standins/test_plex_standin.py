"""The Plex stand-in answers as Plex's API documentation says (contract), and the plex_library
module manages libraries through it: create, check mode, idempotence, folders, type change
refused, removal, wrong token.

The contract checks the stand-in's answers against the PMS OpenAPI description when it is in the
reference data (MEDIASTACK_REFERENCE/plex/plex-media-server-spec-dereferenced.yaml, from
LukeHagar/plex-api-spec output/); without it, against the fields that description lists for
GET /library/sections (required size, allowSync, title1; Directory key as a string, Location[]).
"""

import json
import os
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, load_standin, run_playbook, serving  # noqa: E402  pylint: disable=wrong-import-position

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", ROOT.parent / "shared" / "reference"))
plex_standin = load_standin("plex_standin", "plex/plex_standin.py")
TOKEN = plex_standin.TOKEN


@pytest.fixture()
def plex():
    with serving(plex_standin) as served:
        yield served


def _get(url, token=TOKEN):
    req = urllib.request.Request(url, headers={"Accept": "application/json", **({"X-Plex-Token": token} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _documented_sections_schema():
    spec_file = REFERENCE / "plex" / "plex-media-server-spec-dereferenced.yaml"
    if spec_file.exists():
        import yaml
        spec = yaml.safe_load(spec_file.read_text())
        return spec["paths"]["/library/sections"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return None


def test_contract_identity(plex):
    # identity.yaml: open without a token; JSON when asked for it, XML otherwise (what Tautulli's
    # webserve.py get_server_id reads: the MediaContainer's machineIdentifier attribute)
    url, state = plex
    status, body = _get(url + "/identity", token=None)
    assert status == 200 and body["MediaContainer"]["machineIdentifier"] == state.machine
    with urllib.request.urlopen(url + "/identity", timeout=10) as resp:
        root = ET.fromstring(resp.read())
    assert root.tag == "MediaContainer" and root.get("machineIdentifier") == state.machine


def test_contract_library_sections(plex):
    url, _state = plex
    assert _get(url + "/identity", token=None)[0] == 200
    assert _get(url + "/library/sections", token=None)[0] == 401
    assert _get(url + "/library/sections", token="wrong")[0] == 401
    req = urllib.request.Request(url + "/library/sections?name=Movies&type=movie&agent=tv.plex.agents.movie"
                                 "&scanner=Plex%20Movie&language=en-US&location=/data/media/movies",
                                 method="POST", headers={"X-Plex-Token": TOKEN})
    assert urllib.request.urlopen(req, timeout=10).status == 200
    status, body = _get(url + "/library/sections")
    assert status == 200
    schema = _documented_sections_schema()
    if schema is not None:
        import jsonschema
        jsonschema.validate(body, schema)
    container = body["MediaContainer"]
    assert {"size", "allowSync", "title1"} <= set(container)
    section = container["Directory"][0]
    assert isinstance(section["key"], str) and section["type"] == "movie" and section["title"] == "Movies"
    assert section["Location"][0]["path"] == "/data/media/movies" and isinstance(section["Location"][0]["id"], int)


PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/homelab.mediastack.plex: {url: "%(url)s", token: "%(token)s"}
  tasks:
    - name: Create (check mode)
      homelab.mediastack.plex_library: {name: Movies, type: movie, paths: [/data/media/movies]}
      check_mode: true
      register: check
    - name: Create
      homelab.mediastack.plex_library: {name: Movies, type: movie, paths: [/data/media/movies]}
      register: create
    - name: Again
      homelab.mediastack.plex_library: {name: Movies, type: movie, paths: [/data/media/movies]}
      register: again
    - name: Add a folder
      homelab.mediastack.plex_library: {name: Movies, paths: [/data/media/movies4k]}
      register: add
    - name: Purge the other folder
      homelab.mediastack.plex_library: {name: Movies, paths: [/data/media/movies4k], purge_paths: true}
      register: purge
    - name: Change the type (refused; the rescue keeps the play going)
      block:
        - name: Change the type
          homelab.mediastack.plex_library: {name: Movies, type: show, paths: [/data/media/movies4k]}
          register: retype
      rescue:
        - name: The refusal is recorded
          ansible.builtin.debug: {msg: "{{ retype.msg }}"}
    - name: Wrong token (refused)
      block:
        - name: Wrong token
          homelab.mediastack.plex_library: {name: Movies, type: movie, token: wrong-token}
          register: badtoken
      rescue:
        - name: The refusal is recorded
          ansible.builtin.debug: {msg: "{{ badtoken.msg }}"}
    - name: Remove
      homelab.mediastack.plex_library: {name: Movies, state: absent}
      register: remove
    - name: Results
      ansible.builtin.copy:
        content: "{{ {'check': check, 'create': create, 'again': again, 'add': add, 'purge': purge,
                      'retype': retype, 'badtoken': badtoken, 'remove': remove} | to_json }}"
        dest: "%(out)s"
"""


def test_plex_library_module(plex, tmp_path):
    url, state = plex
    (tmp_path / "play.yml").write_text(PLAY % {"url": url, "token": TOKEN, "out": tmp_path / "out.json"})
    result = run_playbook(tmp_path / "play.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["check"]["changed"] and out["check"]["actions"] == ["create library Movies (movie) with /data/media/movies"]
    writes = [r for r in state.requests if r[0] != "GET"]
    assert writes[0][0] == "POST"  # check mode wrote nothing: the first write is the real create
    assert out["create"]["changed"] and out["create"]["library"]["agent"] == "tv.plex.agents.movie"
    assert not out["again"]["changed"]
    assert out["add"]["library"]["paths"] == ["/data/media/movies", "/data/media/movies4k"]
    assert out["purge"]["actions"] == ["remove folder /data/media/movies"]
    assert out["purge"]["library"]["paths"] == ["/data/media/movies4k"]
    assert out["retype"]["failed"] and "Plex cannot change the type" in out["retype"]["msg"]
    assert out["badtoken"]["failed"] and "HTTP 401" in out["badtoken"]["msg"] and "wrong-token" not in out["badtoken"]["msg"]
    assert out["remove"]["changed"] and out["remove"]["library"] == {}
    assert not state.sections


WIRING = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.mediastack.client_wiring
"""


def test_client_wiring_makes_plex_libraries_per_media_type(plex, tmp_path):
    url, state = plex
    (tmp_path / "play.yml").write_text(WIRING)
    (tmp_path / "vars.json").write_text(json.dumps({"client_wiring_plex_url": url, "mediastack_plex_token": TOKEN,
                                                    "client_wiring_validate_certs": False}))
    for _run in range(2):
        result = run_playbook(tmp_path / "play.yml", "-e", "@%s" % (tmp_path / "vars.json"))
        assert result.returncode == 0, result.stdout + result.stderr
    assert "changed=0" in result.stdout  # the second run
    assert sorted((s["title"], s["type"], [p for _i, p in s["Location"]]) for s in state.sections) == [
        ("Movies", "movie", ["/data/media/movies"]), ("Shows", "show", ["/data/media/tv"])]

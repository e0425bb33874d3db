"""Jellyfin: wizard order, token header, library requests, and path plans."""

import io
import json

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._jellyfin import (
    JellyfinClient, library_view, plan_library_paths)


class Script:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url.replace("http://jf.example.com:8096", ""), data, headers))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(b"" if answer is None else json.dumps(answer).encode())


def test_wizard_runs_in_jellyfins_order():
    script = Script([None, {"Name": "jellyfin"}, None, None, None])
    JellyfinClient("http://jf.example.com:8096", opener=script).run_wizard(
        "admin", "pw", {"UICulture": "en-US"}, {"EnableRemoteAccess": True})
    assert [c[:2] for c in script.calls] == [
        ("POST", "/Startup/Configuration"), ("GET", "/Startup/User"), ("POST", "/Startup/User"),
        ("POST", "/Startup/RemoteAccess"), ("POST", "/Startup/Complete")]
    assert json.loads(script.calls[2][2]) == {"Name": "admin", "Password": "pw"}


def test_sign_in_switches_to_the_session_token():
    script = Script([{"AccessToken": "t0k", "User": {"Name": "admin"}}, []])
    client = JellyfinClient("http://jf.example.com:8096", opener=script)
    client.authenticate("admin", "pw")
    client.libraries()
    assert 'Token="t0k"' in script.calls[1][3]["Authorization"]


def test_wrong_password_message():
    script = Script([HTTPError("u", 401, "Unauthorized", {}, io.BytesIO(b""))])
    with pytest.raises(ApiError) as err:
        JellyfinClient("http://jf.example.com:8096", opener=script).authenticate("admin", "pw")
    assert "wrong user name or password" in str(err.value)


def test_add_library_sends_each_path_and_explains_a_missing_folder():
    script = Script([None, HTTPError("u", 404, "Not Found", {}, io.BytesIO(b"The path does not exist."))])
    client = JellyfinClient("http://jf.example.com:8096", "k", opener=script)
    client.add_library("Shows", "tvshows", ["/data/media/tv", "/data/media/tv2"])
    method, url, _data, _headers = script.calls[0]
    assert method == "POST" and url.startswith("/Library/VirtualFolders?")
    assert "paths=%2Fdata%2Fmedia%2Ftv&paths=%2Fdata%2Fmedia%2Ftv2" in url and "collectionType=tvshows" in url
    with pytest.raises(ApiError) as err:
        client.add_path("Shows", "/nope")
    assert "Create the folder" in str(err.value)


def test_path_plan():
    assert plan_library_paths(["/a/", "/b"], ["/a", "/c"], purge=False) == (["/c"], [])
    assert plan_library_paths(["/a/", "/b"], ["/a", "/c"], purge=True) == (["/c"], ["/b"])
    assert library_view({"Name": "M", "Locations": ["/m/"], "CollectionType": None}) == {
        "name": "M", "collection_type": "mixed", "paths": ["/m"]}


def test_add_library_with_a_missing_folder_names_it():
    # Jellyfin's LibraryManager.AddVirtualFolder throws ArgumentException for a folder that does not
    # exist: HTTP 400 with the exception middleware's generic body (no hint in the answer itself).
    script = Script([HTTPError("u", 400, "Bad Request", {}, io.BytesIO(b"Error processing request."))])
    with pytest.raises(ApiError) as err:
        JellyfinClient("http://jf.example.com:8096", "k", opener=script).add_library("Shows", "tvshows", ["/nope"])
    assert "library Shows with /nope" in str(err.value) and "create it" in str(err.value)

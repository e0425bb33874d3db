"""Seerr: names resolved to ids from the connection test, loopback refused, error messages."""

import io
import json

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._seerr import (
    SeerrClient, is_local, mask_server, resolve_server, server_changes)

LOOKUP = {"profiles": [{"id": 1, "name": "Any"}, {"id": 4, "name": "HD-1080p"}],
          "rootFolders": [{"id": 1, "path": "/data/media/tv"}], "tags": [{"id": 3, "label": "requests"}],
          "languageProfiles": [{"id": 1, "name": "English"}]}
WANTED = dict(name="sonarr", hostname="sonarr", port=8989, api_key="k", use_ssl=False, base_url="",
              quality_profile="HD-1080p", root_folder="/data/media/tv/", tags=["requests"], is_4k=False,
              is_default=True, external_url=None, sync_enabled=False, prevent_search=False)


def test_names_become_ids():
    body = resolve_server("sonarr", WANTED, LOOKUP)
    assert body["activeProfileId"] == 4 and body["activeDirectory"] == "/data/media/tv" and body["tags"] == [3]
    assert body["hostname"] == "sonarr" and body["enableSeasonFolders"] is True


def test_unknown_names_say_what_exists():
    with pytest.raises(ValueError, match="HD-1080p"):
        resolve_server("sonarr", dict(WANTED, quality_profile="Ultra"), LOOKUP)
    with pytest.raises(ValueError, match="/data/media/tv"):
        resolve_server("sonarr", dict(WANTED, root_folder="/tv"), LOOKUP)
    with pytest.raises(ValueError, match="requests"):
        resolve_server("sonarr", dict(WANTED, tags=["nope"]), LOOKUP)


def test_loopback_names_are_local():
    assert is_local("localhost") and is_local("127.0.0.1") and is_local("127.1.2.3") and is_local("::1")
    assert not is_local("jellyfin") and not is_local("192.0.2.10")


def test_server_diff_ignores_keys_seerr_adds_and_masks_the_key():
    body = resolve_server("radarr", dict(WANTED, name="radarr", hostname="radarr", port=7878,
                                         root_folder="/data/media/tv", tags=[]), LOOKUP)
    have = dict(body, id=0, activeProfileName="HD-1080p", extra="kept")
    assert server_changes(have, body) == {}
    assert server_changes(dict(have, hostname="127.0.0.1"), body) == {"hostname": "radarr"}
    assert mask_server(have)["apiKey"] == "********"


class Script:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url.replace("http://seerr.example.com:5055", ""), headers))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(json.dumps(answer).encode())


def test_failed_connection_test_names_the_host():
    script = Script([HTTPError("u", 500, "Error", {}, io.BytesIO(b'{"message": "Failed to connect to Sonarr"}'))])
    with pytest.raises(ApiError) as err:
        SeerrClient("http://seerr.example.com:5055", "k3y", opener=script).test_server(
            "sonarr", {"hostname": "sonarr", "port": 8989, "apiKey": "k3y"})
    assert "sonarr:8989" in str(err.value) and "k3y" not in str(err.value)
    assert script.calls[0][:2] == ("POST", "/api/v1/settings/sonarr/test")
    assert script.calls[0][2]["X-Api-Key"] == "k3y"


def test_unreachable_plex_names_the_address_and_sends_only_the_address():
    # server/routes/settings/index.ts POST /plex: no answer from Plex -> 500 "Unable to connect to Plex."
    script = Script([HTTPError("u", 500, "Error", {}, io.BytesIO(b'{"message": "Unable to connect to Plex."}'))])
    with pytest.raises(ApiError) as err:
        SeerrClient("http://seerr.example.com:5055", "k3y", opener=script).set_media_settings(
            "plex", {"ip": "plex", "port": 32400, "useSsl": False})
    assert "Plex at plex:32400 (Unable to connect to Plex.)" in str(err.value)
    assert script.calls[0][:2] == ("POST", "/api/v1/settings/plex")


def test_api_key_that_acts_as_no_user_is_not_usable():
    script = Script([HTTPError("u", 403, "Forbidden", {}, io.BytesIO(b'{"status": 403, "error": "no"}'))])
    assert SeerrClient("http://seerr.example.com:5055", "k3y", opener=script).can_use_api_key() is False


class Recorder:
    """A scripted Jellyseerr: records each request, answers library calls as Jellyseerr does."""

    def __init__(self, libraries):
        self.libraries = libraries
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url))
        from urllib.parse import parse_qs, urlparse
        query = parse_qs(urlparse(url).query)
        # server/routes/settings/index.ts: "enabled" set from ?enable on every call of this endpoint
        wanted = (query.get("enable") or [""])[0].split(",")
        answer = [dict(lib, enabled=lib["id"] in wanted) for lib in self.libraries]
        return io.BytesIO(json.dumps(answer).encode())


LIBS = [{"id": "a1", "name": "Movies", "type": "movie", "enabled": True},
        {"id": "b2", "name": "Shows", "type": "show", "enabled": True}]


def test_libraries_in_place_need_no_change():
    from ansible_collections.homelab.mediastack.plugins.module_utils._seerr import reconcile_libraries
    opener = Recorder(LIBS)
    client = SeerrClient("http://seerr.example.com:5055", api_key="k", opener=opener)
    _libs, now, wanted, unknown = reconcile_libraries(client, "jellyfin", {"libraries": LIBS}, None, check_mode=False)
    assert now == wanted == ["Movies", "Shows"] and unknown == []
    # the sync carried the enabled ids, so it disabled nothing; no second call was needed
    assert len(opener.calls) == 1 and "enable=a1%2Cb2" in opener.calls[0][1] and "sync=true" in opener.calls[0][1]
    assert "/settings/jellyfin/library?" in opener.calls[0][1]


def test_check_mode_calls_nothing():
    from ansible_collections.homelab.mediastack.plugins.module_utils._seerr import reconcile_libraries
    opener = Recorder(LIBS)
    client = SeerrClient("http://seerr.example.com:5055", api_key="k", opener=opener)
    _libs, now, wanted, _unknown = reconcile_libraries(client, "plex", {"libraries": LIBS}, ["Movies"], check_mode=True)
    assert opener.calls == [] and now == ["Movies", "Shows"] and wanted == ["Movies"]


def test_unset_season_folders_is_true_not_null():
    # Jellyseerr's OpenAPI validation refuses enableSeasonFolders: null with 400 ("must be boolean").
    body = resolve_server("sonarr", dict(WANTED, season_folders=None), LOOKUP)
    assert body["enableSeasonFolders"] is True
    assert resolve_server("sonarr", dict(WANTED, season_folders=False), LOOKUP)["enableSeasonFolders"] is False

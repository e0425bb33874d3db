"""qBittorrent client: the login sequence, the form posts, and the shared reconcile step."""

import io
import json
import urllib.parse

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._qbittorrent import (
    QBittorrentClient, normalize_path, validate_preferences)
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import (
    coerce_like, diff_keys, reconcile, values_equal)


class Script:
    """Answers from a list (dict → JSON, str → text, Exception → raised) and records the requests."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url.split("?")[0].replace("http://qbt.example.com:8080", ""), data, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(json.dumps(answer).encode() if isinstance(answer, (dict, list)) else answer.encode())


def form(call):
    return dict(urllib.parse.parse_qsl(call[2]))


def client(script, password="s3cret"):
    return QBittorrentClient("http://qbt.example.com:8080/", "admin", password, opener=script)


def test_login_posts_the_form_and_keeps_a_cookie_jar():
    script = Script(["Ok.", {"save_path": "/downloads"}])
    qbt = client(script)
    assert qbt.login() == "s3cret"
    assert qbt.preferences() == {"save_path": "/downloads"}
    assert [c[:2] for c in script.calls] == [("POST", "/api/v2/auth/login"), ("GET", "/api/v2/app/preferences")]
    assert form(script.calls[0]) == {"username": "admin", "password": "s3cret"}
    assert script.calls[0][3]["cookies"] is script.calls[1][3]["cookies"]


def test_fails_answer_tries_the_new_password_then_reports_without_the_secret():
    script = Script(["Fails.", "Ok."])
    assert client(script).login(fallback_passwords=["n3w"]) == "n3w"
    script = Script(["Fails."])
    with pytest.raises(ApiError) as err:
        client(script).login()
    assert "rejected the login" in str(err.value) and "s3cret" not in str(err.value)


def test_ban_is_explained():
    script = Script([HTTPError("u", 403, "Forbidden", {}, io.BytesIO(b"Forbidden"))])
    with pytest.raises(ApiError) as err:
        client(script).login()
    assert "banned" in str(err.value) and err.value.status == 403


def test_no_password_means_no_login():
    script = Script([{}])
    qbt = client(script, password=None)
    assert qbt.login() is None
    qbt.categories()
    assert [c[1] for c in script.calls] == ["/api/v2/torrents/categories"]


def test_set_preferences_sends_json_in_a_form_field():
    script = Script([""])
    client(script).set_preferences({"listen_port": 6881})
    assert script.calls[0][1] == "/api/v2/app/setPreferences"
    assert json.loads(form(script.calls[0])["json"]) == {"listen_port": 6881}


def test_category_posts():
    script = Script(["", ""])
    qbt = client(script)
    qbt.create_category("tv-sonarr", "/data/torrents/tv")
    qbt.edit_category("tv-sonarr", "/data/torrents/series")
    assert [c[1] for c in script.calls] == ["/api/v2/torrents/createCategory", "/api/v2/torrents/editCategory"]
    assert form(script.calls[1]) == {"category": "tv-sonarr", "savePath": "/data/torrents/series"}


def test_paths_are_compared_as_qbittorrent_stores_them():
    assert normalize_path("/data/torrents/tv/") == "/data/torrents/tv"
    assert normalize_path("/data//torrents") == "/data/torrents"


def test_password_is_refused_inside_preferences():
    assert "web_ui_password" in validate_preferences({"web_ui_password": "x"})
    assert validate_preferences({"save_path": "/data"}) is None


def test_reconcile_overlays_only_given_keys_with_types_of_the_api():
    current = {"listen_port": 6881, "random_port": False, "save_path": "/data", "max_ratio": 1.5, "other": 1}
    assert values_equal(6881, "6881") and values_equal(False, "no") and values_equal(1.5, "1.5")
    assert coerce_like(6881, "7000") == 7000
    assert diff_keys(current, {"listen_port": "6881", "random_port": True}) == {"random_port": True}
    applied = []
    result = reconcile(current, {"listen_port": 7000, "proxy_password": "p"}, apply=applied.append,
                       secret_keys=("proxy_password",))
    assert applied == [{"listen_port": 7000, "proxy_password": "p"}]
    assert result["changes"] == ["listen_port", "proxy_password"]
    assert result["diff"]["after"]["proxy_password"] == "********"
    assert "other" not in result["diff"]["before"]


def test_reconcile_in_check_mode_applies_nothing():
    applied = []
    result = reconcile({"a": 1}, {"a": 2}, apply=applied.append, check_mode=True)
    assert result["changed"] and applied == []

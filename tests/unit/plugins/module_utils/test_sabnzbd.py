"""SABnzbd: query API calls, errors that come with HTTP 200, value comparison."""

import io
import json
import urllib.parse

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._sabnzbd import SabnzbdClient, same_value, sab_value


class Script:
    def __init__(self, answers):
        self.answers = list(answers)
        self.queries = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.queries.append(dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query)))
        return io.BytesIO(json.dumps(self.answers.pop(0)).encode())


def test_set_config_query():
    script = Script([{"config": {"misc": {"complete_dir": "/data"}}}, {"config": {"categories": []}}])
    sab = SabnzbdClient("http://sab.example.com:8080", "k3y", opener=script)
    sab.set_misc("host_whitelist", ["sabnzbd", "sab.example.com"])
    sab.set_category({"name": "tv-sonarr", "dir": "/data/usenet/tv", "priority": None})
    assert script.queries[0] == {"mode": "set_config", "section": "misc", "keyword": "host_whitelist",
                                 "value": "sabnzbd,sab.example.com", "apikey": "k3y", "output": "json"}
    assert script.queries[1] == {"mode": "set_config", "section": "categories", "name": "tv-sonarr",
                                 "dir": "/data/usenet/tv", "apikey": "k3y", "output": "json"}


def test_wrong_key_answers_200_with_status_false():
    script = Script([{"status": False, "error": "API Key Incorrect"}])
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sab.example.com:8080", "k3y", opener=script).config()
    assert "not the NZB key" in str(err.value) and "k3y" not in str(err.value)


def test_values_compare_as_sabnzbd_types_them():
    assert same_value(["tv"], "tv") and same_value(["a", "b"], ["a", "b"])
    assert same_value(0, False) and same_value(1, "1") and not same_value(1, 0)
    assert same_value("/data/usenet/", "/data/usenet")
    assert sab_value(True) == "1" and sab_value(None) == ""

"""SABnzbd: query API calls, errors that come with HTTP 200, value comparison."""

import io
import json
import urllib.error
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


class Refusal(Script):
    """Answers as SABnzbd 3.7.1 (Debian's sabnzbdplus) did when recorded: HTTP 403 with a text body."""

    def __init__(self, text):
        super(Refusal, self).__init__([])
        self.text = text

    def __call__(self, url, method, data, headers, **kwargs):
        raise urllib.error.HTTPError(url, 403, "Forbidden", {"Content-Type": "text/html;charset=utf-8"},
                                     io.BytesIO(self.text.encode()))


@pytest.mark.parametrize("text", ["API Key Incorrect", "API Key Required"])
def test_wrong_key_answers_403_text(text):
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sab.example.com:8080", "k3y", opener=Refusal(text)).config()
    assert "refused the API key (%s)" % text in str(err.value) and "not the NZB key" in str(err.value)
    assert "k3y" not in str(err.value) and "credentials are valid" not in str(err.value)


def test_older_releases_key_error_with_status_false():
    script = Script([{"status": False, "error": "API Key Incorrect"}])
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sab.example.com:8080", "k3y", opener=script).config()
    assert "not the NZB key" in str(err.value) and "k3y" not in str(err.value)


def test_host_name_not_whitelisted_says_what_to_add():
    refusal = Refusal("Access denied - Hostname verification failed: https://sabnzbd.org/hostname-check")
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sabnzbd.lan:8080", "k3y", opener=refusal).config()
    assert "Add sabnzbd.lan to host_whitelist" in str(err.value) and "k3y" not in str(err.value)


def test_a_value_sabnzbd_did_not_take_fails():
    # Recorded on 3.7.1: complete_dir set to a folder the sabnzbd account cannot create.
    script = Script([{"config": {"misc": {"complete_dir": "Downloads/complete"}}}])
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sab.example.com:8080", "k3y", opener=script).set_misc("complete_dir", "/data/usenet/complete")
    assert "did not take complete_dir=/data/usenet/complete and kept Downloads/complete" in str(err.value)


def test_a_secret_not_taken_stays_hidden():
    script = Script([{"config": {"misc": {"password": "old-secret"}}}])
    with pytest.raises(ApiError) as err:
        SabnzbdClient("http://sab.example.com:8080", "k3y", opener=script).set_misc("password", "new-secret")
    assert "secret" not in str(err.value)


def test_values_compare_as_sabnzbd_types_them():
    assert same_value(["tv"], "tv") and same_value(["a", "b"], ["a", "b"])
    assert same_value(0, False) and same_value(1, "1") and not same_value(1, 0)
    assert same_value("/data/usenet/", "/data/usenet")
    assert sab_value(True) == "1" and sab_value(None) == ""

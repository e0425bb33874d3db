"""NZBGet: the full-list overlay saveconfig needs, categories by name, the JSON-RPC error shape."""

import io
import json

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._nzbget import (
    NzbgetClient, entries_differ, nzbget_value, plan_config)

FILE = [
    {"Name": "MainDir", "Value": "/var/lib/nzbget"},
    {"Name": "DestDir", "Value": "${MainDir}/dst"},
    {"Name": "ControlPassword", "Value": "s3cret"},
    {"Name": "Category1.Name", "Value": "Movies"},
    {"Name": "Category1.DestDir", "Value": ""},
    {"Name": "Category1.Unpack", "Value": "yes"},
    {"Name": "Category2.Name", "Value": "Series"},
    {"Name": "Category3.Name", "Value": "Music"},
]


def values(entries):
    return dict((e["Name"], e["Value"]) for e in entries)


def test_every_option_of_the_file_is_sent_back():
    new, before, after = plan_config(FILE, {"DestDir": "/data/usenet/complete"}, [])
    assert values(new) == dict(values(FILE), DestDir="/data/usenet/complete")
    assert before["options"] == {"DestDir": "${MainDir}/dst"}
    assert after["options"] == {"DestDir": "/data/usenet/complete"}


def test_unchanged_config_is_not_a_change():
    new, _before, _after = plan_config(FILE, {"MainDir": "/var/lib/nzbget"}, [{"name": "Movies", "unpack": True}])
    assert not entries_differ(FILE, new)
    # the same category in another case is found, and takes the case given
    new, _before, _after = plan_config(FILE, {}, [{"name": "movies"}])
    assert entries_differ(FILE, new) and values(new)["Category1.Name"] == "movies"


def test_categories_match_without_case_and_new_ones_are_appended():
    new, _b, after = plan_config(FILE, {}, [{"name": "movies", "dest_dir": "/data/usenet/movies"},
                                            {"name": "tv-sonarr", "dest_dir": "/data/usenet/tv"}])
    v = values(new)
    assert v["Category1.Name"] == "movies" and v["Category1.DestDir"] == "/data/usenet/movies"
    assert v["Category1.Unpack"] == "yes"  # kept: not given
    assert v["Category4.Name"] == "tv-sonarr" and v["Category4.DestDir"] == "/data/usenet/tv"
    assert [c["name"] for c in after["categories"]] == ["movies", "Series", "Music", "tv-sonarr"]


def test_purge_renumbers_from_one():
    new, _b, _a = plan_config(FILE, {}, [{"name": "Music", "dest_dir": "/m"}], purge_categories=True)
    cats = dict((e["Name"], e["Value"]) for e in new if e["Name"].startswith("Category"))
    assert cats == {"Category1.Name": "Music", "Category1.DestDir": "/m"}
    assert values(new)["MainDir"] == "/var/lib/nzbget"


def test_invalid_input_is_refused():
    with pytest.raises(ValueError):
        plan_config(FILE, {"Category1.Name": "x"}, [])
    with pytest.raises(ValueError):
        plan_config(FILE, {}, [{"name": "tv"}, {"name": "TV"}])


def test_values_as_nzbget_keeps_them():
    assert nzbget_value(True) == "yes" and nzbget_value(False) == "no"
    assert nzbget_value(["a", "b"]) == "a, b" and nzbget_value(6789) == "6789"


class Script:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url, json.loads(data), headers))
        return io.BytesIO(json.dumps(self.answers.pop(0)).encode())


def test_json_rpc_with_basic_auth_and_error_shape():
    script = Script([{"version": "1.1", "result": FILE},
                     {"version": "1.1", "error": {"name": "JSONRPCError", "code": 1, "message": "Invalid procedure"}}])
    client = NzbgetClient("http://nzbget.example.com:6789", "nzbget", "s3cret", opener=script)
    assert client.load_config() == FILE
    with pytest.raises(ApiError) as err:
        client.call("nosuch")
    assert "Invalid procedure" in str(err.value)
    method, url, body, headers = script.calls[0]
    assert (method, url, body["method"]) == ("POST", "http://nzbget.example.com:6789/jsonrpc", "loadconfig")
    assert headers["Authorization"] == "Basic bnpiZ2V0OnMzY3JldA=="


def test_saveconfig_false_is_an_error():
    script = Script([{"version": "1.1", "result": False}])
    with pytest.raises(ApiError):
        NzbgetClient("http://nzbget.example.com:6789", "nzbget", "p", opener=script).save_config(FILE)

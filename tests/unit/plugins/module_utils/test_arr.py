"""*arr module_utils: the pure parts (coercion, normalising, overlay, diff, secrets, path mapping
computation, error messages) and the exact request sequence of the reconciler against scripted
answers built from the recorded/derived fixtures in fixtures/arr/."""

import copy
import io
import json
import os
from pathlib import Path

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError

from ansible_collections.homelab.mediastack.plugins.module_utils import _arr_kinds
from ansible_collections.homelab.mediastack.plugins.module_utils._arr import ArrError, execute
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import validation_messages
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_paths import norm_dir_slash, remote_path_mappings
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import (
    MASK, coerce, compare_provider, overlay_fields, same,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arr"
# Upstream-derived data stays upstream: read in place from ../shared/reference (CI has it there).
REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", Path(__file__).resolve().parents[4].parent / "shared" / "reference"))
REFERENCE_FIXTURES = REFERENCE / "arr" / "fixtures" / "derived"
SONARR_KEY = "0123456789abcdef0123456789abcdef"
QBT_PASSWORD = "qbt-Secret-Pw-42"


def fixture(name):
    path = FIXTURES / name
    if not path.exists():
        path = REFERENCE_FIXTURES / name
    return json.loads(path.read_text())


# --- pure helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, like, ftype, expected", [
    ("8080", 8080, None, 8080),
    ("8080", None, "number", 8080),
    ("yes", False, None, True),
    ("false", None, "checkbox", False),
    (5, "abc", None, "5"),
    (["5000", 5010], [5000], None, [5000, 5010]),
    ("text", None, "textbox", "text"),
])
def test_coerce_to_the_apps_types(value, like, ftype, expected):
    assert coerce(value, like, ftype) == expected


def test_same_treats_null_and_empty_alike_and_lists_as_sets():
    assert same(None, "")
    assert same([5010, 5000], [5000, 5010])
    assert not same("a", "b")
    assert not same(1, 2)


def test_remote_path_with_and_without_trailing_slash_compare_equal():
    assert norm_dir_slash("/downloads") == norm_dir_slash("/downloads/") == "/downloads/"
    assert norm_dir_slash("C:\\Downloads") == "C:\\Downloads\\"


def test_overlay_keeps_every_schema_field_and_reports_unknown_ones():
    template = [t for t in fixture("sonarr-downloadclient-schema.partial.json") if t["implementation"] == "QBittorrent"][0]
    fields, unknown = overlay_fields(template["fields"], {"host": "qbittorrent", "port": "8081", "tvCategroy": "tv"})
    assert unknown == ["tvCategroy"]
    assert [f["name"] for f in fields] == [f["name"] for f in template["fields"]]  # nothing omitted (PUT resets omitted)
    values = dict((f["name"], f.get("value")) for f in fields)
    assert values["host"] == "qbittorrent"
    assert values["port"] == 8081  # coerced to the schema's int
    assert values["tvCategory"] == "tv-sonarr"  # schema default kept
    assert template["fields"][0]["value"] == "localhost"  # the template itself is untouched


def _qbt_current(password_value=MASK):
    template = copy.deepcopy([t for t in fixture("sonarr-downloadclient-schema.partial.json")
                              if t["implementation"] == "QBittorrent"][0])
    template.update(id=1, name="qBittorrent", tags=[])
    for field in template["fields"]:
        if field["name"] == "password":
            field["value"] = password_value
        if field["name"] == "host":
            field["value"] = "qbittorrent"
    return template


@pytest.mark.parametrize("policy, changed, verify", [("verify", False, ["password"]), ("always", True, []),
                                                     ("on_create", False, [])])
def test_masked_secret_follows_the_policy_and_never_shows(policy, changed, verify):
    current = _qbt_current()
    changes, before, after, to_verify = compare_provider(
        current, {}, {"host": "qbittorrent", "password": QBT_PASSWORD}, {"password", "apiKey"}, policy)
    assert bool(changes) is changed
    assert to_verify == verify
    assert QBT_PASSWORD not in json.dumps([before, after])


def test_secret_stored_empty_is_a_change_even_with_on_create():
    changes, _b, after, _v = compare_provider(_qbt_current(password_value=""), {}, {"password": QBT_PASSWORD},
                                              {"password"}, "on_create")
    assert changes == ["fields.password"]
    assert QBT_PASSWORD not in json.dumps(after)


def test_diff_lists_only_keys_that_differ():
    changes, before, after, _v = compare_provider(_qbt_current(), {"priority": 1, "enable": True},
                                                  {"host": "qbt2", "port": 8080}, set(), "verify")
    assert changes == ["fields.host"]
    assert before["fields.host"] == "qbittorrent" and after["fields.host"] == "qbt2"


def test_create_marks_everything_as_a_change():
    changes, _b, _a, _v = compare_provider(None, {"priority": 1}, {"host": "q"}, set(), "verify")
    assert changes == ["priority", "fields.host"]


def test_validation_messages_from_a_recorded_400():
    text = validation_messages(fixture("prowlarr-indexerproxy-post-400-name-not-unique.json"))
    assert text == "Name: Should be unique"


def test_validation_messages_from_testall_results():
    assert validation_messages(fixture("validation-failed.json")) == "string: string"


# --- path mappings from the storage layout --------------------------------------------------------

def test_no_mapping_where_the_paths_agree():
    layout = {"app_paths": {"/data": "/data"},
              "clients": [{"host": "qbittorrent", "paths": {"/data/torrents": "/data/torrents"}}]}
    assert remote_path_mappings(layout) == []


def test_mapping_where_the_client_sees_another_path():
    layout = {"app_paths": {"/srv/data": "/data"},
              "clients": [{"host": "qbittorrent", "paths": {"/srv/data/torrents": "/downloads"}},
                          {"host": "nzbget", "paths": {"/srv/data/usenet": "/data/usenet"}}]}
    assert remote_path_mappings(layout) == [
        {"host": "qbittorrent", "remote_path": "/downloads/", "local_path": "/data/torrents/"}]


def test_longest_mount_wins():
    layout = {"app_paths": {"/srv": "/srv", "/srv/media/downloads": "/downloads"},
              "clients": [{"host": "q", "paths": {"/srv/media/downloads/complete": "/complete"}}]}
    assert remote_path_mappings(layout) == [{"host": "q", "remote_path": "/complete/", "local_path": "/downloads/complete/"}]


def test_a_folder_the_app_cannot_see_is_an_error():
    layout = {"app_paths": {"/data/media": "/media"}, "clients": [{"host": "q", "paths": {"/data/torrents": "/downloads"}}]}
    with pytest.raises(ValueError, match="cannot see /data/torrents"):
        remote_path_mappings(layout)


# --- the reconciler against scripted answers ----------------------------------------------------

class Script:
    """An opener answering (method, path) from a list, in order, and recording the requests."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        path = url.split("8989", 1)[-1] if "8989" in url else url.split("9696", 1)[-1]
        self.calls.append((method, path, json.loads(data) if data else None, headers))
        assert self.answers, "unexpected request %s %s" % (method, path)
        want_method, want_path, status, body = self.answers.pop(0)
        assert (method, path.split("?")[0]) == (want_method, want_path), "expected %s %s, got %s %s" % (
            want_method, want_path, method, path)
        if status >= 400:
            raise HTTPError(url, status, "err", {}, io.BytesIO(json.dumps(body).encode() if body is not None else b""))
        return io.BytesIO(json.dumps(body).encode())

    def writes(self):
        return [(m, p) for m, p, _d, _h in self.calls if m in ("PUT", "DELETE") or (m == "POST" and "/test" not in p)]


STATUS = ("GET", "/api/v3/system/status", 200, {"appName": "Sonarr", "version": "4.0.19.0"})
PARAMS = dict(url="http://sonarr.example.com:8989", api_key=SONARR_KEY, validate_certs=True, timeout=5, app=None,
              name="qBittorrent", implementation="QBittorrent",
              fields={"host": "qbittorrent", "port": "8080", "username": "admin", "password": QBT_PASSWORD,
                      "tvCategory": "tv"},
              tags=["Streaming"], extra={}, state="present", force_save=False, secret_policy="verify",
              priority=1, enable=None)


def run(script, check_mode=False, **overrides):
    params = dict(PARAMS, **overrides)
    return execute("arr_download_client", params, check_mode=check_mode, opener=script, sleep=lambda s: None)


def test_create_reads_schema_creates_tag_and_posts_the_whole_object():
    schema = fixture("sonarr-downloadclient-schema.partial.json")
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, []),
                     ("GET", "/api/v3/downloadclient/schema", 200, schema),
                     ("GET", "/api/v3/tag", 200, []), ("POST", "/api/v3/tag", 201, {"id": 3, "label": "streaming"}),
                     ("POST", "/api/v3/downloadclient", 201, dict(_qbt_current(), id=7))])
    result = run(script)
    assert result["changed"] and result["action"] == "created"
    method, path, body, headers = script.calls[-1]
    assert path == "/api/v3/downloadclient?forceSave=false"
    assert body["tags"] == [3] and body["priority"] == 1
    assert headers["X-Api-Key"] == SONARR_KEY
    sent = dict((f["name"], f["value"]) for f in body["fields"])
    assert sent["password"] == QBT_PASSWORD and sent["port"] == 8080 and sent["tvCategory"] == "tv"
    assert len(body["fields"]) == len(schema[0]["fields"])
    assert QBT_PASSWORD in result["_secrets"]
    assert QBT_PASSWORD not in json.dumps(dict(result, _secrets=None))


def _stored():
    obj = _qbt_current()
    obj["tags"] = [3]
    obj["priority"] = 1
    for field in obj["fields"]:
        field["value"] = {"host": "qbittorrent", "port": 8080, "username": "admin", "password": MASK,
                          "tvCategory": "tv"}.get(field["name"], field.get("value"))
    return obj


def test_rerun_with_masked_secret_tests_the_stored_object_and_writes_nothing():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [_stored()]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}]),
                     ("POST", "/api/v3/downloadclient/test", 200, {})])
    result = run(script)
    assert not result["changed"] and result["action"] == "unchanged"
    assert script.writes() == []
    tested = script.calls[-1][2]
    assert tested["id"] == 1
    assert dict((f["name"], f["value"]) for f in tested["fields"])["password"] == MASK  # the app merges the stored one


def test_stored_secret_failing_the_apps_test_is_replaced():
    failure = [{"propertyName": "Password", "errorMessage": "Authentication failure", "severity": "error"}]
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [_stored()]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}]),
                     ("POST", "/api/v3/downloadclient/test", 400, failure),
                     ("PUT", "/api/v3/downloadclient/1", 202, _stored())])
    result = run(script)
    assert result["changed"] and result["action"] == "updated"
    sent = dict((f["name"], f["value"]) for f in script.calls[-1][2]["fields"])
    assert sent["password"] == QBT_PASSWORD
    assert "Authentication failure" in result["msg"]


def test_on_create_policy_sends_no_test():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [_stored()]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}])])
    assert not run(script, secret_policy="on_create")["changed"]


def test_check_mode_writes_nothing_but_reports_the_change():
    stored = _stored()
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [stored]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}])])
    result = run(script, check_mode=True, fields=dict(PARAMS["fields"], host="qbt-new"))
    assert result["changed"] and result["action"] == "updated"
    assert script.writes() == []
    assert result["diff"]["before"]["fields.host"] == "qbittorrent"
    assert result["diff"]["after"]["fields.host"] == "qbt-new"


def test_check_mode_with_missing_tag_creates_no_tag():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [_stored()]),
                     ("GET", "/api/v3/tag", 200, [])])
    result = run(script, check_mode=True)
    assert result["changed"]
    assert script.writes() == []


def test_unknown_field_fails_before_any_write_and_lists_valid_names():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, []),
                     ("GET", "/api/v3/downloadclient/schema", 200, fixture("sonarr-downloadclient-schema.partial.json"))])
    with pytest.raises(ArrError) as err:
        run(script, fields={"hots": "q"})
    assert "Unknown field(s) hots" in str(err.value) and "tvCategory" in str(err.value)
    assert script.writes() == []


def test_unknown_implementation_fails_and_lists_the_valid_ones():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, []),
                     ("GET", "/api/v3/downloadclient/schema", 200, fixture("sonarr-downloadclient-schema.partial.json"))])
    with pytest.raises(ArrError) as err:
        run(script, implementation="Qbit")
    assert "Valid implementations: QBittorrent, Sabnzbd" in str(err.value)


def test_match_by_name_case_insensitively_never_by_id():
    stored = _stored()
    stored["name"] = "QBITTORRENT"
    stored["id"] = 42
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [stored]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}])])
    assert run(script, secret_policy="on_create")["action"] == "unchanged"


def test_wrong_key_says_api_key_rejected_by_the_app():
    script = Script([("GET", "/api/v3/system/status", 401, None)])
    with pytest.raises(ArrError) as err:
        run(script, app="sonarr")
    assert "API key rejected by Sonarr at http://sonarr.example.com:8989" in str(err.value)
    assert SONARR_KEY not in str(err.value)


def test_prowlarr_is_detected_on_api_v1():
    script = Script([("GET", "/api/v1/system/status", 200, {"appName": "Prowlarr", "version": "2.3.5.0"}),
                     ("GET", "/api/v1/tag", 200, [{"id": 1, "label": "flaresolverr"}])])
    result = execute("arr_tag", dict(url="http://prowlarr.example.com:9696", api_key=SONARR_KEY, validate_certs=True,
                                     timeout=5, app=None, label="FlareSolverr", state="present"),
                     opener=script, sleep=lambda s: None)
    assert result["app"] == "prowlarr" and not result["changed"]


def test_sonarr_v3_is_refused_with_a_clear_message():
    script = Script([("GET", "/api/v3/system/status", 200, {"appName": "Sonarr", "version": "3.0.10.1567"})])
    with pytest.raises(ArrError, match="needs Sonarr 4 or later"):
        run(script)


def test_config_put_sends_the_whole_object_with_only_the_given_key_changed():
    current = {"id": 1, "copyUsingHardlinks": False, "deleteEmptyFolders": True, "recycleBin": "/bin"}
    script = Script([STATUS, ("GET", "/api/v3/config/mediamanagement", 200, current),
                     ("PUT", "/api/v3/config/mediamanagement/1", 202, dict(current, copyUsingHardlinks=True))])
    result = execute("arr_config", dict(url="http://sonarr.example.com:8989", api_key=SONARR_KEY, validate_certs=True,
                                        timeout=5, app=None, section="mediamanagement",
                                        settings={"copyUsingHardlinks": "yes"}, secret_policy="verify"),
                     opener=script, sleep=lambda s: None)
    assert result["changed"]
    assert script.calls[-1][2] == {"id": 1, "copyUsingHardlinks": True, "deleteEmptyFolders": True, "recycleBin": "/bin"}


def test_purge_deletes_only_unnamed_objects_of_the_listed_collection():
    apps = [{"id": 1, "name": "Sonarr", "implementation": "Sonarr", "syncLevel": "fullSync", "tags": [],
             "fields": [{"name": "baseUrl", "value": "http://sonarr:8989"}]},
            {"id": 2, "name": "Old Radarr", "implementation": "Radarr", "syncLevel": "fullSync", "tags": [],
             "fields": [{"name": "baseUrl", "value": "http://192.0.2.53:7878"}]}]
    script = Script([("GET", "/api/v1/system/status", 200, {"appName": "Prowlarr", "version": "2.3.5.0"}),
                     ("GET", "/api/v1/applications", 200, apps),
                     ("DELETE", "/api/v1/applications/2", 200, {})])
    result = execute("arr_objects", dict(url="http://prowlarr.example.com:9696", api_key=SONARR_KEY, validate_certs=True,
                                         timeout=5, app=None, force_save=False, secret_policy="verify",
                                         applications=[{"name": "sonarr", "fields": {"baseUrl": "http://sonarr:8989"}}],
                                         purge=["applications"]),
                     opener=script, sleep=lambda s: None)
    assert result["changed"]
    assert [o["action"] for o in result["objects"]] == ["unchanged", "deleted"]


def test_kinds_are_declared_for_every_provider_module():
    for module in ("arr_download_client", "arr_indexer", "arr_notification", "prowlarr_application",
                   "prowlarr_indexer_proxy"):
        assert _arr_kinds.KINDS[_arr_kinds.MODULE_KINDS[module]].provider, module


def test_arr_objects_checks_every_object_before_the_first_write():
    schema = fixture("sonarr-downloadclient-schema.partial.json")
    script = Script([STATUS, ("GET", "/api/v3/tag", 200, []),
                     ("GET", "/api/v3/downloadclient", 200, []),
                     ("GET", "/api/v3/downloadclient/schema", 200, schema)])
    params = dict(url="http://sonarr.example.com:8989", api_key=SONARR_KEY, validate_certs=True, timeout=5, app=None,
                  force_save=False, secret_policy="verify", purge=[], tags=["new-tag"],
                  download_clients=[{"name": "ok", "implementation": "QBittorrent", "fields": {"host": "q"}},
                                    {"name": "bad", "implementation": "QBittorrent", "fields": {"hots": "q"}}])
    with pytest.raises(ArrError, match="Unknown field"):
        execute("arr_objects", params, opener=script, sleep=lambda s: None)
    assert script.writes() == []  # the tag and the first client were not created either


def test_arr_objects_rerun_reads_each_collection_once_and_tests_each_secret_once():
    script = Script([STATUS, ("GET", "/api/v3/downloadclient", 200, [_stored()]),
                     ("GET", "/api/v3/tag", 200, [{"id": 3, "label": "streaming"}]),
                     ("POST", "/api/v3/downloadclient/test", 200, {})])
    client = dict((k, PARAMS[k]) for k in ("name", "implementation", "fields", "tags", "priority"))
    params = dict(url="http://sonarr.example.com:8989", api_key=SONARR_KEY, validate_certs=True, timeout=5, app=None,
                  force_save=False, secret_policy="verify", purge=[], download_clients=[client])
    result = execute("arr_objects", params, opener=script, sleep=lambda s: None)
    assert not result["changed"] and result["counts"] == {"unchanged": 1}
    assert len(script.calls) == 4


def test_orphaned_command_is_final_and_a_failure():
    """Issue 15 point 12: CommandStatus.Orphaned never changes again; waiting on it would time out."""
    script = Script([("GET", "/api/v1/system/status", 200, {"appName": "Prowlarr", "version": "2.3.5.0"}),
                     ("POST", "/api/v1/command", 201, {"id": 5, "name": "ApplicationIndexerSync", "status": "queued"}),
                     ("GET", "/api/v1/command/5", 200, {"id": 5, "status": "orphaned", "message": "restarted"})])
    with pytest.raises(ArrError, match="orphaned"):
        execute("arr_command", dict(url="http://prowlarr.example.com:9696", api_key=SONARR_KEY, validate_certs=True,
                                    timeout=5, app=None, name="ApplicationIndexerSync", body={}, wait=True,
                                    wait_timeout=3, poll_interval=0), opener=script, sleep=lambda s: None)
    assert not script.answers


def test_connection_options_fall_back_to_the_environment(monkeypatch):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.homelab.mediastack.plugins.modules import arr_tag
    monkeypatch.setenv("ARR_URL", "http://sonarr:8989")
    monkeypatch.setenv("ARR_API_KEY", SONARR_KEY)
    result = ArgumentSpecValidator(arr_tag.ARGUMENT_SPEC).validate({"label": "x"})
    assert not result.error_messages
    assert result.validated_parameters["url"] == "http://sonarr:8989"

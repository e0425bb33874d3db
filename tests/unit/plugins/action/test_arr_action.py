"""The *arr action plugins: arguments validated against the module's spec, check/diff mode passed
through, and no secret (no_log option, secret field value) left anywhere in the result."""

import json
from pathlib import Path
from unittest.mock import MagicMock

import pytest

from ansible_collections.homelab.mediastack.plugins.action.arr_download_client import ActionModule
from ansible_collections.homelab.mediastack.plugins.plugin_utils import _arr_action

API_KEY = "0123456789abcdef0123456789abcdef"
PASSWORD = "qbt-Secret-Pw-42"


def action(args, check_mode=False, diff=True, transport="local", environment=None):
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.environment = environment or []
    connection = MagicMock()
    connection.transport = transport
    connection._shell.tmpdir = "/tmp/unused"
    play_context = MagicMock()
    play_context.check_mode = check_mode
    play_context.diff = diff
    return ActionModule(task, connection, play_context, MagicMock(), MagicMock(), MagicMock())


ARGS = {"url": "http://sonarr.example.com:8989", "api_key": API_KEY, "name": "qBittorrent",
        "implementation": "QBittorrent", "fields": {"host": "q", "password": PASSWORD}}


def test_secrets_are_masked_everywhere_in_the_result(monkeypatch):
    seen = {}

    def fake_execute(module, params, check_mode, diff):
        seen.update(module=module, params=params, check_mode=check_mode, diff=diff)
        return {"changed": True, "msg": "sent %s with key %s" % (PASSWORD, API_KEY),
                "diff": {"before": {}, "after": {"fields.password": PASSWORD}}, "_secrets": [PASSWORD]}

    monkeypatch.setattr(_arr_action, "execute", fake_execute)
    result = action(dict(ARGS), check_mode=True).run(task_vars={})
    assert seen["module"] == "arr_download_client"
    assert seen["check_mode"] is True and seen["diff"] is True
    assert seen["params"]["secret_policy"] == "verify"  # defaults from the module's ARGUMENT_SPEC
    text = json.dumps(result)
    assert PASSWORD not in text and API_KEY not in text
    assert "_secrets" not in result
    assert result["changed"]


def test_no_diff_key_without_diff_mode(monkeypatch):
    monkeypatch.setattr(_arr_action, "execute",
                        lambda module, params, check_mode, diff: {"changed": False, "diff": {"before": {}, "after": {}}})
    assert "diff" not in action(dict(ARGS), diff=False).run(task_vars={})


@pytest.mark.parametrize("args, message", [
    ({"api_key": API_KEY, "name": "x"}, "url"),
    (dict(ARGS, secret_policy="sometimes"), "secret_policy"),
    (dict(ARGS, colour="blue"), "colour"),
])
def test_invalid_arguments_fail_before_any_request(monkeypatch, args, message):
    monkeypatch.setattr(_arr_action, "execute", lambda *a, **k: pytest.fail("no request may be sent"))
    result = action(args).run(task_vars={})
    assert result["failed"] and message in result["msg"]
    assert API_KEY not in result["msg"]


def test_app_errors_become_a_failed_result_without_secrets(monkeypatch):
    def boom(*_args, **_kwargs):
        raise _arr_action.ArrError("API key rejected by Sonarr at http://sonarr.example.com:8989 (key %s)" % API_KEY)

    monkeypatch.setattr(_arr_action, "execute", boom)
    result = action(dict(ARGS)).run(task_vars={})
    assert result["failed"] and "API key rejected by Sonarr" in result["msg"]
    assert API_KEY not in result["msg"]


@pytest.mark.parametrize("transport, environment", [("ssh", None), ("local", [{"HTTPS_PROXY": "http://proxy:3128"}])])
def test_delegated_or_environment_runs_the_module_there(monkeypatch, transport, environment):
    """A task delegated to another host, or with environment:, runs the module, not the controller code."""
    monkeypatch.setattr(_arr_action, "execute", lambda *a, **k: pytest.fail("must not run in-process"))
    plugin = action(dict(ARGS), transport=transport, environment=environment)
    calls = []
    plugin._execute_module = lambda **kwargs: calls.append(kwargs) or {"changed": False, "msg": "ran remotely"}
    result = plugin.run(task_vars={})
    assert calls and calls[0]["module_name"] == "homelab.mediastack.arr_download_client"
    assert result["msg"] == "ran remotely"


def test_no_private_attributes_of_the_validator_are_read():
    source = (Path(_arr_action.__file__)).read_text()
    assert "._no_log_values" not in source and "._validated" not in source


def test_nested_no_log_values_are_masked_from_the_spec(monkeypatch):
    spec = {"items": {"type": "list", "elements": "dict", "options": {"token": {"type": "str", "no_log": True}}},
            "api_key": {"type": "str", "no_log": True}}
    assert _arr_action.no_log_values(spec, {"items": [{"token": "t-1"}, {"token": None}], "api_key": "k"}) == {"t-1", "k"}

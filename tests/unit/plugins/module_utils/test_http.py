"""JsonHttpClient: the exact request sequence, retries, error messages and masking."""

import io
import json
import socket

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient


class Script:
    """An opener that answers from a list and records what it was asked."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url, data, headers))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(json.dumps(answer).encode())


def http_error(url, code, body):
    return HTTPError(url, code, "reason", {}, io.BytesIO(body.encode()))


def client(script, **kwargs):
    return JsonHttpClient("http://sonarr.example.com:8989/", "Sonarr", headers={"X-Api-Key": "k3y"},
                          secrets=["k3y"], opener=script, sleep=lambda s: None, **kwargs)


def test_get_sends_auth_header_and_decodes_json():
    script = Script([{"version": "4.0.0"}])
    assert client(script).get("/api/v3/system/status") == {"version": "4.0.0"}
    method, url, data, headers = script.calls[0]
    assert (method, url, data) == ("GET", "http://sonarr.example.com:8989/api/v3/system/status", None)
    assert headers["X-Api-Key"] == "k3y"


def test_post_encodes_json_body():
    script = Script([{"id": 1}])
    client(script).post("/api/v3/tag", {"label": "x"})
    assert json.loads(script.calls[0][2]) == {"label": "x"}
    assert script.calls[0][3]["Content-Type"] == "application/json"


def test_refused_connection_is_retried_until_it_answers():
    refused = URLError(socket.error(111, "Connection refused"))
    script = Script([refused, refused, {"ok": True}])
    assert client(script).get("/ping") == {"ok": True}
    assert len(script.calls) == 3


def test_refused_connection_past_the_budget_says_what_to_check():
    script = Script([URLError(socket.error(111, "Connection refused"))] * 50)
    with pytest.raises(ApiError) as err:
        client(script, retry_budget=0).get("/ping")
    assert "Cannot reach Sonarr at http://sonarr.example.com:8989" in str(err.value)
    assert err.value.status is None


def test_401_names_the_service_and_the_credential():
    script = Script([http_error("u", 401, "")])
    with pytest.raises(ApiError) as err:
        client(script).get("/api/v3/tag")
    assert err.value.status == 401
    assert "Credentials rejected by Sonarr at http://sonarr.example.com:8989" in str(err.value)


def test_400_keeps_the_app_message_and_masks_secrets():
    body = json.dumps([{"propertyName": "ApiKey", "errorMessage": "bad key k3y"}])
    script = Script([http_error("u", 400, body)])
    with pytest.raises(ApiError) as err:
        client(script).post("/api/v3/downloadclient", {"a": 1})
    assert "bad key ********" in str(err.value)
    assert "k3y" not in str(err.value)
    assert err.value.body == [{"propertyName": "ApiKey", "errorMessage": "bad key k3y"}]


def test_503_is_retried_then_reported():
    script = Script([http_error("u", 503, "starting"), {"ok": 1}])
    assert client(script).get("/x") == {"ok": 1}


def test_post_is_not_retried_on_a_gateway_error_but_get_is():
    """Issue 15 point 12: a 502/503/504 from a proxy may come after the app created the object."""
    script = Script([http_error("u", 503, ""), {"id": 1}])
    with pytest.raises(ApiError) as err:
        client(script).post("/api/v3/tag", {"label": "x"})
    assert err.value.status == 503 and len(script.calls) == 1
    script = Script([http_error("u", 503, ""), {"ok": True}])
    assert client(script).get("/ping") == {"ok": True} and len(script.calls) == 2


def test_default_opener_builds_one_tls_context_for_many_requests(monkeypatch):
    """open_url made a new SSLContext per request (most of a no-change rerun's time)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from ansible_collections.homelab.mediastack.plugins.module_utils import _http

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    made = []
    real = _http.make_context
    monkeypatch.setattr(_http, "_TLS_CONTEXTS", {})
    monkeypatch.setattr(_http, "make_context", lambda **kw: made.append(kw) or real(**kw))
    try:
        client = _http.JsonHttpClient("http://127.0.0.1:%d" % server.server_port, "Test")
        assert [client.get("/a"), client.get("/b"), client.get("/c")] == [{"ok": True}] * 3
    finally:
        server.shutdown()
    assert made == [{"validate_certs": True}]

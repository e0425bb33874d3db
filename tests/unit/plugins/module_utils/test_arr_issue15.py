"""Issue 15: the *arr modules against the stand-in where it behaves as the real apps do.

Each test names the issue point it proves; each failed before its fix (the stand-in was first
corrected to fail the way the real app does, then the module was fixed).
"""

import http.server
import importlib.util
import json
import socketserver
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import ArrError, execute
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_wiring import wiring_plan
from ansible_collections.homelab.mediastack.plugins.modules import arr_objects

STANDIN = Path(__file__).resolve().parents[3] / "standins" / "arr" / "arr_standin.py"
SPEC = importlib.util.spec_from_file_location("arr_standin_issue15", STANDIN)
arr_standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(arr_standin)

KEY = "0123456789abcdef0123456789abcdef"
QBT_PASSWORD = "qbt-Secret-Pw-42"


class FakeQbt(http.server.BaseHTTPRequestHandler):
    """qBittorrent WebUI API v2, just enough for the apps' test."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def reply(self, status, text, cookie=None):
        data = text.encode()
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", "SID=abc; path=/")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()))
        if self.path == "/api/v2/auth/login":
            ok = form == {"username": "admin", "password": QBT_PASSWORD}
            return self.reply(200, "Ok." if ok else "Fails.", cookie=ok)
        return self.reply(200, "")

    def do_GET(self):
        answers = {"/api/v2/app/webapiVersion": "2.9.3", "/api/v2/app/preferences": "{}",
                   "/api/v2/torrents/categories": json.dumps({"tv": {}, "movies": {}})}
        return self.reply(200 if self.path in answers else 404, answers.get(self.path, ""))


class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@pytest.fixture(name="apps")
def fixture_apps(tmp_path):
    started = {}

    def start(app):
        server, arr = arr_standin.make_server(app, 0, KEY, str(tmp_path / "state"), bind="127.0.0.1")
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started[app] = server
        return "http://127.0.0.1:%d" % server.server_address[1], arr

    yield start
    for server in started.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(name="qbt")
def fixture_qbt():
    server = Threaded(("127.0.0.1", 0), FakeQbt)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def params(url, **more):
    out = dict(url=url, api_key=KEY, validate_certs=True, timeout=5, app=None, force_save=False,
               secret_policy="verify", purge=[])
    out.update(more)
    return out


def qbt_item(port, **more):
    item = {"name": "qBittorrent", "implementation": "QBittorrent",
            "fields": {"host": "127.0.0.1", "port": port, "username": "admin", "password": QBT_PASSWORD,
                       "tvCategory": "tv"}}
    item.update(more)
    return item


def requests(url):
    with urllib.request.urlopen(url + "/__standin/requests", timeout=5) as resp:
        return json.loads(resp.read())


def reset(url):
    urllib.request.urlopen(urllib.request.Request(url + "/__standin/requests", method="DELETE"), timeout=5).close()


def side_effects(url):
    with urllib.request.urlopen(url + "/__standin/side-effects", timeout=5) as resp:
        return json.loads(resp.read())


def writes(url):
    by_path = requests(url)["byPath"]
    return {k: v for k, v in by_path.items() if k.split()[0] in ("PUT", "DELETE")
            or (k.startswith("POST") and not k.endswith("/test"))}


def count_tests(url):
    return sum(v for k, v in requests(url)["byPath"].items() if k.startswith("POST") and k.endswith("/test"))


# --- 1. verify: only a failure on a secret field means a wrong secret ----------------------------

def test_p1_client_down_is_a_warning_not_a_change(apps, qbt):
    url, _arr = apps("sonarr")
    port = qbt.server_address[1]
    assert execute("arr_objects", params(url, download_clients=[qbt_item(port)]))["changed"]
    qbt.shutdown()
    qbt.server_close()  # qBittorrent restarting
    reset(url)
    result = execute("arr_objects", params(url, download_clients=[qbt_item(port)]))
    assert not result["changed"]
    assert writes(url) == {}
    assert any("could not" in n and "qBittorrent" in n for n in result.get("warnings", [])), result


def test_p1_wrong_secret_is_still_replaced(apps, qbt):
    url, arr = apps("sonarr")
    port = qbt.server_address[1]
    execute("arr_objects", params(url, download_clients=[qbt_item(port)]))
    arr.state["downloadclient"][0]["settings"]["password"] = "stale"  # the stored secret no longer works
    result = execute("arr_objects", params(url, download_clients=[qbt_item(port)]))
    assert result["changed"] and arr.state["downloadclient"][0]["settings"]["password"] == QBT_PASSWORD


def test_p1_disabled_objects_are_not_tested(apps, qbt):
    url, _arr = apps("sonarr")
    item = qbt_item(qbt.server_address[1], enable=False)
    execute("arr_objects", params(url, download_clients=[item]))
    reset(url)
    assert not execute("arr_objects", params(url, download_clients=[item]))["changed"]
    assert count_tests(url) == 0


# --- 2. tests with side effects -----------------------------------------------------------------

def test_p2_notifications_are_not_tested_on_rerun_and_nothing_in_check_mode(apps, qbt):
    url, _arr = apps("sonarr")
    telegram = {"name": "phone", "implementation": "Telegram", "fields": {"botToken": "123:abc", "chatId": "42"},
                "extra": {"onDownload": True}}
    execute("arr_objects", params(url, notifications=[telegram]))
    assert len(side_effects(url)) == 1  # the app's own test when it saves an enabled entry
    assert not execute("arr_objects", params(url, notifications=[telegram]))["changed"]
    assert len(side_effects(url)) == 1  # no message to the phone on a rerun
    execute("arr_objects", params(url, download_clients=[qbt_item(qbt.server_address[1])]))
    reset(url)
    execute("arr_objects", params(url, download_clients=[qbt_item(qbt.server_address[1])]), check_mode=True)
    assert count_tests(url) == 0


# --- 3. Prowlarr indexers: app profile and template by name -------------------------------------

def test_p3_prowlarr_indexer_gets_an_app_profile_and_the_generic_template(apps):
    url, arr = apps("prowlarr")
    indexer = {"name": "My Newznab", "implementation": "Newznab",
               "fields": {"baseUrl": url + "/__standin/newznab/mine", "apiKey": "idx-key"}}
    result = execute("arr_objects", params(url, indexers=[indexer]))
    assert result["changed"]
    stored = arr.state["indexer"][0]
    assert stored["appProfileId"] == 1
    assert not execute("arr_objects", params(url, indexers=[indexer]))["changed"]
    with pytest.raises(ArrError, match="app profile 'Missing'.*Standard"):
        execute("arr_objects", params(url, indexers=[dict(indexer, name="other", app_profile="Missing")]))
    with pytest.raises(ArrError, match="NZBgeek"):
        execute("arr_objects", params(url, indexers=[dict(indexer, name="other", definition="No such preset")]))


# --- 4. created enabled unless the user says otherwise ------------------------------------------

def test_p4_created_enabled(apps, qbt):
    url, arr = apps("sonarr")
    execute("arr_objects", params(url, download_clients=[qbt_item(qbt.server_address[1])],
                                  indexers=[{"name": "nz", "implementation": "Newznab",
                                             "fields": {"baseUrl": url + "/__standin/newznab/nz"}}]))
    assert arr.state["downloadclient"][0]["enable"] is True
    idx = arr.state["indexer"][0]
    assert idx["enableRss"] and idx["enableAutomaticSearch"] and idx["enableInteractiveSearch"]


# --- 5. secrets the apps return in clear --------------------------------------------------------

def test_p5_discord_webhook_and_user_values_are_masked(apps):
    url, _arr = apps("sonarr")
    hook = "https://discord.com/api/webhooks/1/very-secret-token"
    result = execute("arr_notification", params(url, name="discord", implementation="Discord",
                                                fields={"webHookUrl": hook}, tags=None, extra={"onGrab": True},
                                                state="present"))
    assert hook in result["_secrets"]
    assert hook not in json.dumps(dict(result, _secrets=None))
    host = execute("arr_config", params(url, section="host", settings={"proxyPassword": "proxy-pw"}))
    assert "proxy-pw" in host["_secrets"] and "proxy-pw" not in json.dumps(dict(host, _secrets=None))


# --- 6. web UI user -----------------------------------------------------------------------------

def test_p6_web_ui_password_is_set_once_and_then_left_alone(apps):
    url, arr = apps("sonarr")
    settings = {"authenticationMethod": "forms", "username": "admin", "password": "ui-Pw-1"}
    assert execute("arr_config", params(url, section="host", settings=settings))["changed"]
    stored = arr.state["user"]["password"]
    reset(url)
    assert not execute("arr_config", params(url, section="host", settings=settings))["changed"]
    assert writes(url) == {} and arr.state["user"]["password"] == stored
    assert execute("arr_config", params(url, section="host", settings=settings, secret_policy="always"))["changed"]


# --- 7. enable for Sonarr/Radarr/Lidarr indexers ------------------------------------------------

def test_p7_enable_maps_to_rss_and_both_searches(apps):
    url, arr = apps("sonarr")
    item = {"name": "nz", "implementation": "Newznab", "fields": {"baseUrl": url + "/__standin/newznab/nz"}}
    execute("arr_objects", params(url, indexers=[dict(item, enable=True)]))
    idx = arr.state["indexer"][0]
    assert idx["enableRss"] and idx["enableAutomaticSearch"] and idx["enableInteractiveSearch"]
    assert execute("arr_objects", params(url, indexers=[dict(item, enable=False)]))["changed"]
    idx = arr.state["indexer"][0]
    assert not (idx["enableRss"] or idx["enableAutomaticSearch"] or idx["enableInteractiveSearch"])
    assert not execute("arr_objects", params(url, indexers=[dict(item, enable=False)]))["changed"]


# --- 8. model-binding errors --------------------------------------------------------------------

def test_p8_problem_details_are_shown(apps, qbt):
    url, _arr = apps("sonarr")
    with pytest.raises(ArrError, match=r"\$\.priority.*could not be converted"):
        execute("arr_objects", params(url, download_clients=[qbt_item(qbt.server_address[1],
                                                                      extra={"priority": "high"})]))


# --- 9. malformed items: typed suboptions, nested secrets no_log ---------------------------------

@pytest.mark.parametrize("args, message", [
    ({"remote_path_mappings": [{"remote_path": "/downloads"}]}, "host"),
    ({"download_clients": [{"name": "x", "prority": 1}]}, "prority"),
    ({"indexers": [{"name": "x", "enable": "maybe"}]}, "enable"),
])
def test_p9_malformed_items_fail_validation_with_a_message(args, message):
    result = ArgumentSpecValidator(arr_objects.ARGUMENT_SPEC).validate(dict(url="http://x:8989", api_key=KEY, **args))
    assert result.error_messages and message in " ".join(result.error_messages)


def test_p9_a_bare_string_where_a_dict_is_needed_is_a_message_not_a_traceback(apps):
    url, _arr = apps("sonarr")
    with pytest.raises(ArrError, match="download_clients: every entry must be a dict"):
        execute("arr_objects", params(url, download_clients=["qbittorrent"]))


# --- 10. user config deep-merged with the computed hardlink setting -------------------------------

def test_p10_user_mediamanagement_keeps_the_hardlink_setting():
    model = {"data_root": "/data", "hardlinks": True,
             "apps": [{"name": "sonarr", "type": "sonarr", "url": "http://sonarr:8989", "api_key": KEY,
                       "config": {"mediamanagement": {"recycleBin": "/data/.recycle"}}}],
             "download_clients": []}
    plan = wiring_plan(model)
    config = plan["arr"][0]["config"]["mediamanagement"]
    assert config == {"copyUsingHardlinks": True, "recycleBin": "/data/.recycle"}


# --- 11. Prowlarr sync failures are made visible -------------------------------------------------

def test_p11_sync_that_reached_no_app_fails_naming_it(apps):
    prowlarr_url, prowlarr = apps("prowlarr")
    sonarr_url, sonarr = apps("sonarr")
    execute("arr_objects", params(prowlarr_url, applications=[{
        "name": "Sonarr", "implementation": "Sonarr", "sync_level": "fullSync",
        "fields": {"prowlarrUrl": prowlarr_url, "baseUrl": sonarr_url, "apiKey": KEY}}],
        indexers=[{"name": "nz", "implementation": "Newznab",
                   "fields": {"baseUrl": prowlarr_url + "/__standin/newznab/nz"}}]))
    command = params(prowlarr_url, name="ApplicationIndexerSync", body={"forceSync": True}, wait=True,
                     wait_timeout=20, poll_interval=0, check_apps=[{"url": sonarr_url, "api_key": KEY}])
    result = execute("arr_command", command)
    assert result["apps"][0]["synced"] >= 1
    sonarr.state["indexer"] = []  # the app was rebuilt ...
    prowlarr.state["applications"][0]["settings"]["apiKey"] = "stale-key"  # ... with a new key
    with pytest.raises(ArrError, match="Sonarr at .* holds none of Prowlarr's 1 indexer"):
        execute("arr_command", command)


# --- 12. smaller ones -----------------------------------------------------------------------------

def test_p12_tag_labels_checked_before_any_write(apps, qbt):
    url, arr = apps("radarr")
    with pytest.raises(ArrError, match="a-z, 0-9 and -"):
        execute("arr_objects", params(url, tags=["good", "Not ok!"],
                                      download_clients=[qbt_item(qbt.server_address[1], fields={
                                          "host": "127.0.0.1", "port": qbt.server_address[1],
                                          "movieCategory": "movies"})]))
    assert arr.state.get("tag", []) == [] and arr.state.get("downloadclient", []) == []


def test_p12_force_save_hint_says_what_it_does_on_update(apps, qbt):
    url, _arr = apps("sonarr")
    port = qbt.server_address[1]
    execute("arr_objects", params(url, download_clients=[qbt_item(port)]))
    with pytest.raises(ArrError) as err:  # the changed client cannot be reached: the PUT's test fails
        execute("arr_objects", params(url, download_clients=[qbt_item(port, fields=dict(
            qbt_item(port)["fields"], host="127.0.0.2", port=1))]))
    assert "saves without the app's test" in str(err.value)


def test_p12_untagged_indexer_proxy_is_said_to_apply_to_no_indexer(apps):
    url, _arr = apps("prowlarr")
    proxy = {"name": "FlareSolverr", "implementation": "FlareSolverr", "fields": {"host": "http://fs:8191/"}}
    result = execute("arr_objects", params(url, indexer_proxies=[proxy]))
    assert any("no tag" in w for w in result.get("warnings", [])), result
    result = execute("arr_objects", params(url, tags=["flaresolverr"],
                                           indexer_proxies=[dict(proxy, tags=["flaresolverr"])]))
    assert not result.get("warnings")


def test_p6_the_role_model_gives_every_app_the_same_web_ui_user():
    model = {"data_root": "/data", "ui_user": {"username": "admin", "password": "ui-Pw-1"},
             "apps": [{"name": "sonarr", "url": "http://sonarr:8989", "api_key": KEY}],
             "prowlarr": {"url": "http://prowlarr:9696", "api_key": KEY}, "download_clients": []}
    plan = wiring_plan(model)
    host = {"authenticationMethod": "forms", "authenticationRequired": "enabled", "username": "admin",
            "password": "ui-Pw-1"}
    assert plan["arr"][0]["config"]["host"] == host and plan["prowlarr"]["config"]["host"] == host

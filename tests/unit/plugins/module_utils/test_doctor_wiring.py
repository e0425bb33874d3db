"""The doctor's API checks: each failure a seed hit is named, and only it; only GETs are sent."""

import copy
import io
import json

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.homelab.mediastack.plugins.modules.doctor_wiring import run

SONARR = "http://192.0.2.10:8989"
PROWLARR = "http://192.0.2.10:9696"
JELLYFIN = "http://192.0.2.11:8096"
SEERR = "http://192.0.2.11:5055"

# A healthy stack, in the apps' own response shapes (Sonarr v4 / Prowlarr v1 resources).
HEALTHY = {
    SONARR + "/api/v3/system/status": {"appName": "Sonarr", "version": "4.0.14.2939"},
    SONARR + "/api/v3/downloadclient": [{"id": 1, "name": "qBittorrent", "enable": True, "implementation": "QBittorrent"}],
    SONARR + "/api/v3/rootfolder": [{"id": 1, "path": "/data/media/tv/", "accessible": True, "freeSpace": 1}],
    SONARR + "/api/v3/remotepathmapping": [
        {"id": 1, "host": "qbittorrent", "remotePath": "/downloads/", "localPath": "/data/torrents/"}],
    PROWLARR + "/api/v1/system/status": {"appName": "Prowlarr", "version": "1.30.2.4939"},
    PROWLARR + "/api/v1/applications": [{"id": 1, "name": "Sonarr", "syncLevel": "fullSync", "implementation": "Sonarr",
                                         "fields": [{"name": "prowlarrUrl", "value": "http://prowlarr:9696"},
                                                    {"name": "baseUrl", "value": "http://sonarr:8989"},
                                                    {"name": "apiKey", "value": "********"}], "tags": []}],
    PROWLARR + "/api/v1/tag": [{"id": 1, "label": "flaresolverr"}],
    PROWLARR + "/api/v1/indexerproxy": [{"id": 1, "name": "FlareSolverr", "implementation": "FlareSolverr", "tags": [1]}],
    PROWLARR + "/api/v1/indexer": [{"id": 3, "name": "1337x", "tags": [1]}, {"id": 4, "name": "NZBgeek", "tags": []}],
    JELLYFIN + "/System/Info/Public": {"ServerName": "jf", "Version": "10.10.7", "StartupWizardCompleted": True},
    JELLYFIN + "/Library/VirtualFolders": [{"Name": "Movies", "CollectionType": "movies"},
                                           {"Name": "Shows", "CollectionType": "tvshows"}],
    SEERR + "/api/v1/settings/jellyfin": {"name": "jf", "ip": "jellyfin", "port": 8096},
    SEERR + "/api/v1/settings/sonarr": [{"id": 0, "name": "Sonarr", "hostname": "sonarr", "port": 8989}],
    SEERR + "/api/v1/settings/radarr": [],
}

PARAMS = {
    "arr": [{"name": "sonarr", "app": "sonarr", "url": SONARR, "api_key": "0123456789abcdef0123456789abcdef",
             "download_clients": ["qBittorrent"], "root_folders": ["/data/media/tv"],
             "remote_path_mappings": [{"host": "qbittorrent", "remote_path": "/downloads", "local_path": "/data/torrents"}]}],
    "prowlarr": {"url": PROWLARR, "api_key": "fedcba9876543210fedcba9876543210",
                 "applications": [{"name": "Sonarr", "base_url": "http://sonarr:8989"}],
                 "indexers": [{"name": "1337x", "tags": ["flaresolverr"]}, {"name": "NZBgeek"}],
                 "flaresolverr_tag": "flaresolverr"},
    "jellyfin": {"url": JELLYFIN, "api_key": "00112233445566778899aabbccddeeff", "media_types": ["movies", "tv"]},
    "seerr": {"url": SEERR, "api_key": "k" * 32, "media_server": "jellyfin", "loopback_ok": False},
    "timeout": 5, "validate_certs": True,
}


class Routes:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.calls.append((method, url, headers))
        answer = self.answers.get(url)
        if answer is None:
            raise HTTPError(url, 404, "Not Found", {}, io.BytesIO(b""))
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(json.dumps(answer).encode())


def _run(answers=None, params=None):
    routes = Routes(answers if answers is not None else HEALTHY)
    doctor = run(params or PARAMS, opener=routes)
    return doctor, routes


def _failed(doctor):
    return sorted((f["check"], f["where"]) for f in doctor.findings if f["status"] != "ok")


def test_healthy_stack_is_all_clear_with_gets_only_each_collection_once():
    doctor, routes = _run()
    assert _failed(doctor) == []
    assert {c[0] for c in routes.calls} == {"GET"}
    urls = [c[1] for c in routes.calls]
    assert len(urls) == len(set(urls)), "a collection was read twice"
    assert len(doctor.requests) == len(routes.calls)


def _with(**changes):
    answers = copy.deepcopy(HEALTHY)
    answers.update(changes)
    return answers


def test_missing_remote_path_mapping_is_named():
    doctor, _routes = _run(_with(**{SONARR + "/api/v3/remotepathmapping": []}))
    assert _failed(doctor) == [("remote_path_mapping", "sonarr: qbittorrent")]
    fix = [f for f in doctor.findings if f["status"] == "fail"][0]["fix"]
    assert "--tags wiring" in fix


def test_prowlarr_syncing_to_an_old_host_is_named():
    apps = copy.deepcopy(HEALTHY[PROWLARR + "/api/v1/applications"])
    old = copy.deepcopy(apps[0])
    old.update(name="Sonarr (old VM)", id=2)
    old["fields"][1]["value"] = "http://192.0.2.99:8989"
    doctor, _routes = _run(_with(**{PROWLARR + "/api/v1/applications": apps + [old]}))
    assert _failed(doctor) == [("prowlarr_application", "prowlarr: Sonarr (old VM)")]
    assert "192.0.2.99" in [f for f in doctor.findings if f["status"] == "fail"][0]["message"]


def test_untagged_flaresolverr_indexer_is_named():
    untagged = [{"id": 3, "name": "1337x", "tags": []}, {"id": 4, "name": "NZBgeek", "tags": []}]
    doctor, _routes = _run(_with(**{PROWLARR + "/api/v1/indexer": untagged}))
    assert _failed(doctor) == [("flaresolverr_tag", "prowlarr: 1337x")]


def test_deleted_jellyfin_library_is_named():
    doctor, _routes = _run(_with(**{JELLYFIN + "/Library/VirtualFolders": [{"Name": "Movies", "CollectionType": "movies"}]}))
    assert _failed(doctor) == [("jellyfin_library", JELLYFIN + ": tv")]


def test_unfinished_jellyfin_wizard_is_named_and_libraries_not_read():
    info = dict(HEALTHY[JELLYFIN + "/System/Info/Public"], StartupWizardCompleted=False)
    doctor, routes = _run(_with(**{JELLYFIN + "/System/Info/Public": info}))
    assert _failed(doctor) == [("jellyfin_wizard", JELLYFIN)]
    assert JELLYFIN + "/Library/VirtualFolders" not in [c[1] for c in routes.calls]


def test_seerr_pointing_at_loopback_is_named():
    doctor, _routes = _run(_with(**{SEERR + "/api/v1/settings/jellyfin": {"name": "jf", "ip": "127.0.0.1", "port": 8096}}))
    assert _failed(doctor) == [("seerr_target", "seerr: media server")]


def test_loopback_is_fine_when_seerr_runs_natively_beside_the_apps():
    params = copy.deepcopy(PARAMS)
    params["seerr"]["loopback_ok"] = True
    doctor, _routes = _run(_with(**{SEERR + "/api/v1/settings/jellyfin": {"ip": "localhost"}}), params)
    assert _failed(doctor) == []


def test_wrong_api_key_and_disabled_client_and_unreachable_root():
    doctor, _routes = _run(_with(**{SONARR + "/api/v3/system/status": HTTPError("u", 401, "Unauthorized", {}, io.BytesIO(b""))}))
    assert _failed(doctor) == [("api_key", SONARR)]
    doctor, _routes = _run(_with(**{
        SONARR + "/api/v3/downloadclient": [{"name": "qBittorrent", "enable": False}],
        SONARR + "/api/v3/rootfolder": [{"path": "/data/media/tv", "accessible": False}]}))
    assert _failed(doctor) == [("download_client", "sonarr: qBittorrent"), ("root_folder", "sonarr: /data/media/tv")]


def test_an_app_that_is_down_is_one_finding_not_a_traceback():
    doctor, _routes = _run(_with(**{SONARR + "/api/v3/system/status": URLError("[Errno 113] No route to host")}))
    assert _failed(doctor) == [("app_answers", SONARR)]


def test_old_sonarr_is_not_supported():
    doctor, _routes = _run(_with(**{SONARR + "/api/v3/system/status": {"version": "3.0.10.1567"}}))
    assert _failed(doctor) == [("app_version", SONARR)]


def test_api_keys_never_appear_in_findings():
    doctor, _routes = _run(_with(**{SONARR + "/api/v3/system/status": HTTPError(
        "u", 500, "Error", {}, io.BytesIO(b"bad key 0123456789abcdef0123456789abcdef"))}))
    text = json.dumps(doctor.findings)
    assert "0123456789abcdef0123456789abcdef" not in text and "********" in text


def test_targets_follow_the_arr_wiring_plan_and_drop_client_passwords():
    # The real plan function, so a change of its shape breaks this test, not a user's doctor run.
    from ansible_collections.homelab.mediastack.plugins.module_utils._arr_wiring import wiring_plan
    from ansible_collections.homelab.mediastack.plugins.module_utils._doctor_wiring import wiring_targets

    plan = wiring_plan({
        "data_root": "/data",
        "api_keys": {"sonarr": "a" * 32, "prowlarr": "b" * 32},
        "apps": [{"name": "sonarr", "url": SONARR, "prowlarr_base_url": "http://sonarr:8989",
                  "mounts": {"/data": "/data"}}],
        "download_clients": [{"name": "qBittorrent", "implementation": "QBittorrent", "host": "qbittorrent",
                              "port": 8080, "username": "admin", "password": "client-secret",
                              "mounts": {"/data/torrents": "/downloads"}}],
        "prowlarr": {"url": PROWLARR},
        "flaresolverr_url": "http://flaresolverr:8191/",
        "flaresolverr_tag": "flaresolverr",
        "indexers": [{"name": "1337x", "implementation": "Cardigann", "flaresolverr": True}],
    })
    targets = wiring_targets(plan)
    assert "client-secret" not in json.dumps(targets)
    sonarr = targets["arr"][0]
    assert sonarr["download_clients"] == ["qBittorrent"]
    assert sonarr["root_folders"] == ["/data/media/tv"]
    assert [m["host"] for m in sonarr["remote_path_mappings"]] == ["qbittorrent"]
    assert targets["prowlarr"]["applications"] == [{"name": "Sonarr", "base_url": "http://sonarr:8989"}]
    assert targets["prowlarr"]["indexers"] == [{"name": "1337x", "tags": ["flaresolverr"]}]
    assert targets["prowlarr"]["flaresolverr_tag"] == "flaresolverr"


def test_profile_drift_is_named_and_unchanged_apps_are_clear():
    from ansible_collections.homelab.mediastack.plugins.module_utils._doctor_wiring import profile_findings
    results = [
        {"item": "sonarr", "objects": [{"kind": "custom format", "key": "x265 (HD)", "action": "unchanged"},
                                       {"kind": "quality profile", "key": "WEB-1080p", "action": "updated"}]},
        {"item": "radarr", "objects": [{"kind": "custom format", "key": "BR-DISK", "action": "unchanged"}]},
        {"item": "lidarr", "skipped": True},
    ]
    found = profile_findings(results)
    assert [(f["where"], f["status"]) for f in found] == [("sonarr: quality profile WEB-1080p", "fail"),
                                                          ("radarr", "ok")]
    assert "would update" in found[0]["message"] and "arr_wiring_profiles.sonarr" in found[0]["fix"]


def test_seerr_without_a_key_is_asked_only_whether_it_answers_and_warns():
    params = copy.deepcopy(PARAMS)
    del params["seerr"]["api_key"]
    answers = _with(**{SEERR + "/api/v1/status": {"version": "2.7.3", "commitTag": "v2.7.3"}})
    doctor, routes = _run(answers, params)
    seerr_calls = [c for c in routes.calls if c[1].startswith(SEERR)]
    assert [c[1] for c in seerr_calls] == [SEERR + "/api/v1/status"]
    assert "X-Api-Key" not in seerr_calls[0][2]
    warned = [f for f in doctor.findings if f["status"] == "warn"]
    assert [(f["check"], f["where"]) for f in warned] == [("seerr_target", SEERR)]
    assert "mediastack_api_keys.seerr" in warned[0]["fix"]
    assert _failed(doctor) == [("seerr_target", SEERR)]


def test_seerr_without_a_key_that_does_not_answer_fails():
    params = copy.deepcopy(PARAMS)
    del params["seerr"]["api_key"]
    doctor, _routes = _run(_with(**{SEERR + "/api/v1/status": URLError("Connection refused")}), params)
    assert ("app_answers", SEERR) in _failed(doctor)
    assert [f["status"] for f in doctor.findings if f["where"] == SEERR] == ["fail"]

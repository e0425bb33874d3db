"""Contract of the Jellyfin stand-in: what real Jellyfin answers, status, shape and masking.

No recorded Jellyfin responses exist in ../shared/reference (its arr/API_BEHAVIOUR.md only says
the library endpoints answer 204). Each expectation here is read from Jellyfin's source
(jellyfin/jellyfin 10.9-10.11) and names the file; none comes from this collection's modules. A
stand-in that drifts from one of them fails here, whatever the modules expect.
"""

import importlib.util
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / "standins" / "jellyfin" / "jellyfin_standin.py"
SPEC = importlib.util.spec_from_file_location("jellyfin_standin_contract", STANDIN)
jellyfin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(jellyfin)

AUTH = 'MediaBrowser Client="contract", Device="pytest", DeviceId="contract", Version="1"'


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setattr(jellyfin, "STATE_FILE", str(tmp_path / "state.json"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), jellyfin.Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


def call(url, method="GET", body=None, token=None, raw=False):
    headers = {"X-Emby-Token": token} if token else {"Authorization": AUTH}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            status, text, ctype = answer.status, answer.read().decode(), answer.headers.get("Content-Type") or ""
    except urllib.error.HTTPError as err:
        status, text, ctype = err.code, err.read().decode(), err.headers.get("Content-Type") or ""
    if raw:
        return status, text, ctype
    return status, (json.loads(text) if text and "json" in ctype else text)


def wizard(base, password="pw"):
    assert call(base + "/Startup/Configuration", "POST", {"UICulture": "en-US"})[0] == 204
    assert call(base + "/Startup/User")[0] == 200
    assert call(base + "/Startup/User", "POST", {"Name": "admin", "Password": password})[0] == 204
    assert call(base + "/Startup/Complete", "POST")[0] == 204
    status, answer = call(base + "/Users/AuthenticateByName", "POST", {"Username": "admin", "Pw": password})
    assert status == 200
    return answer["AccessToken"]


def test_public_info_shape(server):
    # SystemController.GetPublicSystemInfo: anonymous; StartupWizardCompleted false on a new server.
    status, info = call(server + "/System/Info/Public")
    assert status == 200 and info["StartupWizardCompleted"] is False
    assert {"ServerName", "Version", "Id", "ProductName"} <= set(info)


def test_startup_user_never_returns_the_password_text(server):
    # StartupController.GetFirstUser returns the stored password: a PBKDF2 hash, never the text.
    call(server + "/Startup/User")
    call(server + "/Startup/User", "POST", {"Name": "admin", "Password": "s3cret-pass"})
    status, user = call(server + "/Startup/User")
    assert status == 200 and user["Name"] == "admin"
    assert "s3cret-pass" not in json.dumps(user) and user["Password"].startswith("$PBKDF2-sha512$")


def test_startup_closes_after_the_wizard(server):
    # FirstTimeSetupHandler: after the wizard, no token 401, an administrator's token passes.
    token = wizard(server)
    assert call(server + "/Startup/User")[0] == 401
    assert call(server + "/Startup/User", token=token)[0] == 200


def test_wrong_password_is_401_with_the_generic_body(server):
    # UserManager throws AuthenticationException -> ExceptionMiddleware: 401, "Error processing request.".
    wizard(server)
    status, text, ctype = call(server + "/Users/AuthenticateByName", "POST", {"Username": "admin", "Pw": "x"}, raw=True)
    assert (status, text) == (401, "Error processing request.") and ctype.startswith("text/plain")


def test_no_token_is_401_without_body(server):
    # CustomAuthenticationHandler: an anonymous call to an authorised endpoint is a bare 401 challenge.
    wizard(server)
    assert call(server + "/Auth/Keys", raw=True)[:2] == (401, "")


def test_api_key_is_204_then_listed(server):
    # ApiKeyController.CreateKey answers 204; GET /Auth/Keys lists it (QueryResult shape).
    token = wizard(server)
    assert call(server + "/Auth/Keys?app=contract", "POST", token=token)[0] == 204
    status, keys = call(server + "/Auth/Keys", token=token)
    assert status == 200 and keys["TotalRecordCount"] == 1 and keys["Items"][0]["AppName"] == "contract"


def test_library_lifecycle(server, tmp_path):
    # LibraryStructureController: 204 for every write; GetVirtualFolders lists Locations sorted.
    token = wizard(server)
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    query = urllib.parse.urlencode([("name", "Shows"), ("collectionType", "tvshows"),
                                    ("paths", str(tmp_path / "b")), ("paths", str(tmp_path / "a"))])
    assert call(server + "/Library/VirtualFolders?" + query, "POST", {"LibraryOptions": {}}, token=token)[0] == 204
    status, folders = call(server + "/Library/VirtualFolders", token=token)
    assert status == 200 and folders[0]["Name"] == "Shows" and folders[0]["CollectionType"] == "tvshows"
    assert folders[0]["Locations"] == [str(tmp_path / "a"), str(tmp_path / "b")]


def test_existing_name_gets_a_number_not_an_error(server, tmp_path):
    # LibraryManager.AddVirtualFolder: while the folder exists, "<name>2", "<name>3"... no error.
    token = wizard(server)
    for _unused in range(2):
        assert call(server + "/Library/VirtualFolders?name=Movies&collectionType=movies", "POST", token=token)[0] == 204
    names = [f["Name"] for f in call(server + "/Library/VirtualFolders", token=token)[1]]
    assert names == ["Movies", "Movies2"]


def test_missing_folder_on_create_is_400_generic(server):
    # AddVirtualFolder: ArgumentException("The specified path does not exist") -> 400, generic body.
    token = wizard(server)
    status, text, _unused = call(server + "/Library/VirtualFolders?name=X&paths=/does/not/exist", "POST", token=token, raw=True)
    assert (status, text) == (400, "Error processing request.")
    assert call(server + "/Library/VirtualFolders", token=token)[1] == []


def test_unknown_collection_type_is_a_validation_problem(server):
    # [ApiController] enum binding failure: 400 application/problem+json with errors.collectionType.
    token = wizard(server)
    status, text, ctype = call(server + "/Library/VirtualFolders?name=X&collectionType=shows", "POST", token=token, raw=True)
    assert status == 400 and ctype.startswith("application/problem+json")
    assert list(json.loads(text)["errors"]) == ["collectionType"]


def test_collection_type_binds_case_insensitively_and_by_number(server):
    # CollectionTypeOptions.cs bound by ASP.NET Core: member name in any case, or its number (1 = tvshows).
    token = wizard(server)
    assert call(server + "/Library/VirtualFolders?name=A&collectionType=TvShows", "POST", token=token)[0] == 204
    assert call(server + "/Library/VirtualFolders?name=B&collectionType=1", "POST", token=token)[0] == 204
    types = {f["Name"]: f["CollectionType"] for f in call(server + "/Library/VirtualFolders", token=token)[1]}
    assert types == {"A": "tvshows", "B": "tvshows"}


def test_delete_unknown_library_is_400_with_exception_text(server):
    # RemoveVirtualFolder catches the DirectoryNotFoundException and answers BadRequest(ex.ToString()).
    token = wizard(server)
    status, text, _unused = call(server + "/Library/VirtualFolders?name=Nope", "DELETE", token=token, raw=True)
    assert status == 400 and "DirectoryNotFoundException" in text


def test_media_paths(server, tmp_path):
    # AddMediaPath: a missing folder is DirectoryNotFoundException -> 404; an existing one twice is
    # listed twice (a second shortcut). RemoveMediaPath: a path not in the library is no error.
    token = wizard(server)
    (tmp_path / "tv").mkdir()
    assert call(server + "/Library/VirtualFolders?name=Shows", "POST", token=token)[0] == 204
    body = {"Name": "Shows", "PathInfo": {"Path": str(tmp_path / "tv")}}
    assert call(server + "/Library/VirtualFolders/Paths", "POST", body, token=token)[0] == 204
    assert call(server + "/Library/VirtualFolders/Paths", "POST", body, token=token)[0] == 204
    missing = {"Name": "Shows", "PathInfo": {"Path": "/does/not/exist"}}
    assert call(server + "/Library/VirtualFolders/Paths", "POST", missing, token=token, raw=True)[:2] == (
        404, "Error processing request.")
    assert call(server + "/Library/VirtualFolders", token=token)[1][0]["Locations"] == [str(tmp_path / "tv")] * 2
    assert call(server + "/Library/VirtualFolders/Paths?name=Shows&path=/elsewhere", "DELETE", token=token)[0] == 204
    assert call(server + "/Library/VirtualFolders/Paths?name=Nope&path=/x", "DELETE", token=token)[0] == 404


def test_media_folders_list_the_libraries(server):
    # LibraryController.GetMediaFolders: QueryResult of CollectionFolder items (what Jellyseerr syncs from).
    token = wizard(server)
    assert call(server + "/Library/VirtualFolders?name=Shows&collectionType=tvshows", "POST", token=token)[0] == 204
    status, folders = call(server + "/Library/MediaFolders", token=token)
    assert status == 200 and folders["TotalRecordCount"] == 1
    item = folders["Items"][0]
    assert (item["Name"], item["Type"], item["CollectionType"]) == ("Shows", "CollectionFolder", "tvshows")
    assert item["Id"] == call(server + "/Library/VirtualFolders", token=token)[1][0]["ItemId"]

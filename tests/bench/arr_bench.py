"""Benchmark of the *arr wiring (make bench): wall time and HTTP requests, first run and no-change rerun.

Starts the Sonarr/Radarr/Lidarr/Prowlarr stand-ins (tests/standins/arr/arr_standin.py) on free local
ports, plus a minimal qBittorrent/NZBGet answer stub so the stand-ins' connection tests pass (benchmark
equipment, not a stand-in: it answers only what those tests ask). Then runs, with ansible-playbook on
this controller:

* "8 objects": the Buildarr comparison (Sonarr: a tag, a qBittorrent client, a root folder, a path
  mapping, one media-management key; Prowlarr: a tag, FlareSolverr, a Sonarr application), once with
  one task per object (the single-object modules) and once with arr_objects (two tasks);
* "seed 004": the arr_wiring role for Sonarr, Radarr, Lidarr, Prowlarr, qBittorrent, NZBGet,
  20 indexers and FlareSolverr;
* "seed 004 x5": the same with five times the objects (clients, root folders, indexers);
* "WEB-1080p profiles": the TRaSH Guides' WEB-1080p template with its custom formats (the template's
  and the default groups', about 40 per app) and the guide's quality sizes, in Sonarr and Radarr, with
  arr_objects (two tasks); the guide is the copy in ../shared/reference/trash (MEDIASTACK_REFERENCE).

ARR_BENCH_CASES (a comma-separated list of case-name prefixes) runs only some cases.

Each: a first run, then ARR_BENCH_REPEAT (3) no-change reruns (median and fastest shown); the requests are those the stand-ins counted
(GET /__standin/requests), including the ones Prowlarr's own tests send to the other apps.
Writes = POST/PUT/DELETE other than the apps' /test endpoints.
"""

import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STANDIN = os.path.join(ROOT, "tests", "standins", "arr", "arr_standin.py")
APPS = ("sonarr", "radarr", "lidarr", "prowlarr")
KEYS = dict((app, ("%x" % (i + 10)) * 32) for i, app in enumerate(APPS))  # bench-only keys
QBT_PASSWORD = "bench-only-password"
REPEAT = int(os.environ.get("ARR_BENCH_REPEAT", "3"))
REFERENCE = os.environ.get("MEDIASTACK_REFERENCE", os.path.join(ROOT, "..", "shared", "reference"))  # no-change reruns per case (the median is shown)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClientStub(http.server.BaseHTTPRequestHandler):
    """Answers what the stand-ins' qBittorrent and NZBGet connection tests ask, nothing more."""

    categories = {}

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def reply(self, body, ctype="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path.startswith("/api/v2/app/webapiVersion"):
            return self.reply("2.8.19", "text/plain")
        if self.path.startswith("/api/v2/app/preferences"):
            return self.reply({"max_ratio_enabled": False, "max_seeding_time_enabled": False})
        if self.path.startswith("/api/v2/torrents/categories"):
            return self.reply(self.categories)
        return self.reply([])

    def do_POST(self):  # pylint: disable=invalid-name
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.path.startswith("/api/v2/auth/login"):
            return self.reply("Ok.", "text/plain", {"Set-Cookie": "SID=bench; path=/"})
        if self.path.startswith("/api/v2/torrents/createCategory"):
            name = urllib.parse.parse_qs(raw).get("category", [""])[0]
            self.categories[name] = {"name": name, "savePath": ""}
            return self.reply("", "text/plain")
        if self.path.startswith("/jsonrpc"):
            method = json.loads(raw or "{}").get("method")
            if method == "version":
                return self.reply({"result": "21.1", "id": 1})
            names = ["Series", "Movies", "Music"] + ["sonarr", "radarr", "lidarr"]
            config = [{"Name": "Category%d.Name" % (i + 1), "Value": n} for i, n in enumerate(names)]
            return self.reply({"result": config + [{"Name": "KeepHistory", "Value": "7"}], "id": 1})
        return self.reply({})


def start_stub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ClientStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Stack:
    def __init__(self, workdir):
        self.workdir = workdir
        self.ports = dict((app, free_port()) for app in APPS)
        self.procs = []

    def __enter__(self):
        for app in APPS:
            state = os.path.join(self.workdir, "state-" + app)
            os.makedirs(state)
            self.procs.append(subprocess.Popen(
                [sys.executable, STANDIN, "--app", app, "--port", str(self.ports[app]), "--api-key", KEYS[app],
                 "--state-dir", state, "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for app in APPS:
            for _attempt in range(100):
                try:
                    urllib.request.urlopen("http://127.0.0.1:%d/ping" % self.ports[app], timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
            proc.wait()

    def url(self, app):
        return "http://127.0.0.1:%d" % self.ports[app]

    def reset(self):
        for app in APPS:
            urllib.request.urlopen(urllib.request.Request(self.url(app) + "/__standin/requests", method="DELETE")).read()

    def counts(self):
        total = {"GET": 0, "POST": 0, "PUT": 0, "DELETE": 0, "writes": 0, "tests": 0}
        for app in APPS:
            data = json.load(urllib.request.urlopen(self.url(app) + "/__standin/requests"))
            for key, value in data.get("byMethod", {}).items():
                total[key] = total.get(key, 0) + value
            for path, value in data.get("byPath", {}).items():
                method = path.split(" ", 1)[0]
                if re.search(r"/test$", path):
                    total["tests"] += value
                elif method in ("POST", "PUT", "DELETE"):
                    total["writes"] += value
        return total


def model(stack, data_root, scale, stub_port):
    clients = []
    for i in range(scale):
        suffix = "" if i == 0 else " %d" % (i + 1)
        clients.append({"name": "qBittorrent" + suffix, "implementation": "QBittorrent", "host": "127.0.0.1",
                        "port": stub_port, "username": "admin", "password": QBT_PASSWORD,
                        "mounts": {data_root + "/torrents": "/downloads"}})
        clients.append({"name": "NZBGet" + suffix, "implementation": "Nzbget", "host": "127.0.0.1", "port": stub_port,
                        "username": "nzbget", "password": QBT_PASSWORD,
                        "categories": {"sonarr": "Series", "radarr": "Movies", "lidarr": "Music"}})
    apps = []
    for app, media in (("sonarr", "tv"), ("radarr", "movies"), ("lidarr", "music")):
        roots = [os.path.join(data_root, "media", media + ("" if i == 0 else str(i + 1))) for i in range(scale)]
        for root in roots:
            os.makedirs(root, exist_ok=True)
        apps.append({"name": app, "url": stack.url(app), "root_folders": roots})
    indexers = [{"name": "Indexer %02d" % (i + 1), "implementation": "Torznab" if i % 2 else "Newznab",
                 "flaresolverr": i % 4 == 0,
                 "fields": {"baseUrl": "%s/__standin/newznab/idx%d" % (stack.url("prowlarr"), i + 1)}}
                for i in range(20 * scale)]
    for sub in ("torrents", "usenet"):
        os.makedirs(os.path.join(data_root, sub), exist_ok=True)
    return {"mediastack_api_keys": KEYS, "arr_wiring_data_root": data_root, "arr_wiring_apps": apps,
            "arr_wiring_download_clients": clients, "arr_wiring_prowlarr": {"url": stack.url("prowlarr")},
            "arr_wiring_flaresolverr_url": "http://127.0.0.1:8191/", "arr_wiring_indexers": indexers}


ROLE_PLAY = """- hosts: localhost
  gather_facts: false
  roles:
    - role: homelab.mediastack.arr_wiring
"""


def eight_objects_play(stack, data_root, stub_port, per_object, secret_policy="verify"):
    sonarr = {"url": stack.url("sonarr"), "api_key": KEYS["sonarr"]}
    prowlarr = {"url": stack.url("prowlarr"), "api_key": KEYS["prowlarr"]}
    policy = {"secret_policy": secret_policy}
    client = {"name": "qBittorrent", "implementation": "QBittorrent",
              "fields": {"host": "127.0.0.1", "port": stub_port, "username": "admin", "password": QBT_PASSWORD,
                         "tvCategory": "tv"}}
    root = os.path.join(data_root, "media", "tv")
    os.makedirs(root, exist_ok=True)
    os.makedirs(os.path.join(data_root, "torrents"), exist_ok=True)
    mapping = {"host": "127.0.0.1", "remote_path": "/downloads/", "local_path": data_root + "/torrents/"}
    proxy = {"name": "FlareSolverr", "implementation": "FlareSolverr", "fields": {"host": "http://127.0.0.1:8191/"},
             "tags": ["flaresolverr"]}
    app = {"name": "Sonarr", "implementation": "Sonarr", "sync_level": "fullSync",
           "fields": {"prowlarrUrl": stack.url("prowlarr"), "baseUrl": stack.url("sonarr"), "apiKey": KEYS["sonarr"]}}
    if per_object:
        tasks = [
            {"homelab.mediastack.arr_tag": dict(sonarr, label="streaming")},
            {"homelab.mediastack.arr_download_client": dict(sonarr, **dict(client, **policy))},
            {"homelab.mediastack.arr_root_folder": dict(sonarr, path=root)},
            {"homelab.mediastack.arr_remote_path_mapping": dict(sonarr, **mapping)},
            {"homelab.mediastack.arr_config": dict(sonarr, section="mediamanagement",
                                                   settings={"copyUsingHardlinks": True})},
            {"homelab.mediastack.arr_tag": dict(prowlarr, label="flaresolverr")},
            {"homelab.mediastack.prowlarr_indexer_proxy": dict(prowlarr, **proxy)},
            {"homelab.mediastack.prowlarr_application": dict(prowlarr, **dict(app, **policy))},
        ]
    else:
        tasks = [
            {"homelab.mediastack.arr_objects": dict(sonarr, tags=["streaming"], download_clients=[client],
                                                    root_folders=[root], remote_path_mappings=[mapping],
                                                    config={"mediamanagement": {"copyUsingHardlinks": True}},
                                                    **policy)},
            {"homelab.mediastack.arr_objects": dict(prowlarr, tags=["flaresolverr"], indexer_proxies=[proxy],
                                                    applications=[app], **policy)},
        ]
    return json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])


def profiles_play(stack, data_root, _stub_port):
    """The guide's WEB-1080p (with its custom formats) and quality sizes in Sonarr and Radarr."""
    guide = os.path.join(REFERENCE, "trash")
    state = os.path.join(data_root, "profiles-state")
    tasks = []
    for app, sizes in (("sonarr", "series"), ("radarr", "movie")):
        tasks.append({"homelab.mediastack.arr_objects": {
            "url": stack.url(app), "api_key": KEYS[app], "guide": guide, "profiles_state_dir": state,
            "quality_profiles": [{"template": "web-1080p", "reset_unmatched_scores": True}],
            "quality_definitions": {"preset": sizes}}})
    return json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])


def run(playbook, extra_vars, workdir):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        handle.write(playbook)
    vars_path = os.path.join(workdir, "vars.json")
    with open(vars_path, "w") as handle:
        json.dump(extra_vars, handle)
    start = time.time()
    proc = subprocess.run(["ansible-playbook", path, "-e", "@" + vars_path], env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.time() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit("ansible-playbook failed (%s)" % path)
    changed = re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", proc.stdout)
    return elapsed, int(changed.group(1)) if changed else -1


def case(name, build):
    rows = []
    with tempfile.TemporaryDirectory(prefix="arr-bench-") as workdir:
        stub = start_stub()
        try:
            with Stack(workdir) as stack:
                playbook, extra = build(stack, os.path.join(workdir, "data"), stub.server_address[1])
                stack.reset()
                elapsed, changed = run(playbook, extra, workdir)
                rows.append((name, "first run", [elapsed], changed, stack.counts()))
                times = []
                for _attempt in range(REPEAT):
                    stack.reset()
                    elapsed, changed = run(playbook, extra, workdir)
                    times.append(elapsed)
                rows.append((name, "no-change rerun", times, changed, stack.counts()))
        finally:
            stub.shutdown()
    return rows


def main():
    cases = [
        ("8 objects, one task per object", lambda s, d, p: (eight_objects_play(s, d, p, True), {})),
        ("8 objects, arr_objects (2 tasks)", lambda s, d, p: (eight_objects_play(s, d, p, False), {})),
        ("8 objects, arr_objects, secret_policy on_create", lambda s, d, p: (eight_objects_play(s, d, p, False, "on_create"), {})),
        ("seed 004 (role)", lambda s, d, p: (ROLE_PLAY, model(s, d, 1, p))),
        ("seed 004 x5 (role)", lambda s, d, p: (ROLE_PLAY, model(s, d, 5, p))),
        ("WEB-1080p profiles, Sonarr + Radarr (arr_objects, 2 tasks)", lambda s, d, p: (profiles_play(s, d, p), {})),
    ]
    only = [c.strip() for c in os.environ.get("ARR_BENCH_CASES", "").split(",") if c.strip()]
    if only:
        cases = [c for c in cases if any(c[0].startswith(prefix) for prefix in only)]
    rows = []
    for name, build in cases:
        rows.extend(case(name, build))
    print("| case | run | wall time (median, min) | changed tasks | GET | POST | PUT | DELETE | writes | app tests |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, label, times, changed, c in rows:
        times = sorted(times)
        wall = "%.2f s" % times[0] if len(times) == 1 else "%.2f s (min %.2f s, %d runs)" % (
            times[len(times) // 2], times[0], len(times))
        print("| %s | %s | %s | %d | %d | %d | %d | %d | %d | %d |" % (
            name, label, wall, changed, c["GET"], c["POST"], c["PUT"], c["DELETE"], c["writes"], c["tests"]))


if __name__ == "__main__":
    main()

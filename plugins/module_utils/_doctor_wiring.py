# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The doctor's checks of the apps and their wiring, through the apps' own APIs, read-only.

Only GET requests: no app test is run (the *arr apps' download-client test creates qBittorrent
categories, notification tests send messages), nothing is saved. Each collection is read once.
What is compared comes from the inventory (the arr_wiring plan, the Jellyfin and Seerr settings),
so a finding says which variable or tag puts it right.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import finding
from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError, JsonHttpClient

# API base per app: Sonarr and Radarr v3, Lidarr and Prowlarr v1 (their src/*.Api.V* folders).
API_BASE = {"sonarr": "/api/v3", "radarr": "/api/v3", "lidarr": "/api/v1", "prowlarr": "/api/v1"}
# Oldest major version the collection's wiring supports (Sonarr v3 has no v4 provider API shape).
SUPPORTED_MAJOR = {"sonarr": 4, "radarr": 5, "lidarr": 2, "prowlarr": 1}
# Jellyfin CollectionType per media type of the media tree.
JELLYFIN_TYPES = {"movies": "movies", "tv": "tvshows", "music": "music", "books": "books"}
LOOPBACK = ("127.", "localhost", "::1", "[::1]", "0.0.0.0")


def _norm(path):
    return (path or "").rstrip("/") or "/"


def _is_loopback(host):
    host = (host or "").lower()
    return any(host == p or host.startswith(p) for p in LOOPBACK if p.endswith(".")) or host in LOOPBACK


class WiringDoctor(object):
    """Runs the checks and collects findings; `opener` (urls.open_url's signature) is injectable for tests."""

    def __init__(self, timeout=15, validate_certs=True, opener=None):
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.opener = opener
        self.findings = []
        self._clients = []

    @property
    def requests(self):
        """Every request sent, as (method, path): the doctor only reads, so all are GET."""
        return [r for c in self._clients for r in c.requests]

    def client(self, url, service, headers, secrets):
        kwargs = dict(headers=headers, secrets=secrets, validate_certs=self.validate_certs,
                      timeout=self.timeout, retry_budget=0)
        if self.opener is not None:
            kwargs["opener"] = self.opener
        http = JsonHttpClient(url, service, **kwargs)
        self._clients.append(http)
        return http

    def add(self, check, layer, where, status, message, fix=""):
        self.findings.append(finding(check, layer, where, status, message, fix))

    # --- *arr apps ---------------------------------------------------------------------------

    def _arr_client(self, spec):
        return self.client(spec["url"] + API_BASE[spec["app"]], spec["app"].capitalize(),
                           {"X-Api-Key": spec["api_key"]}, [spec["api_key"]])

    def _answers(self, spec, http, variable):
        """system/status: the app answers, the key is the vaulted one, the version is supported."""
        name = spec.get("name") or spec["app"]
        try:
            status = http.get("/system/status")
        except ApiError as err:
            if err.status == 401:
                self.add("api_key", "apps", spec["url"], "fail",
                         "%s rejects the vaulted API key (HTTP 401)" % name,
                         "set %s.%s to the ApiKey in %s's config.xml, or let the apps layer seed it (--tags apps)"
                         % (variable, name, name))
            else:
                self.add("app_answers", "apps", spec["url"], "fail", "%s: %s" % (name, err),
                         "start %s, or correct its URL in the inventory" % name)
            return False
        version = str((status or {}).get("version", ""))
        self.add("app_answers", "apps", spec["url"], "ok", "%s %s answers with the vaulted API key" % (name, version))
        major = version.split(".", maxsplit=1)[0]
        if major.isdigit() and int(major) < SUPPORTED_MAJOR[spec["app"]]:
            self.add("app_version", "apps", spec["url"], "fail",
                     "%s %s is older than the oldest supported (%d)" % (name, version, SUPPORTED_MAJOR[spec["app"]]),
                     "upgrade %s" % name)
        return True

    def arr_app(self, spec, variable="mediastack_api_keys"):
        name = spec.get("name") or spec["app"]
        http = self._arr_client(spec)
        if not self._answers(spec, http, variable):
            return
        clients = dict((c.get("name"), c) for c in http.get("/downloadclient") or [])
        for wanted in spec.get("download_clients") or []:
            wanted = wanted if isinstance(wanted, dict) else {"name": wanted}
            have = clients.get(wanted["name"])
            if have is None:
                self.add("download_client", "wiring", "%s: %s" % (name, wanted["name"]), "fail",
                         "%s has no download client %s" % (name, wanted["name"]), "run --tags wiring")
            elif not have.get("enable"):
                self.add("download_client", "wiring", "%s: %s" % (name, wanted["name"]), "fail",
                         "%s's download client %s is disabled: nothing is sent to it" % (name, wanted["name"]),
                         "enable it, or run --tags wiring")
            else:
                self.add("download_client", "wiring", "%s: %s" % (name, wanted["name"]), "ok",
                         "%s sends to %s" % (name, wanted["name"]))
        roots = dict((_norm(r.get("path")), r) for r in http.get("/rootfolder") or [])
        for path in spec.get("root_folders") or []:
            have = roots.get(_norm(path))
            where = "%s: %s" % (name, path)
            if have is None:
                self.add("root_folder", "wiring", where, "fail", "%s has no root folder %s" % (name, path),
                         "run --tags wiring")
            elif have.get("accessible") is False:
                self.add("root_folder", "wiring", where, "fail",
                         "%s cannot reach its root folder %s (missing in its container, or no permission)" % (name, path),
                         "check the app's media mount and that the folder belongs to the media group (--tags storage)")
            else:
                self.add("root_folder", "wiring", where, "ok", "%s's root folder %s is there" % (name, path))
        mappings = [(m.get("host"), _norm(m.get("remotePath")), _norm(m.get("localPath")))
                    for m in http.get("/remotepathmapping") or []]
        for wanted in spec.get("remote_path_mappings") or []:
            key = (wanted.get("host"), _norm(wanted.get("remote_path")), _norm(wanted.get("local_path")))
            where = "%s: %s" % (name, wanted.get("host"))
            if key not in mappings:
                self.add("remote_path_mapping", "wiring", where, "fail",
                         "%s has no remote path mapping %s:%s -> %s: imports of that client's downloads fail "
                         "('path does not exist')" % ((name,) + key),
                         "run --tags wiring (the mapping follows from the storage layout)")
            else:
                self.add("remote_path_mapping", "wiring", where, "ok", "%s maps %s:%s -> %s" % ((name,) + key))
        planned_hosts = set(m.get("host") for m in spec.get("remote_path_mappings") or [])
        for host, remote, local in mappings:
            if host in planned_hosts and (host, remote, local) not in [
                    (m.get("host"), _norm(m.get("remote_path")), _norm(m.get("local_path")))
                    for m in spec.get("remote_path_mappings") or []]:
                self.add("remote_path_mapping", "wiring", "%s: %s" % (name, host), "warn",
                         "%s maps %s:%s -> %s, which the storage layout does not need" % (name, host, remote, local),
                         "delete it, or set arr_wiring_purge: [remote_path_mappings]")
        if not spec.get("remote_path_mappings"):
            self.add("remote_path_mapping", "wiring", name, "ok",
                     "%s needs no remote path mapping (its clients see the same paths)" % name)

    # --- Prowlarr ------------------------------------------------------------------------------

    def prowlarr(self, spec):
        http = self._arr_client(dict(spec, app="prowlarr"))
        if not self._answers(dict(spec, app="prowlarr", name="prowlarr"), http, "mediastack_api_keys"):
            return
        wanted = dict((a["name"], a) for a in spec.get("applications") or [])
        known_urls = set(_norm(a["base_url"]) for a in wanted.values())
        for application in http.get("/applications") or []:
            fields = dict((f.get("name"), f.get("value")) for f in application.get("fields") or [])
            base_url = _norm(fields.get("baseUrl"))
            where = "prowlarr: %s" % application.get("name")
            want = wanted.pop(application.get("name"), None)
            if want is None:
                if base_url not in known_urls:
                    self.add("prowlarr_application", "wiring", where, "fail",
                             "Prowlarr syncs indexers to %s at %s, which the inventory does not have (a "
                             "decommissioned host?)" % (application.get("name"), base_url),
                             "delete the application in Prowlarr, or set arr_wiring_purge: [applications]")
                continue
            if base_url != _norm(want["base_url"]):
                self.add("prowlarr_application", "wiring", where, "fail",
                         "Prowlarr reaches %s at %s, the inventory says %s"
                         % (application.get("name"), base_url, want["base_url"]),
                         "run --tags wiring (prowlarr_base_url of the app in arr_wiring_apps)")
            elif application.get("syncLevel") == "disabled":
                self.add("prowlarr_application", "wiring", where, "fail",
                         "Prowlarr's sync to %s is disabled" % application.get("name"), "run --tags wiring")
            else:
                self.add("prowlarr_application", "wiring", where, "ok",
                         "Prowlarr syncs to %s at %s" % (application.get("name"), base_url))
        for name in sorted(wanted):
            self.add("prowlarr_application", "wiring", "prowlarr: %s" % name, "fail",
                     "Prowlarr does not sync to %s: it gets no indexers" % name, "run --tags wiring")
        self._flaresolverr(http, spec)

    def _flaresolverr(self, http, spec):
        needs = [i for i in spec.get("indexers") or [] if spec.get("flaresolverr_tag") in (i.get("tags") or [])]
        if not needs:
            return
        labels = dict((t.get("id"), t.get("label")) for t in http.get("/tag") or [])
        proxies = [p for p in http.get("/indexerproxy") or [] if p.get("implementation") == "FlareSolverr"]
        proxy_tags = set(labels.get(t) for p in proxies for t in p.get("tags") or [])
        indexers = dict((i.get("name"), i) for i in http.get("/indexer") or [])
        for want in needs:
            where = "prowlarr: %s" % want["name"]
            have = indexers.get(want["name"])
            if have is None:
                self.add("flaresolverr_tag", "wiring", where, "fail", "Prowlarr has no indexer %s" % want["name"],
                         "run --tags wiring")
                continue
            tags = set(labels.get(t) for t in have.get("tags") or [])
            if not proxies:
                self.add("flaresolverr_tag", "wiring", where, "fail",
                         "%s needs FlareSolverr, but Prowlarr has no FlareSolverr proxy" % want["name"],
                         "set arr_wiring_flaresolverr_url and run --tags wiring")
            elif not tags & proxy_tags:
                self.add("flaresolverr_tag", "wiring", where, "fail",
                         "%s needs FlareSolverr but shares no tag with the FlareSolverr proxy (indexer tags: %s; "
                         "proxy tags: %s): its searches fail on the Cloudflare challenge"
                         % (want["name"], ", ".join(sorted(t for t in tags if t)) or "none",
                            ", ".join(sorted(t for t in proxy_tags if t)) or "none"),
                         "run --tags wiring (it tags both with arr_wiring_flaresolverr_tag)")
            else:
                self.add("flaresolverr_tag", "wiring", where, "ok",
                         "%s goes through FlareSolverr (tag %s)" % (want["name"], ", ".join(sorted(tags & proxy_tags))))

    # --- Jellyfin ------------------------------------------------------------------------------

    def jellyfin(self, spec):
        url = spec["url"].rstrip("/")
        key = spec.get("api_key") or ""
        auth = 'MediaBrowser Client="homelab.mediastack", Device="doctor", DeviceId="homelab-mediastack-doctor", Version="1"'
        headers = {"Authorization": auth + (', Token="%s"' % key if key else "")}
        http = self.client(url, "Jellyfin", headers, [key])
        try:
            info = http.get("/System/Info/Public") or {}
        except ApiError as err:
            self.add("app_answers", "apps", url, "fail", "Jellyfin: %s" % err, "start Jellyfin, or correct its URL")
            return
        if not info.get("StartupWizardCompleted"):
            self.add("jellyfin_wizard", "wiring", url, "fail",
                     "Jellyfin's first-run wizard is not finished: anyone who opens it can create the admin",
                     "run --tags wiring (jellyfin_setup finishes it with the vaulted admin)")
            return
        self.add("jellyfin_wizard", "wiring", url, "ok", "Jellyfin %s is set up" % info.get("Version", ""))
        if not key:
            if spec.get("media_types"):
                self.add("jellyfin_library", "wiring", url, "warn",
                         "the libraries were not checked: no Jellyfin API key was given",
                         "set mediastack_api_keys.jellyfin (vaulted) to a key from Jellyfin's dashboard (API keys)")
            return
        try:
            folders = http.get("/Library/VirtualFolders") or []
        except ApiError as err:
            self.add("jellyfin_library", "wiring", url, "fail", "Jellyfin: %s" % err,
                     "set mediastack_api_keys.jellyfin (vaulted) to a Jellyfin API key")
            return
        types = set(f.get("CollectionType") for f in folders)
        for media_type in spec.get("media_types") or []:
            collection = JELLYFIN_TYPES.get(media_type, media_type)
            if collection in types:
                self.add("jellyfin_library", "wiring", "%s: %s" % (url, media_type), "ok",
                         "Jellyfin has a %s library" % collection)
            else:
                self.add("jellyfin_library", "wiring", "%s: %s" % (url, media_type), "fail",
                         "Jellyfin has no %s library: imported %s never show up" % (collection, media_type),
                         "run --tags wiring (client_wiring_jellyfin_libraries)")

    # --- Seerr ---------------------------------------------------------------------------------

    def seerr(self, spec):
        url = spec["url"].rstrip("/")
        key = spec.get("api_key") or ""
        http = self.client(url + "/api/v1", "Seerr", {"X-Api-Key": key} if key else {}, [key] if key else [])
        if not key:
            # Seerr's settings need an admin; /status answers anyone (server/routes/index.ts), so
            # without a key the doctor still tells whether Seerr runs.
            try:
                status = http.get("/status") or {}
            except ApiError as err:
                self.add("app_answers", "apps", url, "fail", "Seerr: %s" % err, "start Seerr, or correct its URL")
                return
            self.add("seerr_target", "wiring", url, "warn",
                     "Seerr %s answers, but where it sends requests was not checked: no Seerr API key was given"
                     % status.get("version", ""),
                     "set mediastack_api_keys.seerr (vaulted) to the key in Seerr's Settings > General")
            return
        try:
            targets = [("media server", http.get("/settings/%s" % spec.get("media_server", "jellyfin")) or {})]
            for kind in ("sonarr", "radarr"):
                for server in http.get("/settings/%s" % kind) or []:
                    targets.append(("%s %s" % (kind, server.get("name", "")), server))
        except ApiError as err:
            self.add("app_answers", "apps", url, "fail", "Seerr: %s" % err, "start Seerr, or check its URL and API key")
            return
        for what, settings in targets:
            host = settings.get("hostname") or settings.get("ip") or ""
            where = "seerr: %s" % what.strip()
            if not host:
                self.add("seerr_target", "wiring", where, "fail", "Seerr has no %s configured" % what,
                         "run --tags wiring")
            elif _is_loopback(host) and not spec.get("loopback_ok"):
                self.add("seerr_target", "wiring", where, "fail",
                         "Seerr reaches its %s at %s, which is Seerr itself from inside its container: "
                         "requests never arrive" % (what.strip(), host),
                         "use the service or host name the app has on Seerr's network (client_wiring_apps[].host)")
            else:
                self.add("seerr_target", "wiring", where, "ok", "Seerr reaches its %s at %s" % (what.strip(), host))


def wiring_targets(plan):
    """What the doctor compares, from the arr_wiring plan: names, URLs, keys and paths only (no
    download-client passwords reach the doctor's module)."""
    plan = plan or {}
    arr = []
    for spec in plan.get("arr") or []:
        arr.append({"name": spec["name"], "app": spec["app"], "url": spec["url"], "api_key": spec["api_key"],
                    "download_clients": [c["name"] for c in spec.get("download_clients") or []],
                    "root_folders": list(spec.get("root_folders") or []),
                    "remote_path_mappings": list(spec.get("remote_path_mappings") or [])})
    prowlarr = None
    if plan.get("prowlarr"):
        spec = plan["prowlarr"]
        proxies = spec.get("indexer_proxies") or []
        tag = (proxies[0].get("tags") or [None])[0] if proxies else None
        prowlarr = {"url": spec["url"], "api_key": spec["api_key"],
                    "applications": [{"name": a["name"], "base_url": a["fields"]["baseUrl"]}
                                     for a in spec.get("applications") or []],
                    "indexers": [{"name": i["name"], "tags": list(i.get("tags") or [])}
                                 for i in spec.get("indexers") or [] if i.get("name")],
                    "flaresolverr_tag": tag or "flaresolverr"}
    return {"arr": arr, "prowlarr": prowlarr}


PROFILE_OPTIONS = ("custom_formats", "quality_profiles", "quality_definitions", "naming", "delay_profiles",
                   "release_profiles", "metadata_profiles")


def profile_findings(results):
    """Findings from the wiring module run in check mode on each app's declared profiles.

    ``results``: the registered loop results, each with ``item`` (the app's name) and the module's
    ``objects`` ({kind, key, action}). An object the module would create, update or delete is
    drift from what the inventory declares; the wiring layer puts it back.
    """
    findings = []
    for result in results or []:
        name = result.get("item")
        if result.get("skipped"):
            continue
        drift = [o for o in result.get("objects") or [] if o.get("action") in ("created", "updated", "deleted")]
        if not drift:
            findings.append(finding("profiles", "wiring", name, "ok",
                                    "%s's quality profiles, custom formats and naming match the inventory" % name))
        for obj in drift:
            findings.append(finding("profiles", "wiring", "%s: %s %s" % (name, obj.get("kind"), obj.get("key")), "fail",
                                    "%s's %s %s differs from the inventory (the wiring would %s it)"
                                    % (name, obj.get("kind"), obj.get("key"), obj["action"][:-1]),
                                    "run --tags wiring (arr_wiring_profiles.%s)" % name))
    return findings

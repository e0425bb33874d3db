"""Sonarr / Radarr / Lidarr / Prowlarr API stand-in (test equipment, never imported by the collection).

One process serves one app instance:

    python3 arr_standin.py --app sonarr --port 8989 --api-key KEY --state-dir /var/lib/arr-standin

(or ARR_STANDIN_APP, ARR_STANDIN_PORT, ARR_STANDIN_API_KEY, ARR_STANDIN_STATE_DIR, ARR_STANDIN_BIND, and
ARR_STANDIN_NAME, the instance name that names the state file <state-dir>/<name>.json; default: the app).

What it follows (see docs/arr-standin.md): the behaviour read from the apps' source in
reference/arr/API_BEHAVIOUR.md (auth, 401 with an empty body, 201/202, bare-array validation
errors, "********" secrets, provider fields reset on PUT, config booleans saved as false, tags
lowercased, Prowlarr re-testing every PUT, forceSave), the official OpenAPI component schemas and
the recorded or source-derived /schema templates, all read in place from the project's reference
directory (never copied into the repository):

    $ARR_STANDIN_REFERENCE, else $MEDIASTACK_REFERENCE/arr, else <repo>/../shared/reference/arr

It shares no code, constant or rule table with the collection's plugins or roles: every rule below carries a
comment naming the upstream file (Sonarr/Sonarr, Radarr/Radarr, Lidarr/Lidarr, Prowlarr/Prowlarr)
or the recorded response it follows.

Extensions: every ``standin_*.py`` beside this file is imported at start and its ``register(m)``
called with this module; it adds resources with ``m.RESOURCES[name] = handler`` (see
:data:`RESOURCES`) and state with ``m.STATE_INIT.append(func)``. Connection tests are real: qBittorrent WebUI API v2,
NZBGet JSON-RPC, SABnzbd API, the target app of a Prowlarr application, Newznab/Torznab caps.
Prowlarr's ApplicationIndexerSync really pushes indexers to the applications' apps.

Stand-in-only endpoints (no auth): GET|DELETE /__standin/requests (request counter),
GET|DELETE /__standin/side-effects (what provider tests sent to the outside world: messages,
indexer queries), GET /__standin/newznab/<name>/api?t=caps (a minimal Newznab/Torznab indexer).

Python 3 standard library only.
"""

import argparse
import base64
import copy
import datetime
import glob
import hashlib
import importlib.util
import http.cookiejar
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import types
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
MASK = "********"

# Resources added by extensions (standin_*.py): name -> handler(handler, arr, method, parts, query, raw)
# returning (status, body, content_type) or None to fall through to the built-in routes.
RESOURCES = {}
# Functions called with (arr, state) when a fresh state is created.
STATE_INIT = []
EXTENSIONS = None  # names of the loaded extensions


def reference_dir():
    """Where the upstream data lives: read in place, as the project's tests do."""
    explicit = os.environ.get("ARR_STANDIN_REFERENCE")
    if explicit:
        return explicit
    return os.path.join(os.environ.get("MEDIASTACK_REFERENCE") or os.path.join(REPO, "..", "shared", "reference"), "arr")


# appName, API version and version of the recorded OpenAPI documents (reference/arr/SOURCES.md);
# default ports: each app's ConfigFileProvider.Port default
APPS = {
    "sonarr": {"appName": "Sonarr", "api": "v3", "version": "4.0.19.0", "port": 8989},
    "radarr": {"appName": "Radarr", "api": "v3", "version": "6.0.4.0", "port": 7878},
    "lidarr": {"appName": "Lidarr", "api": "v1", "version": "2.14.5.0", "port": 8686},
    "prowlarr": {"appName": "Prowlarr", "api": "v1", "version": "2.3.5.0", "port": 9696},
}

# provider kind -> OpenAPI resource schema (controllers deriving from ProviderControllerBase)
PROVIDERS = {
    "downloadclient": "DownloadClientResource",
    "indexer": "IndexerResource",
    "notification": "NotificationResource",
    "applications": "ApplicationResource",
    "indexerproxy": "IndexerProxyResource",
}
# Prowlarr.Api.V1 has Applications/, IndexerProxies/, Profiles/App/; Sonarr.Api.V3 has RootFolders/,
# RemotePathMappings/, Profiles/Quality/ (and Lidarr.Api.V1 Profiles/Metadata/)
PROWLARR_ONLY = ("applications", "indexerproxy", "appprofile")
ARR_ONLY = ("rootfolder", "remotepathmapping", "qualityprofile", "metadataprofile")
# provider resource keys the server decides (from the implementation), whatever the client sends
# (ProviderResource mappers' ToModel ignore them; IndexerFactory.SetProviderCharacteristics sets them)
READONLY = ("protocol", "privacy", "link", "testCommand", "definitionName", "description", "language", "encoding",
            "sortName", "added", "legacyUrls", "indexerUrls", "status", "capabilities")

# Sonarr.Api.V3/Config/*ConfigController.cs (and Radarr's, Lidarr's); Prowlarr.Api.V1/Config has host, ui,
# downloadclient only
CONFIG_SECTIONS = {
    "sonarr": ("mediamanagement", "naming", "host", "ui", "downloadclient", "indexer"),
    "radarr": ("mediamanagement", "naming", "host", "ui", "downloadclient", "indexer"),
    "lidarr": ("mediamanagement", "naming", "host", "ui", "downloadclient", "indexer"),
    "prowlarr": ("host", "ui", "downloadclient"),
}
CONFIG_SCHEMA = {
    "mediamanagement": "MediaManagementConfigResource",
    "naming": "NamingConfigResource",
    "host": "HostConfigResource",
    "ui": "UiConfigResource",
    "downloadclient": "DownloadClientConfigResource",
    "indexer": "IndexerConfigResource",
}
# Values of real instances (pyarr's recorded Sonarr responses, MIT) where the schema has the key;
# everything else starts at its type's default, as a fresh database does not store them.
CONFIG_SEED = {
    "mediamanagement": {
        "autoUnmonitorPreviouslyDownloadedEpisodes": False, "recycleBin": "", "recycleBinCleanupDays": 7,
        "downloadPropersAndRepacks": "preferAndUpgrade", "createEmptySeriesFolders": False, "createEmptyMovieFolders": False,
        "deleteEmptyFolders": False, "fileDate": "none", "rescanAfterRefresh": "always", "setPermissionsLinux": False,
        "chmodFolder": "755", "chownGroup": "", "episodeTitleRequired": "always", "skipFreeSpaceCheckWhenImporting": False,
        "minimumFreeSpaceWhenImporting": 100, "copyUsingHardlinks": True, "useScriptImport": False, "scriptImportPath": "",
        "importExtraFiles": False, "extraFileExtensions": "srt", "enableMediaInfo": True,
    },
    "naming": {"renameEpisodes": False, "renameMovies": False, "renameTracks": False, "replaceIllegalCharacters": True},
    "host": {"bindAddress": "*", "sslPort": 9898, "enableSsl": False, "launchBrowser": True, "authenticationMethod": "none",
             "authenticationRequired": "enabled", "analyticsEnabled": True, "logLevel": "info", "logSizeLimit": 1,
             "consoleLogLevel": "", "branch": "main", "urlBase": "", "instanceName": None, "updateAutomatically": False,
             "updateMechanism": "docker", "proxyEnabled": False, "proxyType": "http", "proxyPort": 8080,
             "proxyBypassLocalAddresses": True, "certificateValidation": "enabled", "backupFolder": "Backups",
             "backupInterval": 7, "backupRetention": 28, "historyCleanupDays": 365, "trustCgnatIpAddresses": False},
    "ui": {"firstDayOfWeek": 0, "calendarWeekColumnHeader": "ddd M/D", "shortDateFormat": "MMM D YYYY",
           "longDateFormat": "dddd, MMMM D YYYY", "timeFormat": "h(:mm)a", "showRelativeDates": True,
           "enableColorImpairedMode": False, "theme": "auto", "uiLanguage": 1},
    "downloadclient": {"downloadClientWorkingFolders": "_UNPACK_|_FAILED_", "enableCompletedDownloadHandling": True,
                       "autoRedownloadFailed": True, "autoRedownloadFailedFromInteractiveSearch": True},
    "indexer": {"minimumAge": 0, "retention": 0, "maximumSize": 0, "rssSyncInterval": 60},
}

# command name -> commandName, per app (each app's NzbDrone.Core/**/Commands/*Command.cs class names)
# (the ones the stand-in knows; they only change status except the sync)
COMMANDS = {
    "all": {"CheckHealth": "Check Health", "Backup": "Backup", "ApplicationUpdateCheck": "Application Update Check"},
    "sonarr": {"RescanSeries": "Rescan Series", "RefreshSeries": "Refresh Series", "RssSync": "Rss Sync",
               "DownloadedEpisodesScan": "Downloaded Episodes Scan", "RefreshMonitoredDownloads": "Refresh Monitored Downloads"},
    "radarr": {"RescanMovie": "Rescan Movie", "RefreshMovie": "Refresh Movie", "RssSync": "Rss Sync",
               "DownloadedMoviesScan": "Downloaded Movies Scan", "RefreshMonitoredDownloads": "Refresh Monitored Downloads"},
    "lidarr": {"RescanFolders": "Rescan Folders", "RefreshArtist": "Refresh Artist", "RssSync": "Rss Sync",
               "DownloadedAlbumsScan": "Downloaded Albums Scan", "RefreshMonitoredDownloads": "Refresh Monitored Downloads"},
    "prowlarr": {"ApplicationIndexerSync": "Application Indexer Sync", "ApplicationCheckUpdate": "Application Check Update"},
}

# Prowlarr sync: the app's indexer API version per application implementation
# (Applications/Sonarr/SonarrV3Proxy.cs, Radarr/RadarrV3Proxy.cs, Lidarr/LidarrV1Proxy.cs)
APP_API = {"Sonarr": "v3", "Radarr": "v3", "Lidarr": "v1"}
# Newznab standard categories (Prowlarr NzbDrone.Core/Indexers/NewznabStandardCategory.cs), a subset
CAPS_CATEGORIES = [
    (2000, "Movies", [2010, 2020, 2030, 2040, 2045, 2050, 2060, 2070, 2080, 2090]),
    (3000, "Audio", [3010, 3020, 3030, 3040, 3050, 3060]),
    (5000, "TV", [5010, 5020, 5030, 5040, 5045, 5050, 5060, 5070, 5080, 5090]),
]
ALL_CATEGORIES = [c for top, _n, subs in CAPS_CATEGORIES for c in [top] + subs]


def log(msg):
    sys.stderr.write("%s %s\n" % (datetime.datetime.now().strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def load_ref(*parts):
    """A JSON file under the reference directory (openapi/..., fixtures/...)."""
    with open(os.path.join(reference_dir(), *parts), encoding="utf-8") as fh:
        return json.load(fh)


class ApiError(Exception):
    """An HTTP error answer: status and a body (None = empty body)."""

    def __init__(self, status, body=None):
        super().__init__(status)
        self.status = status
        self.body = body


def failure(prop, message, value=None, warning=False, code=None, detailed=None, placeholders=None):
    """One FluentValidation / NzbDroneValidationFailure object, camelCase, nulls omitted."""
    item = {"propertyName": prop, "errorMessage": message}
    if value is not None:
        item["attemptedValue"] = value
    item["severity"] = "warning" if warning else "error"
    if code:
        item["errorCode"] = code
    item["formattedMessageArguments"] = []
    item["formattedMessagePlaceholderValues"] = placeholders if placeholders is not None else {"PropertyName": prop}
    if value is not None and placeholders is None:
        item["formattedMessagePlaceholderValues"]["PropertyValue"] = value
    if warning or detailed is not None:
        item["isWarning"] = warning
    if detailed:
        item["detailedDescription"] = detailed
    return item


def validation_error(failures):
    return ApiError(400, failures)


def problem_details(errors):
    """Model binding failed before the controller ran: ASP.NET Core's automatic 400 for API
    controllers (Sonarr.Http/V3ApiControllerAttribute implements IApiBehaviorMetadata;
    ModelStateInvalidFilter -> ValidationProblemDetails), not FluentValidation's bare array."""
    out = {}
    for path, message in errors:
        out.setdefault(path, []).append("%s Path: %s | LineNumber: 0 | BytePositionInLine: 0." % (message, path))
    out.setdefault("resource", []).append("The resource field is required.")
    return ApiError(400, {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                          "title": "One or more validation errors occurred.", "status": 400, "errors": out,
                          "traceId": "00-%032x-%016x-00" % (int(time.time() * 1e6), os.getpid())})


# --------------------------------------------------------------------------- OpenAPI validation

class SchemaValidator:
    """Validates a JSON value against an OpenAPI 3 component schema (the subset Swashbuckle emits)."""

    def __init__(self, doc):
        self.schemas = doc["components"]["schemas"]

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def validate(self, value, schema, path, errors):
        schema = self.resolve(schema)
        if value is None:
            if not schema.get("nullable") and schema.get("type") in ("integer", "number", "boolean"):
                errors.append((path, "The JSON value could not be converted to %s." % schema.get("type")))
            return
        if "enum" in schema:
            if value not in schema["enum"]:
                errors.append((path, "'%s' is not a valid value, expected one of: %s." % (value, ", ".join(schema["enum"]))))
            return
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if not isinstance(value, dict):
                errors.append((path, "The JSON value could not be converted to an object."))
                return
            props = schema.get("properties", {})
            for key, item in value.items():
                # System.Text.Json (STJson.GetSerializerSettings): unknown properties are skipped, whatever
                # Swashbuckle writes as additionalProperties
                if key in props:
                    self.validate(item, props[key], "%s.%s" % (path, key), errors)
        elif kind == "array":
            if not isinstance(value, list):
                errors.append((path, "The JSON value could not be converted to an array."))
                return
            for index, item in enumerate(value):
                self.validate(item, schema.get("items", {}), "%s[%d]" % (path, index), errors)
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append((path, "The JSON value could not be converted to System.Int32."))
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                errors.append((path, "The JSON value could not be converted to System.Double."))
        elif kind == "boolean":
            if not isinstance(value, bool):
                errors.append((path, "The JSON value could not be converted to System.Boolean."))
        elif kind == "string":
            if not isinstance(value, str):
                errors.append((path, "The JSON value could not be converted to System.String."))

    def check(self, value, name):
        errors = []
        self.validate(value, {"$ref": "#/components/schemas/" + name}, "$", errors)
        if errors:
            raise problem_details(errors)

    def default(self, schema):
        """The value a C# resource property has when the JSON body omits it."""
        schema = self.resolve(schema)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if schema.get("nullable"):
            return None
        return {"boolean": False, "integer": 0, "number": 0, "string": None}.get(kind)

    def properties(self, name):
        return self.schemas[name].get("properties", {})


# --------------------------------------------------------------------------- HTTP client (outgoing)

def http_call(method, url, headers=None, body=None, timeout=10, opener=None):
    """Returns (status, headers, text). Raises OSError/URLError when the host cannot be reached."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    open_ = opener.open if opener else urllib.request.urlopen
    try:
        with open_(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode("utf-8", "replace")


def base_url(settings, default_port):
    scheme = "https" if settings.get("useSsl") else "http"
    host = settings.get("host") or "localhost"
    url_base = (settings.get("urlBase") or "").strip("/")
    return "%s://%s:%s%s" % (scheme, host, settings.get("port") or default_port, ("/" + url_base) if url_base else "")


def unreachable(prop, name, err):
    return failure(prop, "Unable to connect to %s" % name, detailed=str(getattr(err, "reason", err)), placeholders={})


# --------------------------------------------------------------------------- /schema templates
#
# Recorded or source-derived templates are read from the reference directory; the others are
# written here from the apps' settings classes (field names, defaults, privacy), each citing it.

def field(order, name, label, value=None, ftype="textbox", privacy="normal", advanced=False, options=None, unit=None,
          is_float=False):
    """One schema field as SchemaBuilder.ToSchema (Sonarr.Http/ClientSchema/SchemaBuilder.cs) emits it."""
    item = {"order": order, "name": name, "label": label}
    if value is not None:
        item["value"] = value
    item["type"] = ftype
    item["advanced"] = advanced
    if options:
        item["selectOptions"] = [{"value": v, "name": n, "order": i} for i, (v, n) in enumerate(options)]
    if unit:
        item["unit"] = unit
    item["privacy"] = privacy
    item["isFloat"] = is_float
    return item


# NzbDrone.Core/Download/Clients/Nzbget/NzbgetPriority.cs
NZBGET_PRIORITY = [(-100, "VeryLow"), (-50, "Low"), (0, "Normal"), (50, "High"), (100, "VeryHigh"), (900, "Force")]
# category field per app: Sonarr NzbgetSettings.TvCategory ("tv"), Radarr MovieCategory ("movies"),
# Lidarr MusicCategory ("music"), Prowlarr Category ("prowlarr")
NZBGET_CATEGORY = {"sonarr": ("tvCategory", "tv", "Tv"), "radarr": ("movieCategory", "movies", "Movie"),
                   "lidarr": ("musicCategory", "music", "Music"), "prowlarr": ("category", "prowlarr", None)}


def nzbget_template(app):
    """NzbDrone.Core/Download/Clients/Nzbget/NzbgetSettings.cs (each app's copy)."""
    cat, default, word = NZBGET_CATEGORY[app]
    fields = [field(0, "host", "Host", "localhost"), field(1, "port", "Port", 6789, "number"),
              field(2, "useSsl", "Use SSL", False, "checkbox"), field(3, "urlBase", "URL Base", advanced=True),
              field(4, "username", "Username", "nzbget", privacy="userName"),
              field(5, "password", "Password", "tegbzn6789", "password", privacy="password"),
              field(6, cat, "Category", default)]
    if word:
        fields += [field(7, "recent%sPriority" % word, "Recent Priority", 0, "select", options=NZBGET_PRIORITY),
                   field(8, "older%sPriority" % word, "Older Priority", 0, "select", options=NZBGET_PRIORITY)]
    else:
        fields += [field(7, "priority", "Priority", 0, "select", options=NZBGET_PRIORITY)]
    fields.append(field(len(fields), "addPaused", "Add Paused", False, "checkbox"))
    # ThingiProvider/ProviderFactory.cs GetDefaultDefinitions: a new TProviderDefinition, so Enable is false
    tpl = {"enable": False, "protocol": "usenet", "priority": 1}
    if app != "prowlarr":
        tpl.update(removeCompletedDownloads=True, removeFailedDownloads=True)  # DownloadClientDefinition defaults
    else:
        tpl.update(categories=[], supportsCategories=True)
    tpl.update(name="", fields=fields, implementationName="NZBGet", implementation="Nzbget", configContract="NzbgetSettings",
               infoLink="https://wiki.servarr.com/%s/supported#nzbget" % app, tags=[], presets=[])
    return tpl


def arr_indexer_templates(app):
    """Newznab/Torznab of Sonarr/Radarr/Lidarr: NzbDrone.Core/Indexers/Newznab/NewznabSettings.cs,
    Torznab/TorznabSettings.cs (categories defaults per app)."""
    cats = {"sonarr": [5030, 5040], "radarr": [2000, 2010, 2020, 2030, 2040, 2045, 2050, 2060],
            "lidarr": [3000, 3010, 3030, 3040, 3050]}[app]
    out = []
    for impl, protocol in (("Newznab", "usenet"), ("Torznab", "torrent")):
        fields = [field(0, "baseUrl", "URL"), field(1, "apiPath", "API Path", "/api", advanced=True),
                  field(2, "apiKey", "API Key", privacy="apiKey"), field(3, "categories", "Categories", cats, "select")]
        if app == "sonarr":
            fields.append(field(4, "animeCategories", "Anime Categories", [], "select"))
        fields.append(field(len(fields), "additionalParameters", "Additional Parameters", advanced=True))
        if protocol == "torrent":
            fields += [field(len(fields), "minimumSeeders", "Minimum Seeders", 1, "number", advanced=True),
                       field(len(fields) + 1, "seedCriteria.seedRatio", "Seed Ratio", advanced=True, is_float=True),
                       field(len(fields) + 2, "seedCriteria.seedTime", "Seed Time", ftype="number", unit="minutes",
                             advanced=True)]
        # ProviderFactory.GetDefaultDefinitions: a new IndexerDefinition, so RSS and both searches are off
        tpl = {"enableRss": False, "enableAutomaticSearch": False, "enableInteractiveSearch": False, "supportsRss": True,
               "supportsSearch": True, "protocol": protocol, "priority": 25}
        if app == "sonarr":
            tpl["seasonSearchMaximumSingleEpisodeAge"] = 0
        tpl.update(downloadClientId=0, name="", fields=fields, implementationName=impl, implementation=impl,
                   configContract=impl + "Settings", infoLink="https://wiki.servarr.com/%s/supported#%s" % (app, impl.lower()),
                   tags=[], presets=[])
        out.append(tpl)
    return out


# Prowlarr src/NzbDrone.Core/Indexers/Definitions/Newznab/Newznab.cs DefaultDefinitions (name, baseUrl, apiPath)
NEWZNAB_PRESETS = [("abNZB", "https://abnzb.com/", None), ("DOGnzb", "https://api.dognzb.cr", None),
                   ("DrunkenSlug", "https://api.drunkenslug.com", None), ("Nzb.su", "https://api.nzb.su", None),
                   ("NZBCat", "https://nzb.cat", None), ("NZBFinder.ws", "https://nzbfinder.ws", None),
                   ("NZBgeek", "https://api.nzbgeek.info", None), ("nzbplanet.net", "https://api.nzbplanet.net", None),
                   ("OZnzb.com", "https://api.oznzb.com", None), ("SimplyNZBs", "https://simplynzbs.com", None),
                   ("Tabula Rasa", "https://www.tabula-rasa.pw", "/api/v1/api"),
                   ("Usenet Crawler", "https://www.usenet-crawler.com", None), ("Generic Newznab", "", None)]
# Prowlarr src/NzbDrone.Core/Indexers/Definitions/Torznab/Torznab.cs DefaultDefinitions
TORZNAB_PRESETS = [("AnimeTosho", "https://feed.animetosho.org", None), ("Generic Torznab", "", None)]


def prowlarr_indexer_templates():
    """Prowlarr's /indexer/schema: IndexerFactory.GetDefaultDefinitions yields every preset of every
    indexer (the bare "Newznab"/"Torznab" names are filtered out), so there is one template per
    preset, all with the same implementation; Newznab.GetDefinition sets Enable = true and no
    AppProfileId (0). Fields: NewznabSettings.cs, Torznab/TorznabSettings.cs."""
    out = []
    for impl, protocol, presets in (("Newznab", "usenet", NEWZNAB_PRESETS), ("Torznab", "torrent", TORZNAB_PRESETS)):
        for name, url, api_path in presets:
            fields = [field(0, "baseUrl", "URL", url), field(1, "apiPath", "API Path", api_path or "/api", advanced=True),
                      field(2, "apiKey", "API Key", privacy="apiKey"),
                      field(3, "additionalParameters", "Additional Parameters", advanced=True),
                      field(4, "baseSettings.queryLimit", "Query Limit", advanced=True, ftype="number"),
                      field(5, "baseSettings.grabLimit", "Grab Limit", advanced=True, ftype="number")]
            if protocol == "torrent":
                fields += [field(6, "torrentBaseSettings.appMinimumSeeders", "Apps Minimum Seeders", ftype="number",
                                 advanced=True),
                           field(7, "torrentBaseSettings.seedRatio", "Seed Ratio", advanced=True, is_float=True),
                           field(8, "torrentBaseSettings.seedTime", "Seed Time", ftype="number", unit="minutes",
                                 advanced=True)]
            out.append({"indexerUrls": [url] if url else [], "legacyUrls": [], "definitionName": impl,
                        "description": "", "enable": True, "redirect": False, "supportsRss": True, "supportsSearch": True,
                        "supportsRedirect": False, "supportsPagination": False, "appProfileId": 0, "protocol": protocol,
                        "privacy": "private", "priority": 25, "downloadClientId": 0, "name": name, "fields": fields,
                        "implementationName": impl, "implementation": impl, "configContract": impl + "Settings",
                        "infoLink": "https://wiki.servarr.com/prowlarr/supported-indexers#%s" % impl.lower(), "tags": [],
                        "presets": []})
    return out


# NotificationResource.supportsOn*: media servers do not support these events
# (Sonarr src/NzbDrone.Core/Notifications/Emby/MediaBrowser.cs, Plex/Server/PlexServer.cs: no OnGrab, no health)
MEDIA_SERVER_UNSUPPORTED = ("supportsOnGrab", "supportsOnHealthIssue", "supportsOnHealthRestored",
                            "supportsOnApplicationUpdate", "supportsOnManualInteractionRequired")


def notification_templates(app, schemas):
    """Event switches: the app's NotificationResource on* properties (official OpenAPI); fields:
    Notifications/Webhook/WebhookSettings.cs, Emby/MediaBrowserSettings.cs, Plex/Server/PlexServerSettings.cs,
    Discord/DiscordSettings.cs (WebHookUrl has no privacy level: returned in clear),
    Telegram/TelegramSettings.cs (BotToken privacy ApiKey)."""
    props = schemas["NotificationResource"]["properties"]
    events = [k for k in props if k.startswith("on")]
    impls = [
        ("Webhook", "Webhook", "WebhookSettings",
         [field(0, "url", "Webhook URL", ftype="url"),
          field(1, "method", "Method", 1, "select", options=[(1, "POST"), (2, "PUT")]),
          field(2, "username", "Username", privacy="userName"),
          field(3, "password", "Password", ftype="password", privacy="password")]),
        ("Emby / Jellyfin", "MediaBrowser", "MediaBrowserSettings",
         [field(0, "host", "Host"), field(1, "port", "Port", 8096, "number"), field(2, "useSsl", "Use SSL", False, "checkbox"),
          field(3, "urlBase", "URL Base", advanced=True), field(4, "apiKey", "API Key", privacy="apiKey"),
          field(5, "notify", "Send Notifications", False, "checkbox"),
          field(6, "updateLibrary", "Update Library", False, "checkbox")]),
        ("Discord", "Discord", "DiscordSettings",
         [field(0, "webHookUrl", "Webhook URL", ftype="url"), field(1, "username", "Username"),
          field(2, "avatar", "Avatar")]),
        ("Telegram", "Telegram", "TelegramSettings",
         [field(0, "botToken", "Bot Token", privacy="apiKey"), field(1, "chatId", "Chat ID"),
          field(2, "sendSilently", "Send Silently", False, "checkbox")]),
    ]
    if app != "prowlarr":
        impls.append(("Plex Media Server", "PlexServer", "PlexServerSettings",
                      [field(0, "host", "Host"), field(1, "port", "Port", 32400, "number"),
                       field(2, "useSsl", "Use SSL", False, "checkbox"), field(3, "urlBase", "URL Base", advanced=True),
                       field(4, "authToken", "Auth Token", privacy="apiKey"),
                       field(5, "updateLibrary", "Update Library", True, "checkbox")]))
    out = []
    for label, impl, contract, fields in impls:
        tpl = {key: False for key in events}
        for key in props:
            if key.startswith("supportsOn"):
                tpl[key] = impl not in ("MediaBrowser", "PlexServer") or key not in MEDIA_SERVER_UNSUPPORTED
        if "includeHealthWarnings" in props:
            tpl["includeHealthWarnings"] = False
        tpl.update(name="", fields=fields, implementationName=label, implementation=impl, configContract=contract,
                   infoLink="https://wiki.servarr.com/%s/supported#%s" % (app, impl.lower()), tags=[], presets=[])
        out.append(tpl)
    return out


def proxy_templates():
    """Prowlarr src/NzbDrone.Core/IndexerProxies/Http/HttpSettings.cs, Socks4, Socks5 (FlareSolverr is derived)."""
    out = []
    for impl in ("Http", "Socks4", "Socks5"):
        out.append({"onHealthIssue": False, "supportsOnHealthIssue": False, "includeHealthWarnings": False, "name": "",
                    "fields": [field(0, "host", "Host"), field(1, "port", "Port", 8080, "number"),
                               field(2, "username", "Username", privacy="userName"),
                               field(3, "password", "Password", ftype="password", privacy="password")],
                    "implementationName": impl, "implementation": impl, "configContract": impl + "Settings",
                    "infoLink": "https://wiki.servarr.com/prowlarr/supported#%s" % impl.lower(), "tags": [], "presets": []})
    return out


def derived_templates(name):
    """fixtures/derived/<name>.partial.json (derived from the apps' C# sources; see SOURCES.md)."""
    templates = load_ref("fixtures", "derived", name + ".partial.json")
    for tpl in templates:
        for fld in tpl.get("fields", []):
            # the derivation sometimes caught a [FieldToken(...)] attribute as the help text
            if "[FieldToken" in fld.get("helpText", "") or '")]' in fld.get("helpText", ""):
                fld.pop("helpText")
        if "enable" in tpl:
            tpl["enable"] = False  # ThingiProvider/ProviderFactory.cs GetDefaultDefinitions: Enable not set
        if tpl.get("name") is None:
            tpl["name"] = ""  # GetDefaultDefinitions: Name = string.Empty
    return templates


def prowlarr_category_options(templates):
    """NewznabCategoryFieldConverter cannot be derived: take the options of the REAL recording
    fixtures/buildarr-prowlarr/applications-schema.json."""
    recorded = {t["implementation"]: {f["name"]: f for f in t["fields"]}
                for t in load_ref("fixtures", "buildarr-prowlarr", "applications-schema.json")}
    for tpl in templates:
        for fld in tpl["fields"]:
            if isinstance(fld.get("selectOptions"), dict) and fld["name"] in recorded.get(tpl["implementation"], {}):
                fld["selectOptions"] = recorded[tpl["implementation"]][fld["name"]]["selectOptions"]
    return templates


def app_templates(app, schemas):
    """Every provider kind's templates for one app, sorted by implementationName as GetTemplates does."""
    out = {"downloadclient": derived_templates("%s-downloadclient-schema" % app) + [nzbget_template(app)],
           "notification": notification_templates(app, schemas)}
    if app == "prowlarr":
        out["indexer"] = prowlarr_indexer_templates()
        out["applications"] = prowlarr_category_options(derived_templates("prowlarr-applications-schema"))
        out["indexerproxy"] = derived_templates("prowlarr-indexerproxy-schema") + proxy_templates()
    else:
        out["indexer"] = arr_indexer_templates(app)
    for kind, items in out.items():
        out[kind] = sorted(items, key=lambda t: (t.get("implementationName", ""), t.get("name") or ""))
    return out


# --------------------------------------------------------------------------- the app


class ArrApp:
    def __init__(self, app, api_key, state_dir, port, name=None):
        self.app = app
        self.meta = APPS[app]
        self.api = self.meta["api"]
        self.api_key = api_key
        self.port = port
        self.lock = threading.RLock()
        self.state_file = os.path.join(state_dir, "%s.json" % (name or app))
        self.validator = SchemaValidator(load_ref("openapi", "%s.json" % app))
        self.templates = self.load_templates()
        self.started = now_iso()
        self.counts = {}
        self.paths = {}
        self.side_effects = []  # what provider tests sent out: messages, indexer queries
        self.sync_lock = threading.Lock()
        self.schema_cache = {}
        os.makedirs(state_dir, exist_ok=True)
        self.state = self.load_state()

    # ---- data

    def load_templates(self):
        return app_templates(self.app, self.validator.schemas)

    def load_state(self):
        if os.path.exists(self.state_file):
            with open(self.state_file, encoding="utf-8") as fh:
                return json.load(fh)
        state = {"next_id": {}, "config": {}, "commands": [], "appindexermap": {}}
        for section in CONFIG_SECTIONS[self.app]:
            props = self.validator.properties(CONFIG_SCHEMA[section])
            values = {}
            for key, schema in props.items():
                if key == "id" or (section == "host" and key in ("username", "password", "passwordConfirmation")):
                    continue
                seed = CONFIG_SEED.get(section, {})
                values[key] = self.validator.default(schema)
                if key in seed:
                    errors = []
                    self.validator.validate(seed[key], schema, key, errors)
                    values[key] = seed[key] if not errors else {"uiLanguage": "en"}.get(key, values[key])
            if section == "host":
                values["port"] = self.meta["port"]
                values["apiKey"] = self.api_key
            state["config"][section] = values
        if self.app == "prowlarr":
            state["appprofile"] = [{"id": 1, "name": "Standard", "enableRss": True, "enableAutomaticSearch": True,
                                    "enableInteractiveSearch": True, "minimumSeeders": 1}]
            state["next_id"]["appprofile"] = 2
        for init in STATE_INIT:
            init(self, state)
        return state

    def save(self):
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.state, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)

    def table(self, kind):
        return self.state.setdefault(kind, [])

    def new_id(self, kind):
        # SQLite AUTOINCREMENT: ids are never reused
        nid = self.state["next_id"].get(kind, 1)
        self.state["next_id"][kind] = nid + 1
        return nid

    def find(self, kind, oid):
        for item in self.table(kind):
            if item["id"] == oid:
                return item
        raise ApiError(404, {"message": "NotFound", "description": "%s with ID %s does not exist" % (kind, oid)})

    # ---- tags

    def tag_ids(self):
        return {t["id"] for t in self.table("tag")}

    def tag_add(self, body, oid=None):
        self.validator.check(body, "TagResource")
        label = (body.get("label") or "")
        if self.app in ("radarr", "prowlarr"):
            # Radarr.Api.V3/Tags/TagController.cs and Prowlarr.Api.V1/Tags/TagController.cs:
            # Label NotEmpty, Matches("^[a-z0-9-]+$", IgnoreCase); Sonarr's and Lidarr's TagController have no rule
            if not label.strip():
                raise validation_error([failure("Label", "'Label' must not be empty.", value=label, code="NotEmptyValidator")])
            if not re.match(r"^[a-z0-9-]+$", label, re.IGNORECASE):
                raise validation_error([failure("Label", "Allowed characters a-z, 0-9 and -", value=label,
                                                code="RegularExpressionValidator")])
        label = label.lower()  # NzbDrone.Core/Tags/TagService.cs Add/Update: ToLowerInvariant
        with self.lock:
            if oid is None:
                for tag in self.table("tag"):
                    if tag["label"] == label:
                        return 201, dict(tag)  # TagService.Add returns the existing tag
                tag = {"id": self.new_id("tag"), "label": label}
                self.table("tag").append(tag)
                self.save()
                return 201, dict(tag)
            tag = self.find("tag", oid)
            tag["label"] = label
            self.save()
            return 202, dict(tag)

    def tag_detail(self, tag):
        """TagDetailsResource: which objects use the tag (the kinds the stand-in has; others empty)."""
        users = {"downloadClientIds": "downloadclient", "indexerIds": "indexer", "notificationIds": "notification",
                 "indexerProxyIds": "indexerproxy", "applicationIds": "applications"}
        out = {}
        for key in self.validator.properties("TagDetailsResource"):
            if key in ("id", "label"):
                out[key] = tag[key]
            else:
                out[key] = sorted(i["id"] for i in self.state.get(users.get(key, ""), []) if tag["id"] in (i.get("tags") or []))
        return out

    def tag_in_use(self, oid):
        for kind in list(PROVIDERS) + ["rootfolder"]:
            for item in self.state.get(kind, []):
                if oid in (item.get("tags") or item.get("defaultTags") or []):
                    return True
        return False

    # ---- providers

    def template(self, kind, implementation):
        for tpl in self.templates[kind]:
            if tpl["implementation"] == implementation:
                return tpl
        return None

    def schema_list(self, kind):
        out = []
        props = self.validator.properties(PROVIDERS[kind])
        for tpl in self.templates[kind]:
            item = {k: copy.deepcopy(v) for k, v in tpl.items() if k in props}
            item.setdefault("presets", [])
            out.append(item)
        return out

    @staticmethod
    def field_kind(field):
        value = field.get("value")
        ftype = field.get("type")
        if ftype == "checkbox" or isinstance(value, bool):
            return "bool"
        if isinstance(value, list) or ftype in ("tag", "select") and field.get("selectOptionsProviderAction") == "list":
            return "list"
        if field.get("isFloat"):
            return "float"
        if ftype in ("number",) or isinstance(value, int) or (ftype == "select" and not isinstance(value, str)):
            return "float" if field.get("isFloat") else "int"
        return "str"

    def coerce(self, field, value):
        kind = self.field_kind(field)
        name = field["name"]
        try:
            if kind == "bool":
                if isinstance(value, str):
                    return value.lower() == "true"
                return bool(value)
            if kind in ("int", "float"):
                if value is None or value == "":
                    # null -> 0, except for nullable settings (int?, double?: no default in the template)
                    return None if field.get("value") is None else 0
                return int(value) if kind == "int" else float(value)
            if kind == "list":
                if value is None:
                    return []
                if isinstance(value, str):
                    return [int(v) for v in value.split(",") if v.strip()]
                return [int(v) for v in value]
        except (TypeError, ValueError):
            raise validation_error([failure(name[:1].upper() + name[1:], "'%s' is not a valid value for %s" % (value, name),
                                            value=value, code="SchemaValidator")])
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def render(self, kind, rec):
        tpl = self.template(kind, rec["implementation"])
        props = self.validator.properties(PROVIDERS[kind])
        out = {}
        for key, value in tpl.items():
            if key in ("fields", "presets", "message") or key not in props:
                continue
            out[key] = copy.deepcopy(value)
        for key, value in rec.items():
            if key != "settings" and not key.startswith("_"):
                out[key] = copy.deepcopy(value)
        fields = []
        for field in tpl["fields"]:
            item = copy.deepcopy(field)
            value = rec["settings"].get(field["name"])
            if value is None:
                item.pop("value", None)
            elif field.get("privacy") in ("password", "apiKey") and value != "":
                item["value"] = MASK  # commit 570be882: secrets never leave the API
            else:
                item["value"] = copy.deepcopy(value)
            fields.append(item)
        out["fields"] = fields
        if out.get("name") is None:
            out.pop("name", None)
        return out

    def read_provider(self, kind, body, existing, post_validators=True):
        """ProviderResource.ToModel + SchemaBuilder.ReadFromSchema: a fresh settings object."""
        schema_name = PROVIDERS[kind]
        self.validator.check(body, schema_name)
        failures = []
        name = body.get("name")
        implementation = body.get("implementation")
        if not implementation:
            raise validation_error([failure("Implementation", "'Implementation' must not be empty.", value=implementation or "",
                                            code="NotEmptyValidator")])
        tpl = self.template(kind, implementation)
        if tpl is None:
            valid = ", ".join(t["implementation"] for t in self.templates[kind])
            raise validation_error([failure("Implementation", "Unknown implementation '%s'. Valid: %s" % (implementation, valid),
                                            value=implementation, code="PredicateValidator")])
        rec = {}
        props = self.validator.properties(schema_name)
        for key, value in tpl.items():
            if key in ("fields", "presets", "message", "id", "implementationName", "infoLink", "name", "implementation",
                       "configContract", "tags") or key not in props:
                continue
            if key in READONLY or key.startswith("supports"):
                rec[key] = copy.deepcopy(value)  # decided by the implementation, not by the client
            elif key in body and body[key] is not None:
                rec[key] = body[key]
            else:
                rec[key] = self.validator.default(props[key])
        rec["name"] = name
        rec["implementation"] = implementation
        rec["configContract"] = body.get("configContract")
        rec["tags"] = sorted(set(body.get("tags") or []))
        if existing is not None:
            rec["id"] = existing["id"]
        incoming = {}
        for field in body.get("fields") or []:
            if isinstance(field, dict) and field.get("name"):
                incoming[field["name"]] = field.get("value")
        settings = {}
        for field in tpl["fields"]:
            fname = field["name"]
            if fname in incoming:
                value = incoming[fname]
                if value == MASK and existing is not None and existing["implementation"] == implementation:
                    settings[fname] = existing["settings"].get(fname)
                    continue
                settings[fname] = self.coerce(field, value)
            else:
                settings[fname] = copy.deepcopy(field.get("value"))  # constructor default
        rec["settings"] = settings
        if not name or not str(name).strip():
            failures.append(failure("Name", "'Name' must not be empty.", value=name or "", code="NotEmptyValidator"))
        elif post_validators:
            for other in self.table(kind):
                if other["name"].lower() == str(name).lower() and (existing is None or other["id"] != existing["id"]):
                    failures.append(failure("Name", "Should be unique", value=name, code="PredicateValidator",
                                            placeholders={"PropertyName": "Name", "PropertyValue": name}))
        if not rec["configContract"]:
            failures.append(failure("ConfigContract", "'Config Contract' must not be empty.", value="", code="NotEmptyValidator"))
        if body.get("fields") is None and existing is None and post_validators:
            failures.append(failure("Fields", "'Fields' must not be empty.", code="NotNullValidator"))
        if kind == "indexer" and self.app == "prowlarr":
            # Prowlarr.Api.V1/Indexers/IndexerController.cs: AppProfileId ValidId (> 0), then AppProfileExistsValidator
            profile_id = rec.get("appProfileId") or 0
            if profile_id <= 0:
                failures.append(failure("AppProfileId", "'App Profile Id' must be greater than '0'.", value=profile_id,
                                        code="GreaterThanValidator"))
            elif profile_id not in [p["id"] for p in self.table("appprofile")]:
                failures.append(failure("AppProfileId", "App Profile does not exist", value=profile_id,
                                        code="AppProfileExistsValidator"))
        unknown = [t for t in rec["tags"] if t not in self.tag_ids()]
        if unknown:
            failures.append(failure("Tags", "Tag(s) %s do not exist" % unknown, code="PredicateValidator"))
        failures.extend(self.settings_validators(kind, rec))
        if failures:
            raise validation_error(failures)
        return rec

    def settings_validators(self, kind, rec):
        s = rec["settings"]
        out = []
        if kind in ("downloadclient", "indexer") and "priority" in rec and not 1 <= int(rec["priority"] or 0) <= 50:
            out.append(failure("Priority", "'Priority' must be between 1 and 50. You entered %s." % rec["priority"],
                               value=rec["priority"], code="InclusiveBetweenValidator"))
        if "host" in s and kind == "downloadclient":
            host = s.get("host") or ""
            if not re.match(r"^[A-Za-z0-9._:\[\]-]+$", host):
                out.append(failure("Host", "Invalid Host", value=host, code="PredicateValidator"))
        if "port" in s and kind == "downloadclient" and not 1 <= int(s.get("port") or 0) <= 65535:
            out.append(failure("Port", "'Port' must be between 1 and 65535. You entered %s." % s.get("port"),
                               value=s.get("port"), code="InclusiveBetweenValidator"))
        for key in ("tvCategory", "movieCategory", "musicCategory", "category"):
            if kind == "downloadclient" and s.get(key) and not re.match(r"^([^\\\/](\/?[^\\\/])*)?$", s[key]):
                out.append(failure(key[:1].upper() + key[1:], "Allowed characters a-zA-Z0-9 and -", value=s[key],
                                   code="RegularExpressionValidator"))
        if kind == "applications":
            for key in ("baseUrl", "prowlarrUrl"):
                value = s.get(key) or ""
                if not re.match(r"^https?://[^/\s]+", value):
                    out.append(failure(key[:1].upper() + key[1:], "Invalid Url", value=value, code="PredicateValidator"))
            if not s.get("apiKey"):
                out.append(failure("ApiKey", "'Api Key' must not be empty.", value="", code="NotEmptyValidator"))
        if kind == "indexerproxy" and rec["implementation"] == "FlareSolverr":
            if not s.get("host"):
                out.append(failure("Host", "'Host' must not be empty.", value="", code="NotEmptyValidator"))
            timeout = s.get("requestTimeout")
            if timeout is not None and not 1 <= int(timeout) <= 180:
                out.append(failure("RequestTimeout", "'Request Timeout' must be between 1 and 180. You entered %s." % timeout,
                                   value=timeout, code="InclusiveBetweenValidator"))
        if kind == "indexer" and rec["implementation"] in ("Newznab", "Torznab"):
            if not re.match(r"^https?://[^/\s]+", s.get("baseUrl") or ""):
                out.append(failure("BaseUrl", "Invalid Url", value=s.get("baseUrl") or "", code="PredicateValidator"))
        return out

    def enabled(self, kind, rec):
        if kind == "applications":
            return rec.get("syncLevel") != "disabled"
        if kind == "notification":
            return any(v for k, v in rec.items() if k.startswith("on") and isinstance(v, bool))
        if kind == "indexer" and self.app != "prowlarr":
            return rec.get("enableRss") or rec.get("enableAutomaticSearch") or rec.get("enableInteractiveSearch")
        return bool(rec.get("enable", True))

    def run_test(self, kind, rec, include_warnings):
        failures = ProviderTests(self).test(kind, rec)
        errors = [f for f in failures if not f.get("isWarning")]
        if include_warnings and failures:
            raise validation_error(failures)
        if errors:
            raise validation_error(errors)

    def provider_create(self, kind, body, force_save):
        rec = self.read_provider(kind, body, None)
        if self.enabled(kind, rec):
            self.run_test(kind, rec, not force_save)
        with self.lock:
            for other in self.table(kind):
                if other["name"].lower() == rec["name"].lower():
                    raise validation_error([failure("Name", "Should be unique", value=rec["name"], code="PredicateValidator",
                                                    placeholders={"PropertyName": "Name", "PropertyValue": rec["name"]})])
            rec["id"] = self.new_id(kind)
            self.table(kind).append(rec)
            self.save()
            out = self.render(kind, rec)
        self.after_change(kind, "added", rec)
        return 201, out

    def provider_update(self, kind, oid, body, force_save):
        existing = self.find(kind, oid)
        rec = self.read_provider(kind, body, existing)
        changed = json.dumps(rec, sort_keys=True) != json.dumps(existing, sort_keys=True)
        if self.app == "prowlarr":
            # Prowlarr.Api.V1 ProviderControllerBase: no change detection, every enabled PUT is tested
            if self.enabled(kind, rec) and not force_save:
                self.run_test(kind, rec, True)
            changed = True
        elif changed and self.enabled(kind, rec) and not force_save:
            self.run_test(kind, rec, True)
        with self.lock:
            if changed:
                table = self.table(kind)
                table[table.index(self.find(kind, oid))] = rec
                self.save()
            out = self.render(kind, rec)
        if changed:
            self.after_change(kind, "updated", rec)
        return 202, out

    def provider_delete(self, kind, oid):
        with self.lock:
            rec = self.find(kind, oid)
            self.table(kind).remove(rec)
            if kind == "applications":
                self.state["appindexermap"].pop(str(oid), None)
            self.save()
        self.after_change(kind, "deleted", rec)
        return 200, {}

    def provider_test(self, kind, body, force_test):
        existing = None
        if isinstance(body, dict) and body.get("id"):
            existing = next((i for i in self.table(kind) if i["id"] == body["id"]), None)
        self.validator.check(body, PROVIDERS[kind])
        tpl = self.template(kind, body.get("implementation"))
        if tpl is None:
            valid = ", ".join(t["implementation"] for t in self.templates[kind])
            raise validation_error([failure("Implementation", "Unknown implementation '%s'. Valid: %s"
                                            % (body.get("implementation"), valid), value=body.get("implementation"))])
        # /test skips the POST-only validators (name, fields)
        body = dict(body)
        body["name"] = body.get("name") or "test"
        body.setdefault("configContract", tpl.get("configContract"))
        rec = self.read_provider(kind, body, existing, post_validators=False)
        self.run_test(kind, rec, not force_test)
        return 200, {}

    # ---- events (Prowlarr)

    def after_change(self, kind, event, rec):
        """ApplicationService's event handlers (asynchronous, as HandleAsync is)."""
        if self.app != "prowlarr":
            return
        if kind == "applications" and event == "added" and rec.get("syncLevel") != "disabled":
            self.background(lambda: self.sync_app(rec["id"]))
        elif kind == "indexer":
            self.background(lambda: self.sync_all(event=event, indexer=rec))

    def background(self, func):
        def run():
            try:
                func()
            except Exception as err:  # pylint: disable=broad-except
                log("background sync failed: %s" % err)
        threading.Thread(target=run, daemon=True).start()

    # ---- Prowlarr ApplicationIndexerSync

    def flaresolverr_for(self, rec):
        """IndexerHttpClient.GetProxies: the first FlareSolverr sharing a tag with the indexer; a new,
        unsaved indexer (id 0, during its first test) falls back to any FlareSolverr."""
        proxies = [p for p in self.table("indexerproxy") if p["implementation"] == "FlareSolverr"]
        for proxy in proxies:
            if set(proxy.get("tags") or []) & set(rec.get("tags") or []):
                return proxy
        if not rec.get("id") and proxies:
            return proxies[0]
        return None

    def sync_all(self, event=None, indexer=None, force=False):
        messages = []
        for app in list(self.table("applications")):
            if app.get("syncLevel") == "disabled":
                continue
            if event in ("updated", "deleted") and app.get("syncLevel") != "fullSync":
                continue
            try:
                self.sync_app(app["id"], event=event, indexer=indexer, force=force)
            except (OSError, ValueError, ApiError) as err:
                messages.append("%s: %s" % (app["name"], err))
                log("sync to %s failed: %s" % (app["name"], err))
        return messages

    def wanted_indexers(self, app):
        out = []
        for idx in self.table("indexer"):
            if not idx.get("enable"):
                continue
            if app.get("tags") and not set(app["tags"]) & set(idx.get("tags") or []):
                continue
            out.append(idx)
        return out

    def remote_indexer(self, app, idx, template):
        s = app["settings"]
        prowlarr_url = (s.get("prowlarrUrl") or "").rstrip("/")
        profile = next((p for p in self.table("appprofile") if p["id"] == idx.get("appProfileId")), self.table("appprofile")[0])
        torrent = idx.get("protocol") == "torrent"
        caps = idx.get("_caps") or ALL_CATEGORIES
        cats = [c for c in s.get("syncCategories") or [] if c in caps]
        anime = [c for c in s.get("animeSyncCategories") or [] if c in caps]
        values = {"baseUrl": "%s/%s/" % (prowlarr_url, idx["id"]), "apiPath": "/api", "apiKey": self.api_key,
                  "categories": cats, "animeCategories": anime, "minimumSeeders": profile.get("minimumSeeders", 1)}
        fields = []
        for field in template["fields"]:
            if field["name"] in values:
                fields.append({"name": field["name"], "value": values[field["name"]]})
            elif "value" in field:
                fields.append({"name": field["name"], "value": field["value"]})
        return {
            "name": "%s (Prowlarr)" % idx["name"],
            "implementation": template["implementation"], "configContract": template["configContract"],
            "enableRss": profile["enableRss"], "enableAutomaticSearch": profile["enableAutomaticSearch"],
            "enableInteractiveSearch": profile["enableInteractiveSearch"], "priority": idx.get("priority", 25),
            "protocol": "torrent" if torrent else "usenet", "fields": fields, "tags": [],
        }

    def sync_app(self, app_id, event=None, indexer=None, force=False):
        """Push Prowlarr's indexers to one application's app, as ApplicationService.SyncIndexers does.

        event None: the full sync (command, application added): GET the app's indexers, recognise
        Prowlarr's own by their baseUrl, add the missing ones, update (fullSync or forceSync) the
        ones that differ, remove (fullSync) the ones Prowlarr no longer has.
        event added/updated/deleted with ``indexer``: only that indexer, no listing."""
        with self.sync_lock:
            app = next((a for a in self.table("applications") if a["id"] == app_id), None)
            if app is None:
                return
            s = app["settings"]
            api = APP_API.get(app["implementation"])
            if api is None:
                raise ValueError("sync to %s is not implemented by the stand-in" % app["implementation"])
            root = (s.get("baseUrl") or "").rstrip("/") + "/api/" + api
            headers = {"X-Api-Key": s.get("apiKey") or "", "Content-Type": "application/json"}
            prefix = (s.get("prowlarrUrl") or "").rstrip("/") + "/"
            full = app.get("syncLevel") == "fullSync"
            stored = dict(self.state["appindexermap"].get(str(app_id), {}))

            def request(method, path, body=None, ok=(200, 201, 202)):
                status, _h, text = http_call(method, root + path, headers, json.dumps(body).encode() if body is not None else None)
                if status not in ok:
                    raise ValueError("%s %s/%s answered %s: %s" % (method, root, path.lstrip("/"), status, text[:300]))
                return status, json.loads(text) if text.strip() else None

            def remember(mapping):
                with self.lock:
                    self.state["appindexermap"][str(app_id)] = mapping
                    self.save()

            if event == "deleted":
                rid = stored.pop(str(indexer["id"]), None)
                if rid is not None and full:
                    request("DELETE", "/indexer/%s" % rid, ok=(200, 404))
                remember(stored)
                return
            if root not in self.schema_cache:  # Prowlarr caches the app's indexer schema (7 days)
                self.schema_cache[root] = {t["implementation"]: t for t in request("GET", "/indexer/schema")[1]}
            schema = self.schema_cache[root]
            wanted = {i["id"]: i for i in self.wanted_indexers(app)}
            if event is None:
                mapping = {}
                for item in request("GET", "/indexer")[1]:
                    url = next((f.get("value") for f in item.get("fields", []) if f["name"] == "baseUrl"), "") or ""
                    match = re.match(re.escape(prefix) + r"(\d+)/?$", url)
                    if match:  # only indexers that point at this Prowlarr count as its own
                        mapping[int(match.group(1))] = item["id"]
                todo = wanted
            else:
                mapping = {int(k): v for k, v in stored.items()}
                todo = {k: v for k, v in wanted.items() if k == indexer["id"]}
            new_map = {str(k): v for k, v in mapping.items()}
            for pid, idx in todo.items():
                tpl = schema.get("Torznab" if idx.get("protocol") == "torrent" else "Newznab")
                if tpl is None:
                    continue
                body = self.remote_indexer(app, idx, tpl)
                if not [f for f in body["fields"] if f["name"] == "categories" and f["value"]]:
                    continue  # no category in common with the application: not synced
                rid = mapping.get(pid)
                current = None
                if rid is not None:
                    status, current = request("GET", "/indexer/%s" % rid, ok=(200, 404))
                    if status == 404:
                        current = None
                if current is None:
                    new_map[str(pid)] = request("POST", "/indexer?forceSave=true", body)[1]["id"]
                elif (full or force) and self.differs(current, body):
                    request("PUT", "/indexer/%s?forceSave=true" % rid, self.merge_remote(current, dict(body, id=rid)))
            if event is None and full:
                for pid, rid in mapping.items():
                    if pid not in wanted:
                        request("DELETE", "/indexer/%s" % rid, ok=(200, 404))
                        new_map.pop(str(pid), None)
            remember(new_map)
            log("synced %d indexer(s) to %s (%s)" % (len(todo), app["name"], event or "full sync"))

    @staticmethod
    def differs(current, body):
        cur = {f["name"]: f.get("value") for f in current.get("fields", [])}
        for field in body["fields"]:
            if field["name"] == "apiKey":
                continue  # masked by the app; Prowlarr compares the stored definition, the stand-in cannot
            if cur.get(field["name"]) != field["value"]:
                return True
        for key in ("name", "enableRss", "enableAutomaticSearch", "enableInteractiveSearch", "priority"):
            if current.get(key) != body.get(key):
                return True
        return False

    @staticmethod
    def merge_remote(current, body):
        out = dict(current)
        out.update({k: v for k, v in body.items() if k != "fields"})
        values = {f["name"]: f["value"] for f in body["fields"]}
        out["fields"] = [{"name": f["name"], "value": values.get(f["name"], f.get("value"))} for f in current.get("fields", [])]
        return out

    # ---- commands

    def command(self, body):
        # CommandController reads the body into the named command's own class (extra keys such as forceSync),
        # not into CommandResource, so only the shape is checked here.
        if not isinstance(body, dict):
            raise validation_error([failure("$", "The JSON value could not be converted to a command.", code="SchemaValidator")])
        name = body.get("name")
        if not name:
            raise validation_error([failure("Name", "'Name' must not be empty.", value="", code="NotEmptyValidator")])
        known = dict(COMMANDS["all"], **COMMANDS[self.app])
        if name not in known:
            raise ApiError(400, {"message": "Unknown command type %s" % name, "content": None})
        with self.lock:
            cmd = {"id": self.new_id("command"), "name": name, "commandName": known[name],
                   "body": dict({k: v for k, v in body.items() if k != "name"}, name=name, sendUpdatesToClient=False,
                                updateScheduledTask=True, completionMessage="Completed", requiresDiskAccess=False,
                                isExclusive=False, trigger="manual", suppressMessages=False),
                   "priority": "normal", "status": "queued", "queued": now_iso(), "trigger": "manual",
                   "stateChangeTime": now_iso(), "sendUpdatesToClient": False, "updateScheduledTask": True}
            self.state["commands"] = (self.state["commands"] + [cmd])[-50:]
            self.save()
        threading.Thread(target=self.run_command, args=(cmd["id"],), daemon=True).start()
        return 201, dict(cmd)

    def run_command(self, cid):
        time.sleep(0.2)
        with self.lock:
            cmd = next(c for c in self.state["commands"] if c["id"] == cid)
            cmd["status"] = "started"
            cmd["started"] = cmd["stateChangeTime"] = now_iso()
            self.save()
        if cmd["name"] == "ApplicationIndexerSync":
            # Prowlarr NzbDrone.Core/Applications/ApplicationService.cs SyncIndexers: a failure to push to one
            # app is caught, logged and recorded as that application's status; the command still completes
            for message in self.sync_all(force=bool(cmd["body"].get("forceSync"))):
                log("application sync failed: %s" % message)
        time.sleep(0.2)
        with self.lock:
            cmd["ended"] = cmd["stateChangeTime"] = now_iso()
            cmd["status"] = "completed"
            cmd["result"] = "successful"
            cmd["message"] = "Completed"
            cmd["duration"] = "00:00:00.4000000"
            self.save()

    # ---- config

    def config_get(self, section):
        with self.lock:
            out = dict(self.state["config"][section])
            user = self.state.get("user")
        out["id"] = 1
        if section == "host":
            out["apiKey"] = self.api_key  # the key given at start wins, like *__AUTH__APIKEY
            # Sonarr.Api.V3/Config/HostConfigController.cs GetHostConfig: the user's name and password
            # HASH, and an empty confirmation
            out["username"] = (user or {}).get("username") or ""
            out["password"] = (user or {}).get("password") or ""
            out["passwordConfirmation"] = ""
        return out

    @staticmethod
    def hash_password(password, salt):
        """NzbDrone.Core/Authentication/UserService.cs SetUserHashedPassword: PBKDF2 with a per-user salt."""
        return base64.b64encode(hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 10000, 32)).decode()

    def host_validators(self, body):
        """Sonarr.Api.V3/Config/HostConfigController.cs constructor rules and IsMatchingPassword."""
        out = []
        method = (body.get("authenticationMethod") or "").lower()
        if method == "forms":
            for key, label in (("username", "Username"), ("password", "Password")):
                if not (body.get(key) or "").strip():
                    out.append(failure(label, "'%s' must not be empty." % label, value=body.get(key) or "",
                                       code="NotEmptyValidator"))
        if method == "basic":
            out.append(failure("AuthenticationMethod", "'Basic' is no longer supported, switch to 'Forms' instead.",
                               value="basic", code="NotEqualValidator"))
        user = self.state.get("user")
        matching = (user is not None and user.get("password") == body.get("password")) or \
            body.get("password") == body.get("passwordConfirmation")
        if not matching:
            out.append(failure("PasswordConfirmation", "Must match Password", value=body.get("passwordConfirmation"),
                               code="PredicateValidator"))
        return out

    def upsert_user(self, username, password):
        """UserService.Upsert: a password equal to the stored hash is kept, anything else is hashed."""
        user = self.state.get("user")
        if user is None:
            user = {"salt": base64.b64encode(os.urandom(16)).decode()}
        if user.get("password") != password:
            user["password"] = self.hash_password(password, base64.b64decode(user["salt"]))
        user["username"] = username.lower()
        self.state["user"] = user

    def config_put(self, section, body):
        schema_name = CONFIG_SCHEMA[section]
        self.validator.check(body, schema_name)
        props = self.validator.properties(schema_name)
        if section == "host":
            failures = self.host_validators(body)
            if failures:
                raise validation_error(failures)
        with self.lock:
            current = self.state["config"][section]
            if section == "host" and (body.get("username") or "").strip() and (body.get("password") or "").strip():
                self.upsert_user(body["username"], body["password"])
            for key, schema in props.items():
                if key == "id" or (section == "host" and key in ("username", "password", "passwordConfirmation")):
                    continue  # the user lives in the Users table, not in config
                # ConfigController.SaveConfig: every public property of the resource; only nulls are skipped.
                value = body.get(key, self.validator.default(schema))
                if value is None:
                    continue
                current[key] = value
            self.save()
        out = self.config_get(section)
        out["id"] = body.get("id", 1) if isinstance(body.get("id"), int) else 1
        return 202, out

    # ---- root folders, remote path mappings

    def rootfolder_render(self, rec):
        out = dict(rec)
        path = rec["path"]
        accessible = os.path.isdir(path)
        out["accessible"] = accessible
        if accessible:
            st = os.statvfs(path)
            out["freeSpace"] = st.f_bavail * st.f_frsize
            if self.app == "lidarr":
                out["totalSpace"] = st.f_blocks * st.f_frsize
        if self.app != "lidarr":
            out["unmappedFolders"] = []
        return out

    def rootfolder_write(self, body, oid=None):
        self.validator.check(body, "RootFolderResource")
        path = body.get("path") or ""
        failures = []
        if not path:
            failures.append(failure("Path", "'Path' must not be empty.", value="", code="NotEmptyValidator"))
        elif not path.startswith("/"):
            failures.append(failure("Path", "Invalid Path: '%s'" % path, value=path, code="PathValidator"))
        else:
            norm = path.rstrip("/") or "/"
            for other in self.table("rootfolder"):
                if other["path"].rstrip("/") == norm and other["id"] != oid:
                    failures.append(failure("Path", "Path '%s' is already configured as a root folder" % path, value=path,
                                            code="RootFolderValidator"))
            if not os.path.isdir(path):
                failures.append(failure("Path", "Path '%s' does not exist" % path, value=path, code="PathExistsValidator"))
            elif not os.access(path, os.W_OK):
                failures.append(failure("Path", "Folder '%s' is not writable by user '%s'" % (path, os.environ.get("USER", "root")),
                                        value=path, code="FolderWritableValidator"))
        if self.app == "lidarr":
            if not body.get("name"):
                failures.append(failure("Name", "'Name' must not be empty.", value="", code="NotEmptyValidator"))
            if body.get("defaultQualityProfileId") not in [p["id"] for p in load_ref("fixtures", "pyarr", "sonarr", "quality_profile_all.json")]:
                failures.append(failure("DefaultQualityProfileId", "Quality Profile does not exist",
                                        value=body.get("defaultQualityProfileId", 0), code="QualityProfileExistsValidator"))
            if body.get("defaultMetadataProfileId") not in [p["id"] for p in load_ref("fixtures", "pyarr", "lidarr", "metadataprofile_all.json")]:
                failures.append(failure("DefaultMetadataProfileId", "Metadata Profile does not exist",
                                        value=body.get("defaultMetadataProfileId", 0), code="MetadataProfileExistsValidator"))
        if failures:
            raise validation_error(failures)
        rec = {"path": path}
        if self.app == "lidarr":
            rec["path"] = path if path.endswith("/") else path + "/"  # Lidarr stores root folders as directories
            for key in ("name", "defaultMetadataProfileId", "defaultQualityProfileId", "defaultMonitorOption",
                        "defaultNewItemMonitorOption", "defaultTags"):
                schema = self.validator.properties("RootFolderResource")[key]
                rec[key] = body.get(key, self.validator.default(schema))
        with self.lock:
            if oid is None:
                rec["id"] = self.new_id("rootfolder")
                self.table("rootfolder").append(rec)
                status = 201
            else:
                existing = self.find("rootfolder", oid)
                rec["id"] = oid
                existing.clear()
                existing.update(rec)
                status = 202
            self.save()
        return status, self.rootfolder_render(rec)

    def rpm_write(self, body, oid=None):
        self.validator.check(body, "RemotePathMappingResource")
        host = body.get("host") or ""
        remote = body.get("remotePath") or ""
        local = body.get("localPath") or ""
        failures = []
        if not host:
            failures.append(failure("Host", "'Host' must not be empty.", value="", code="NotEmptyValidator"))
        if not remote:
            failures.append(failure("RemotePath", "'Remote Path' must not be empty.", value="", code="NotEmptyValidator"))
        elif remote != remote.strip():
            failures.append(failure("RemotePath", "Remote Path '%s' must not start or end with a space" % remote, value=remote,
                                    code="PredicateValidator"))
        if not local.startswith("/"):
            failures.append(failure("LocalPath", "Invalid Path: '%s'" % local, value=local, code="PathValidator"))
        elif local.rstrip("/") == "":
            failures.append(failure("LocalPath", "Cannot be set to '/'", value=local, code="NotEqualValidator"))
        elif not os.path.isdir(local):
            failures.append(failure("LocalPath", "Path '%s' does not exist" % local, value=local, code="PathExistsValidator"))
        if failures:
            raise validation_error(failures)
        # RemotePathMappingService: paths are stored with a trailing separator
        remote = remote if remote.endswith(("/", "\\")) else remote + "/"
        local = local if local.endswith("/") else local + "/"
        for other in self.table("remotepathmapping"):
            if other["host"].lower() == host.lower() and other["remotePath"] == remote and other["id"] != oid:
                raise ApiError(500, {"message": "RemotePath already configured.", "description": "System.InvalidOperationException"})
        rec = {"host": host, "remotePath": remote, "localPath": local}
        with self.lock:
            if oid is None:
                rec["id"] = self.new_id("remotepathmapping")
                self.table("remotepathmapping").append(rec)
                status = 201
            else:
                existing = self.find("remotepathmapping", oid)
                rec["id"] = oid
                existing.clear()
                existing.update(rec)
                status = 202
            self.save()
        return status, dict(rec)

    def appprofile_write(self, body, oid=None):
        self.validator.check(body, "AppProfileResource")
        if not body.get("name"):
            raise validation_error([failure("Name", "'Name' must not be empty.", value="", code="NotEmptyValidator")])
        props = self.validator.properties("AppProfileResource")
        rec = {k: body.get(k, self.validator.default(v)) for k, v in props.items() if k != "id"}
        with self.lock:
            if oid is None:
                rec["id"] = self.new_id("appprofile")
                self.table("appprofile").append(rec)
                status = 201
            else:
                existing = self.find("appprofile", oid)
                rec["id"] = oid
                existing.clear()
                existing.update(rec)
                status = 202
            self.save()
        return status, dict(rec)

    def status(self):
        return {
            "appName": self.meta["appName"], "instanceName": self.meta["appName"], "version": self.meta["version"],
            "buildTime": "2025-01-01T00:00:00Z", "isDebug": False, "isProduction": True, "isAdmin": False,
            "isUserInteractive": False, "startupPath": "/opt/arr-standin", "appData": os.path.dirname(self.state_file),
            "osName": "debian", "osVersion": "12", "isNetCore": True, "isLinux": True, "isOsx": False, "isWindows": False,
            "isDocker": False, "mode": "console", "branch": "main", "authentication": "none", "databaseType": "sqLite",
            "databaseVersion": "3.40.1", "sqliteVersion": "3.40.1", "migrationVersion": 1, "packageVersion": "", "urlBase": "", "runtimeVersion": "8.0.0",
            "runtimeName": ".NET", "startTime": self.started, "packageUpdateMechanism": "builtIn",
            "packageAuthor": "homelab.mediastack stand-in",
        }


# --------------------------------------------------------------------------- connection tests

class ProviderTests:
    """The tests the apps run against the programs they are configured to reach."""

    def __init__(self, arr):
        self.arr = arr

    def test(self, kind, rec):
        impl = rec["implementation"]
        func = getattr(self, "%s_%s" % (kind, impl.lower()), None)
        if func is None:
            return []
        failures = func(rec)
        effect = self.side_effect(kind, impl, rec)
        if effect and not [f for f in failures if not f.get("isWarning")]:
            with self.arr.lock:
                self.arr.side_effects.append({"kind": kind, "implementation": impl, "name": rec.get("name"),
                                              "effect": effect})
        return failures

    @staticmethod
    def side_effect(kind, impl, rec):
        """What a provider's Test() does to the outside world besides checking the connection."""
        s = rec["settings"]
        if kind == "notification":
            if impl == "MediaBrowser" and s.get("notify"):
                return "message"  # Sonarr Notifications/Emby/MediaBrowserService.cs Test: Notify(...) when Notify is on
            if impl in ("Telegram", "Discord", "Webhook", "Email", "Pushover"):
                return "message"  # TelegramService.Test / Discord.Test / WebhookService.Test: a test message is sent
        if kind == "indexer" and impl in ("Newznab", "Torznab"):
            return "indexer query"  # Indexers/HttpIndexerBase.cs TestConnection: fetches a feed (API quota)
        return None

    # qBittorrent WebUI API v2 (QBittorrentProxyV2)
    def downloadclient_qbittorrent(self, rec):
        s = rec["settings"]
        root = base_url(s, 8080)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        headers = {"Referer": root}
        if s.get("apiKey"):
            headers["Authorization"] = "Bearer " + s["apiKey"]
        try:
            if s.get("username") and s.get("password"):
                form = urllib.parse.urlencode({"username": s["username"], "password": s["password"]}).encode()
                status, _h, text = http_call("POST", root + "/api/v2/auth/login",
                                             dict(headers, **{"Content-Type": "application/x-www-form-urlencoded"}),
                                             form, opener=opener)
                if status in (401, 403) or text.strip() == "Fails.":
                    return [failure("Username", "Authentication failure", placeholders={},
                                    detailed="Please verify your username and password.")]
                if status != 200:
                    return [failure("Host", "Unable to connect to qBittorrent", placeholders={},
                                    detailed="Login answered HTTP %s" % status)]
            status, _h, text = http_call("GET", root + "/api/v2/app/webapiVersion", headers, opener=opener)
            if status == 403:
                return [failure("Username", "Authentication failure", placeholders={},
                                detailed="Please verify your username and password.")]
            if status != 200:
                return [failure("Host", "Unable to connect to qBittorrent", placeholders={}, detailed="HTTP %s" % status)]
            version = tuple(int(p) for p in re.findall(r"\d+", text)[:2] or [0])
            if version < (1, 5):
                return [failure("", "Old qBittorrent version, minimum API version 1.5", placeholders={})]
            status, _h, text = http_call("GET", root + "/api/v2/app/preferences", headers, opener=opener)
            prefs = json.loads(text) if status == 200 else {}
            if (prefs.get("max_ratio_enabled") or (prefs.get("max_seeding_time_enabled"))) and prefs.get("max_ratio_act") in (0, 3):
                return [failure("", "qBittorrent is configured to remove torrents when they reach their Share Ratio Limit",
                                placeholders={}, detailed="The app will be unable to perform Completed Download Handling as configured.")]
            cat_key = next((k for k in ("tvCategory", "movieCategory", "musicCategory", "category") if k in s), None)
            category = s.get(cat_key) if cat_key else None
            if not category:
                return [failure(cat_key[:1].upper() + cat_key[1:] if cat_key else "Category",
                                "Category is recommended", warning=True, placeholders={},
                                detailed="Adding a category specific to the app avoids conflicts with unrelated downloads.")]
            status, _h, text = http_call("GET", root + "/api/v2/torrents/categories", headers, opener=opener)
            cats = json.loads(text) if status == 200 and text.strip() else {}
            if category not in cats:
                form = urllib.parse.urlencode({"category": category}).encode()
                status, _h, text = http_call("POST", root + "/api/v2/torrents/createCategory",
                                             dict(headers, **{"Content-Type": "application/x-www-form-urlencoded"}),
                                             form, opener=opener)
                if status != 200:
                    return [failure(cat_key[:1].upper() + cat_key[1:], "Configuration of label failed", placeholders={},
                                    detailed="The app was unable to add the label to qBittorrent: HTTP %s %s" % (status, text[:200]))]
        except (OSError, ValueError) as err:
            return [unreachable("Host", "qBittorrent", err)]
        return []

    # NZBGet JSON-RPC (NzbgetProxy)
    def downloadclient_nzbget(self, rec):
        s = rec["settings"]
        url = base_url(s, 6789) + "/jsonrpc"
        cred = base64.b64encode(("%s:%s" % (s.get("username") or "", s.get("password") or "")).encode()).decode()
        headers = {"Authorization": "Basic " + cred, "Content-Type": "application/json"}

        def rpc(method):
            status, _h, text = http_call("POST", url, headers, json.dumps({"method": method, "params": [], "id": 1}).encode())
            if status == 401:
                raise PermissionError()
            if status != 200:
                raise ValueError("NZBGet answered HTTP %s" % status)
            return json.loads(text).get("result")

        try:
            version = rpc("version")
            if int(re.findall(r"\d+", str(version))[0]) < 12:
                return [failure("", "Nzbget version too low, need 12.0 or higher", placeholders={})]
            config = {c["Name"]: c["Value"] for c in rpc("config") or []}
        except PermissionError:
            return [failure("Username", "Authentication failed", placeholders={},
                            detailed="Please verify your username and password.")]
        except (OSError, ValueError) as err:
            return [unreachable("Host", "NZBGet", err)]
        cat_key = next((k for k in ("tvCategory", "movieCategory", "musicCategory", "category") if k in s), None)
        category = s.get(cat_key) if cat_key else None
        names = [v for k, v in config.items() if re.match(r"^Category\d+\.Name$", k)]
        if category and category not in names:
            return [failure(cat_key[:1].upper() + cat_key[1:], "Category does not exist", placeholders={},
                            detailed="The category you entered doesn't exist in NZBGet. Go to NZBGet to create it.")]
        if config.get("KeepHistory") == "0":
            return [failure("", "KeepHistory is set to 0", placeholders={},
                            detailed="NZBGet setting KeepHistory should be greater than 0")]
        return []

    # SABnzbd API (SabnzbdProxy, Sabnzbd.Test)
    def downloadclient_sabnzbd(self, rec):
        s = rec["settings"]
        root = base_url(s, 8080) + "/api?"

        def api(mode):
            query = {"mode": mode, "apikey": s.get("apiKey") or "", "output": "json"}
            if s.get("username"):
                query.update(ma_username=s["username"], ma_password=s.get("password") or "")
            status, _h, text = http_call("GET", root + urllib.parse.urlencode(query))
            if status != 200:
                raise ValueError("SABnzbd answered HTTP %s" % status)
            data = json.loads(text)
            if isinstance(data, dict) and data.get("status") is False:
                raise PermissionError(data.get("error") or "error")
            return data

        try:
            api("version")
            config = api("get_config").get("config", {})
        except PermissionError as err:
            prop = "APIKey" if "api key" in str(err).lower() else "Username"
            return [failure(prop, str(err), placeholders={})]
        except (OSError, ValueError) as err:
            return [unreachable("Host", "Sabnzbd", err)]
        cat_key = next((k for k in ("tvCategory", "movieCategory", "musicCategory", "category") if k in s), None)
        category = s.get(cat_key) if cat_key else None
        names = [c.get("name") for c in config.get("categories", [])]
        if category and category not in names:
            return [failure(cat_key[:1].upper() + cat_key[1:], "Category does not exist", placeholders={},
                            detailed="The category you entered doesn't exist in Sabnzbd. Go to Sabnzbd to create it.")]
        misc = config.get("misc", {})
        sorting = {"tvCategory": ("enable_tv_sorting", "tv_categories", "TV"),
                   "movieCategory": ("enable_movie_sorting", "movie_categories", "Movie")}.get(cat_key)
        checks = [sorting] if sorting else []
        if cat_key in ("tvCategory", "movieCategory"):
            checks.append(("enable_date_sorting", "date_categories", "Date"))
        for switch, cats, label in checks:
            listed = misc.get(cats) or []
            if isinstance(listed, str):
                listed = [c.strip() for c in listed.split(",") if c.strip()]
            if misc.get(switch) in (1, "1", True) and (category in listed or "*" in listed):
                return [failure(cat_key[:1].upper() + cat_key[1:], "Disable %s Sorting" % label, placeholders={},
                                detailed="You must disable %s sorting for the category the app uses to prevent import issues."
                                % label)]
        return []

    # Prowlarr applications (SonarrV3Proxy.TestConnection and siblings)
    def applications_test(self, rec):
        s = rec["settings"]
        app = rec["implementation"]
        api = APP_API.get(app)
        if api is None:
            return []
        root = (s.get("baseUrl") or "").rstrip("/") + "/api/" + api
        headers = {"X-Api-Key": s.get("apiKey") or "", "Content-Type": "application/json"}
        try:
            status, hdrs, _t = http_call("GET", root + "/system/status", headers)
            if status == 401:
                return [failure("ApiKey", "API Key is invalid", placeholders={})]
            if status in (303, 307):
                return [failure("BaseUrl", "%s returned redirect and is invalid, check URL base" % app, placeholders={})]
            if status == 404:
                return [failure("BaseUrl", "%s URL is invalid, Prowlarr cannot connect to %s - are you missing a URL base?" % (app, app),
                                placeholders={})]
            if not hdrs or not hdrs.get("X-Application-Version"):
                return [failure("BaseUrl", "Failed to fetch %s version" % app, placeholders={})]
            synthetic = {
                "name": "Test", "implementation": "Newznab", "configContract": "NewznabSettings",
                "enableRss": True, "enableAutomaticSearch": True, "enableInteractiveSearch": True, "priority": 25,
                "protocol": "usenet", "tags": [],
                "fields": [{"name": "baseUrl", "value": (s.get("prowlarrUrl") or "").rstrip("/") + "/1/"},
                           {"name": "apiPath", "value": "/api"}, {"name": "apiKey", "value": self.arr.api_key},
                           {"name": "categories", "value": s.get("syncCategories") or []}],
            }
            status, _h, text = http_call("POST", root + "/indexer/test?forceTest=true", headers, json.dumps(synthetic).encode())
        except (OSError, ValueError) as err:
            return [failure("BaseUrl", "Unable to complete application test, cannot connect to %s" % app, placeholders={},
                            detailed=str(getattr(err, "reason", err)))]
        if status == 401:
            return [failure("ApiKey", "API Key is invalid", placeholders={})]
        if status == 400:
            return [failure("ProwlarrUrl", "Prowlarr URL is invalid, %s cannot connect to Prowlarr" % app, placeholders={})]
        if status == 404:
            return [failure("BaseUrl", "%s URL is invalid, Prowlarr cannot connect to %s - are you missing a URL base?" % (app, app),
                            placeholders={})]
        if status >= 300:
            return [failure("BaseUrl", "Unable to complete application test, %s answered HTTP %s" % (app, status), placeholders={})]
        return []

    applications_sonarr = applications_radarr = applications_lidarr = applications_test

    # Newznab / Torznab indexers: fetch the caps document
    def indexer_newznab(self, rec):
        s = rec["settings"]
        url = (s.get("baseUrl") or "").rstrip("/") + (s.get("apiPath") or "/api")
        query = {"t": "caps"}
        if s.get("apiKey"):
            query["apikey"] = s["apiKey"]
        headers = {}
        proxy = self.arr.flaresolverr_for(rec) if self.arr.app == "prowlarr" else None
        if proxy is not None:
            problem = self.indexerproxy_flaresolverr(proxy)
            if problem:
                return problem
            headers["X-Standin-FlareSolverr"] = proxy["settings"].get("host") or ""
        try:
            status, _h, text = http_call("GET", url + "?" + urllib.parse.urlencode(query), headers)
        except (OSError, ValueError) as err:
            return [failure("", "Unable to connect to indexer, check the log above the ValidationFailure for more details",
                            placeholders={}, detailed=str(getattr(err, "reason", err)))]
        if status == 403 and "cf-mitigated" in text:
            host = urllib.parse.urlsplit(url).hostname
            return [failure("", "Unable to access %s, blocked by CloudFlare Protection." % host, placeholders={})]
        if status == 401 or "Invalid API Key" in text:
            return [failure("ApiKey", "Invalid API Key", placeholders={})]
        if status != 200 or "<caps" not in text:
            return [failure("", "Unable to connect to indexer: HTTP %s" % status, placeholders={})]
        if self.arr.app == "prowlarr":
            rec["_caps"] = [int(c) for c in re.findall(r'<(?:category|subcat) id="(\d+)"', text)]
        return []

    indexer_torznab = indexer_newznab

    # Connect entries: the test sends something real to the configured program
    def notification_mediabrowser(self, rec):
        s = rec["settings"]
        try:
            status, _h, _t = http_call("GET", base_url(s, 8096) + "/System/Info", {"X-MediaBrowser-Token": s.get("apiKey") or ""})
        except (OSError, ValueError) as err:
            return [failure("Host", "Unable to send test message: %s" % getattr(err, "reason", err), placeholders={})]
        if status == 401:
            return [failure("ApiKey", "API key is incorrect", placeholders={})]
        if status >= 300:
            return [failure("Host", "Unable to send test message: HTTP %s" % status, placeholders={})]
        return []

    # Telegram (api.telegram.org) and Discord (a discord.com webhook) are internet services: the stand-in
    # does not call out; the message their Test() sends is recorded as a side effect
    def notification_telegram(self, rec):
        if not rec["settings"].get("botToken"):
            return [failure("BotToken", "'Bot Token' must not be empty.", placeholders={})]
        return []

    def notification_discord(self, rec):
        if not re.match(r"^https?://", rec["settings"].get("webHookUrl") or ""):
            return [failure("WebHookUrl", "Invalid Url", placeholders={})]
        return []

    def notification_plexserver(self, rec):
        s = rec["settings"]
        try:
            status, _h, _t = http_call("GET", base_url(s, 32400) + "/identity", {"X-Plex-Token": s.get("authToken") or ""})
        except (OSError, ValueError) as err:
            return [failure("Host", "Unable to connect to Plex Media Server: %s" % getattr(err, "reason", err), placeholders={})]
        if status == 401:
            return [failure("AuthToken", "Unauthorized - AuthToken is invalid", placeholders={})]
        if status >= 300:
            return [failure("Host", "Unable to connect to Plex Media Server: HTTP %s" % status, placeholders={})]
        return []

    def notification_webhook(self, rec):
        s = rec["settings"]
        payload = {"eventType": "Test", "instanceName": self.arr.meta["appName"], "applicationUrl": ""}
        headers = {"Content-Type": "application/json"}
        if s.get("username") or s.get("password"):
            cred = "%s:%s" % (s.get("username") or "", s.get("password") or "")
            headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
        try:
            status, _h, _t = http_call("PUT" if s.get("method") == 2 else "POST", s.get("url") or "", headers,
                                       json.dumps(payload).encode())
        except (OSError, ValueError) as err:
            return [failure("Url", "Unable to send test message: %s" % getattr(err, "reason", err), placeholders={})]
        if status >= 300:
            return [failure("Url", "Unable to send test message: HTTP %s" % status, placeholders={})]
        return []

    # FlareSolverr: Prowlarr's test sends a request through the proxy to an internet URL; skipped by default
    def indexerproxy_flaresolverr(self, rec):
        if os.environ.get("ARR_STANDIN_FLARESOLVERR_TEST", "skip") != "connect":
            return []
        try:
            status, _h, _t = http_call("GET", rec["settings"].get("host") or "")
        except (OSError, ValueError) as err:
            return [failure("Host", "Failed to test proxy: %s" % getattr(err, "reason", err), placeholders={})]
        return [] if status < 500 else [failure("Host", "Failed to test proxy: HTTP %s" % status, placeholders={})]


def caps_xml():
    cats = "".join('<category id="%d" name="%s">%s</category>' % (top, name, "".join('<subcat id="%d" name="%d"/>' % (c, c) for c in subs))
                   for top, name, subs in CAPS_CATEGORIES)
    return ('<?xml version="1.0" encoding="UTF-8"?><caps><server title="arr-standin"/><limits default="100" max="100"/>'
            '<searching><search available="yes" supportedParams="q"/><tv-search available="yes" supportedParams="q,season,ep"/>'
            '<movie-search available="yes" supportedParams="q"/><music-search available="yes" supportedParams="q"/></searching>'
            '<categories>%s</categories></caps>' % cats)


# --------------------------------------------------------------------------- HTTP server


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "arr-standin"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    arr = None  # set by make_server

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def answer(self, status, body, content_type="application/json; charset=utf-8", method="GET"):
        data = b""
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Application-Version", self.arr.meta["version"])
        if status == 201 and isinstance(body, dict) and "id" in body:
            # CreatedAtAction
            self.send_header("Location", "%s/%s" % (urllib.parse.urlsplit(self.path).path.rstrip("/"), body["id"]))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            status, body, ctype = self.route(method, path, query, raw)
        except ApiError as err:
            status, body, ctype = err.status, err.body, "application/json; charset=utf-8"
        except Exception as err:  # pylint: disable=broad-except
            log("500 %s %s: %r" % (method, url.path, err))
            status, body, ctype = 500, {"message": str(err), "description": repr(err)}, "application/json; charset=utf-8"
        if not path.startswith("/__standin/requests"):
            with self.arr.lock:
                self.arr.counts[method] = self.arr.counts.get(method, 0) + 1
                key = "%s %s" % (method, re.sub(r"/\d+(?=/|$)", "/{id}", path))
                self.arr.paths[key] = self.arr.paths.get(key, 0) + 1
            log("%s %s %s" % (method, url.path, status))
        self.answer(status, body, ctype or "application/json; charset=utf-8", method)

    def authorised(self, query):
        # ApiKeyAuthenticationHandler.ParseApiKey: query apikey first, then X-Api-Key, then Bearer
        key = query.get("apikey") or self.headers.get("X-Api-Key")
        if not key:
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                key = auth[7:]
        return key == self.arr.api_key

    def body(self, raw):
        try:
            data = json.loads(raw.decode() or "null")
        except ValueError as err:
            raise problem_details([("$", "'%s' is an invalid JSON literal." % err)])
        if not isinstance(data, dict):
            raise problem_details([("$", "The JSON value could not be converted to the resource.")])
        return data

    def route(self, method, path, query, raw):  # pylint: disable=too-many-return-statements,too-many-branches
        arr = self.arr
        j = "application/json; charset=utf-8"
        if path == "/ping" and method in ("GET", "HEAD"):
            return 200, {"status": "OK"}, j
        if path == "/__standin/requests":
            if method == "DELETE":
                with arr.lock:
                    arr.counts = {}
                    arr.paths = {}
                return 200, {}, j
            with arr.lock:
                counts = dict(arr.counts)
                paths = dict(arr.paths)
            return 200, {"app": arr.app, "total": sum(counts.values()), "byMethod": counts, "byPath": paths}, j
        if path == "/__standin/side-effects":
            with arr.lock:
                if method == "DELETE":
                    arr.side_effects = []
                return 200, list(arr.side_effects), j
        match = re.match(r"^/__standin/newznab/([^/]+)/api$", path)
        if match and match.group(1).startswith("cloudflare") and not self.headers.get("X-Standin-FlareSolverr"):
            # an indexer behind a Cloudflare challenge: only requests sent through FlareSolverr get in
            return 403, '<html><title>Just a moment...</title><!-- cf-mitigated: challenge --></html>', "text/html"
        if match is None and arr.app == "prowlarr":
            match = re.match(r"^/\d+/api$", path)
            if match and not self.authorised(query):
                return 401, '<?xml version="1.0" encoding="UTF-8"?><error code="100" description="Invalid API Key" />', "application/xml"
        if match:
            if query.get("t") == "caps":
                return 200, caps_xml(), "application/xml; charset=utf-8"
            return 200, '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel></channel></rss>', "application/xml"
        if path == "/initialize.json" and method == "GET":
            # InitializeJsonController, policy "UI": without a login only when authentication is None/External
            if arr.config_get("host").get("authenticationMethod") not in ("none", "external") and not self.authorised(query):
                return 401, None, None
            return 200, {"apiRoot": "/api/" + arr.api, "apiKey": arr.api_key, "release": arr.meta["version"] + "-standin",
                         "version": arr.meta["version"], "instanceName": arr.meta["appName"], "theme": "auto", "branch": "main",
                         "analytics": False, "userHash": "00000000", "urlBase": "", "isProduction": True}, j
        prefix = "/api/%s/" % arr.api
        if path == "/api" and method == "GET":  # ApiInfoController
            if not self.authorised(query):
                return 401, None, None
            return 200, {"current": arr.api, "deprecated": []}, j
        if not path.startswith(prefix) and path != prefix.rstrip("/"):
            if path.startswith("/api/"):
                if not self.authorised(query):
                    return 401, None, None
                return 404, {"message": "NotFound"}, j
            return 404, None, None
        if not self.authorised(query):
            return 401, None, None  # HandleChallengeAsync: 401, empty body
        parts = path[len(prefix):].split("/")
        force = query.get("forceSave", "false").lower() == "true"
        res = parts[0]

        def oid(index=1):
            try:
                return int(parts[index])
            except (IndexError, ValueError):
                raise ApiError(404, {"message": "NotFound"})

        if res == "system" and parts[1:] == ["status"] and method == "GET":
            return 200, arr.status(), j
        if res in RESOURCES:
            answer = RESOURCES[res](self, arr, method, parts, query, raw)
            if answer is not None:
                return answer
        if res in PROWLARR_ONLY and arr.app != "prowlarr" or res in ARR_ONLY and arr.app == "prowlarr":
            return 404, {"message": "NotFound"}, j
        if res == "tag":
            if len(parts) == 1:
                if method == "GET":
                    return 200, sorted([dict(t) for t in arr.table("tag")], key=lambda t: t["id"]), j
                if method == "POST":
                    return arr.tag_add(self.body(raw)) + (j,)
            elif parts[1] == "detail":
                with arr.lock:
                    details = [arr.tag_detail(t) for t in arr.table("tag")]
                if len(parts) == 2:
                    return 200, details, j
                tid = oid(2)
                return 200, next((d for d in details if d["id"] == tid), None) or arr.find("tag", tid), j
            else:
                tid = oid()
                if method == "GET":
                    return 200, dict(arr.find("tag", tid)), j
                if method == "PUT":
                    return arr.tag_add(self.body(raw), tid) + (j,)
                if method == "DELETE":
                    arr.find("tag", tid)
                    if arr.tag_in_use(tid):
                        label = arr.find("tag", tid)["label"]
                        return 409, {"message": "'%s' cannot be deleted since it's still in use" % label}, j
                    with arr.lock:
                        arr.table("tag").remove(arr.find("tag", tid))
                        arr.save()
                    return 200, {}, j
        if res in PROVIDERS and res in arr.templates:
            if len(parts) == 1:
                if method == "GET":
                    with arr.lock:
                        items = [arr.render(res, r) for r in arr.table(res)]
                    key = (lambda r: r.get("name", "").lower()) if res == "downloadclient" else (lambda r: r["id"])
                    return 200, sorted(items, key=key), j
                if method == "POST":
                    return arr.provider_create(res, self.body(raw), force) + (j,)
            elif parts[1] == "schema" and method == "GET":
                return 200, arr.schema_list(res), j
            elif parts[1] == "test" and method == "POST":
                return arr.provider_test(res, self.body(raw), query.get("forceTest", "false").lower() == "true") + (j,)
            elif parts[1] == "testall" and method == "POST":
                results = []
                for rec in list(arr.table(res)):
                    fails = ProviderTests(arr).test(res, rec)
                    results.append({"id": rec["id"], "isValid": not [f for f in fails if not f.get("isWarning")],
                                    "validationFailures": fails})
                return (200 if all(r["isValid"] for r in results) else 400), results, j
            else:
                pid = oid()
                if method == "GET":
                    with arr.lock:
                        return 200, arr.render(res, arr.find(res, pid)), j
                if method == "PUT":
                    return arr.provider_update(res, pid, self.body(raw), force) + (j,)
                if method == "DELETE":
                    return arr.provider_delete(res, pid) + (j,)
        if res == "config" and len(parts) >= 2 and parts[1] in CONFIG_SECTIONS[arr.app]:
            if method == "GET" and len(parts) == 2:
                return 200, arr.config_get(parts[1]), j
            if method == "PUT":
                return arr.config_put(parts[1], self.body(raw)) + (j,)
        if res in ("rootfolder", "remotepathmapping", "appprofile"):
            render = arr.rootfolder_render if res == "rootfolder" else dict
            write = {"rootfolder": arr.rootfolder_write, "remotepathmapping": arr.rpm_write, "appprofile": arr.appprofile_write}[res]
            if len(parts) == 1:
                if method == "GET":
                    with arr.lock:
                        return 200, [render(r) for r in arr.table(res)], j
                if method == "POST":
                    return write(self.body(raw)) + (j,)
            else:
                rid = oid()
                if method == "GET":
                    return 200, render(arr.find(res, rid)), j
                if method == "PUT" and (res != "rootfolder" or arr.app == "lidarr"):
                    return write(self.body(raw), rid) + (j,)
                if method == "DELETE":
                    with arr.lock:
                        arr.table(res).remove(arr.find(res, rid))
                        arr.save()
                    return 200, {}, j
        if res in ("qualityprofile", "metadataprofile") and method == "GET" and (res == "qualityprofile" or arr.app == "lidarr"):
            # recorded: pyarr tests/fixtures sonarr/quality_profile_all.json, lidarr/metadataprofile_all.json
            profiles = load_ref("fixtures", "pyarr", *(("sonarr", "quality_profile_all.json") if res == "qualityprofile"
                                                       else ("lidarr", "metadataprofile_all.json")))
            if len(parts) == 1:
                return 200, profiles, j
            return 200, next((p for p in profiles if p["id"] == oid()), None) or arr.find("qualityprofile", -1), j
        if res == "command":
            if len(parts) == 1:
                if method == "GET":
                    with arr.lock:
                        return 200, [dict(c) for c in arr.state["commands"] if c["status"] in ("queued", "started")], j
                if method == "POST":
                    return arr.command(self.body(raw)) + (j,)
            elif method == "GET":
                cid = oid()
                with arr.lock:
                    cmd = next((c for c in arr.state["commands"] if c["id"] == cid), None)
                    if cmd is None:
                        raise ApiError(404, {"message": "NotFound"})
                    return 200, dict(cmd), j
        if res == "health" and method == "GET":
            return 200, [], j
        return 405 if len(parts) else 404, {"message": "NotFound"}, j


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def load_extensions():
    """Import every standin_*.py beside this file once and let it register its resources."""
    global EXTENSIONS  # pylint: disable=global-statement
    if EXTENSIONS is not None:
        return EXTENSIONS
    # the module as extensions see it (also when this file was loaded without a sys.modules entry)
    module = sys.modules.get(__name__) or types.SimpleNamespace(**globals())
    loaded = []
    for path in sorted(glob.glob(os.path.join(HERE, "standin_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location("arr_standin_ext_" + name, path)
        ext = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ext)
        ext.register(module)
        loaded.append(name)
    EXTENSIONS = loaded
    return loaded


def make_server(app, port, api_key, state_dir, bind="0.0.0.0", name=None):
    load_extensions()
    arr = ArrApp(app, api_key, state_dir, port, name)
    handler = type("BoundHandler", (Handler,), {"arr": arr})
    server = Server((bind, port), handler)
    arr.port = server.server_address[1]
    return server, arr


def main(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Sonarr/Radarr/Lidarr/Prowlarr API stand-in (test equipment)")
    parser.add_argument("--app", default=env("ARR_STANDIN_APP"), choices=sorted(APPS))
    parser.add_argument("--port", type=int, default=env("ARR_STANDIN_PORT"))
    parser.add_argument("--api-key", default=env("ARR_STANDIN_API_KEY"))
    parser.add_argument("--state-dir", default=env("ARR_STANDIN_STATE_DIR", "/var/lib/arr-standin"))
    parser.add_argument("--bind", default=env("ARR_STANDIN_BIND", "0.0.0.0"))
    parser.add_argument("--name", default=env("ARR_STANDIN_NAME"), help="instance name, names the state file (default: the app)")
    args = parser.parse_args(argv)
    if not args.app or not args.api_key:
        parser.error("--app and --api-key are required")
    port = args.port or APPS[args.app]["port"]
    server, _arr = make_server(args.app, port, args.api_key, args.state_dir, args.bind, args.name)
    log("%s stand-in on %s:%s, API %s" % (args.app, args.bind, port, APPS[args.app]["api"]))
    server.serve_forever()


if __name__ == "__main__":
    main()

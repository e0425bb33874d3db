"""Re-create data/ from the reference material (run by hand, not by the tests).

    python3 tests/standins/arr/vendor.py /work/shared/reference/arr

Copies the subsets of the official OpenAPI documents the stand-in validates against, the
recorded and source-derived /schema templates, and the recorded quality profiles.
See data/README.md for sources and licences.
"""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
APPS = ("sonarr", "radarr", "lidarr", "prowlarr")
COMMON = ["TagResource", "TagDetailsResource", "DownloadClientResource", "IndexerResource", "NotificationResource", "HostConfigResource",
          "UiConfigResource", "DownloadClientConfigResource", "CommandResource"]
ARR = ["MetadataProfileResource", "RootFolderResource", "RemotePathMappingResource", "MediaManagementConfigResource", "NamingConfigResource",
       "IndexerConfigResource", "QualityProfileResource"]
PROWLARR = ["ApplicationResource", "IndexerProxyResource", "AppProfileResource"]


def closure(schemas, roots):
    seen = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen[name] = schemas[name]
        text = json.dumps(schemas[name])
        for part in text.split('"#/components/schemas/')[1:]:
            todo.append(part.split('"', 1)[0])
    return dict(sorted(seen.items()))


def clean_fields(templates):
    """Drop helpText that the source derivation garbled (it caught a [FieldToken(...)] attribute)."""
    for tpl in templates:
        for field in tpl.get("fields", []):
            if "[FieldToken" in field.get("helpText", "") or '")]' in field.get("helpText", ""):
                field.pop("helpText")
    return templates


def dump(name, data):
    with open(os.path.join(DATA, name), "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=False)
        fh.write("\n")


def main(ref):
    for app in APPS:
        with open(os.path.join(ref, "openapi", app + ".json"), encoding="utf-8") as fh:
            doc = json.load(fh)
        roots = COMMON + (PROWLARR if app == "prowlarr" else ARR)
        dump("openapi-%s.subset.json" % app, {
            "info": doc["info"],
            "x-subset-of": "reference/arr/openapi/%s.json" % app,
            "components": {"schemas": closure(doc["components"]["schemas"], roots)},
        })
        with open(os.path.join(ref, "fixtures", "derived", "%s-downloadclient-schema.partial.json" % app), encoding="utf-8") as fh:
            dump("%s-downloadclient-schema.json" % app, clean_fields(json.load(fh)))
    with open(os.path.join(ref, "fixtures", "buildarr-prowlarr", "applications-schema.json"), encoding="utf-8") as fh:
        recorded = {t["implementation"]: {f["name"]: f for f in t["fields"]} for t in json.load(fh)}
    for kind in ("applications", "indexerproxy"):
        with open(os.path.join(ref, "fixtures", "derived", "prowlarr-%s-schema.partial.json" % kind), encoding="utf-8") as fh:
            templates = clean_fields(json.load(fh))
        for tpl in templates:
            for fld in tpl["fields"]:
                if isinstance(fld.get("selectOptions"), dict):
                    # the derivation cannot run NewznabCategoryFieldConverter: take the options of the REAL recording
                    fld["selectOptions"] = recorded[tpl["implementation"]][fld["name"]]["selectOptions"]
        dump("prowlarr-%s-schema.json" % kind, templates)
    with open(os.path.join(ref, "fixtures", "pyarr", "sonarr", "quality_profile_all.json"), encoding="utf-8") as fh:
        dump("qualityprofile.json", copy.deepcopy(json.load(fh)))
    with open(os.path.join(ref, "fixtures", "pyarr", "lidarr", "metadataprofile_all.json"), encoding="utf-8") as fh:
        dump("lidarr-metadataprofile.json", json.load(fh))
    authored()


def field(order, name, label, value=None, ftype="textbox", privacy="normal", advanced=False, options=None, help_text=None,
          unit=None, is_float=False):
    item = {"order": order, "name": name, "label": label}
    if help_text:
        item["helpText"] = help_text
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


PRIORITY = [(-100, "VeryLow"), (-50, "Low"), (0, "Normal"), (50, "High"), (100, "VeryHigh"), (900, "Force")]
CATEGORY = {"sonarr": ("tvCategory", "tv", "Tv"), "radarr": ("movieCategory", "movies", "Movie"),
            "lidarr": ("musicCategory", "music", "Music"), "prowlarr": ("category", "prowlarr", None)}


def nzbget(app):
    """NzbgetSettings as the apps' source declares it (authored for the stand-in, not recorded)."""
    cat, default, word = CATEGORY[app]
    fields = [field(0, "host", "Host", "localhost"), field(1, "port", "Port", 6789),
              field(2, "useSsl", "Use SSL", False, "checkbox"), field(3, "urlBase", "URL Base", advanced=True),
              field(4, "username", "Username", "nzbget", privacy="userName"),
              field(5, "password", "Password", "tegbzn6789", "password", privacy="password"),
              field(6, cat, "Category", default)]
    if word:
        fields += [field(7, "recent%sPriority" % word, "Recent Priority", 0, "select", options=PRIORITY),
                   field(8, "older%sPriority" % word, "Older Priority", 0, "select", options=PRIORITY)]
    else:
        fields += [field(7, "priority", "Priority", 0, "select", options=PRIORITY)]
    fields.append(field(len(fields), "addPaused", "Add Paused", False, "checkbox"))
    tpl = {"enable": True, "protocol": "usenet", "priority": 1}
    if app != "prowlarr":
        tpl.update(removeCompletedDownloads=True, removeFailedDownloads=True)
    else:
        tpl.update(categories=[], supportsCategories=True)
    tpl.update(name=None, fields=fields, implementationName="NZBGet", implementation="Nzbget", configContract="NzbgetSettings",
               infoLink="https://wiki.servarr.com/%s/supported#nzbget" % app, tags=[], presets=[])
    return tpl


def arr_indexers(app):
    """Newznab and Torznab as Sonarr/Radarr/Lidarr declare them (authored, not recorded)."""
    cats = {"sonarr": [5030, 5040], "radarr": [2000, 2010, 2020, 2030, 2040, 2045, 2050, 2060],
            "lidarr": [3000, 3010, 3030, 3040, 3050]}[app]
    out = []
    for impl, protocol in (("Newznab", "usenet"), ("Torznab", "torrent")):
        fields = [field(0, "baseUrl", "URL"), field(1, "apiPath", "API Path", "/api", advanced=True),
                  field(2, "apiKey", "API Key", privacy="apiKey"),
                  field(3, "categories", "Categories", cats, "select")]
        if app == "sonarr":
            fields.append(field(4, "animeCategories", "Anime Categories", [], "select"))
        fields.append(field(len(fields), "additionalParameters", "Additional Parameters", advanced=True))
        if protocol == "torrent":
            fields += [field(len(fields), "minimumSeeders", "Minimum Seeders", 1, "number", advanced=True),
                       field(len(fields) + 1, "seedCriteria.seedRatio", "Seed Ratio", advanced=True, is_float=True),
                       field(len(fields) + 2, "seedCriteria.seedTime", "Seed Time", ftype="number", unit="minutes", advanced=True)]
        tpl = {"enableRss": True, "enableAutomaticSearch": True, "enableInteractiveSearch": True, "supportsRss": True,
               "supportsSearch": True, "protocol": protocol, "priority": 25}
        if app == "sonarr":
            tpl["seasonSearchMaximumSingleEpisodeAge"] = 0
        tpl.update(downloadClientId=0, name=None, fields=fields, implementationName=impl, implementation=impl,
                   configContract=impl + "Settings", infoLink="https://wiki.servarr.com/%s/supported#%s" % (app, impl.lower()),
                   tags=[], presets=[])
        out.append(tpl)
    return out


def prowlarr_indexers():
    """Prowlarr's generic Newznab and Torznab indexers (authored, not recorded; no Cardigann definitions)."""
    out = []
    for impl, protocol in (("Newznab", "usenet"), ("Torznab", "torrent")):
        fields = [field(0, "baseUrl", "URL"), field(1, "apiPath", "API Path", "/api", advanced=True),
                  field(2, "apiKey", "API Key", privacy="apiKey"),
                  field(3, "additionalParameters", "Additional Parameters", advanced=True),
                  field(4, "baseSettings.queryLimit", "Query Limit", advanced=True, ftype="number"),
                  field(5, "baseSettings.grabLimit", "Grab Limit", advanced=True, ftype="number")]
        if protocol == "torrent":
            fields += [field(6, "torrentBaseSettings.appMinimumSeeders", "Apps Minimum Seeders", ftype="number", advanced=True),
                       field(7, "torrentBaseSettings.seedRatio", "Seed Ratio", advanced=True, is_float=True),
                       field(8, "torrentBaseSettings.seedTime", "Seed Time", ftype="number", unit="minutes", advanced=True)]
        out.append({"indexerUrls": [], "legacyUrls": [], "definitionName": impl, "description": "Generic %s" % impl,
                    "enable": True, "redirect": False, "supportsRss": True, "supportsSearch": True, "supportsRedirect": False,
                    "supportsPagination": False, "appProfileId": 1, "protocol": protocol, "privacy": "private",
                    "priority": 25, "downloadClientId": 0, "name": None, "fields": fields,
                    "implementationName": impl, "implementation": impl, "configContract": impl + "Settings",
                    "infoLink": "https://wiki.servarr.com/prowlarr/supported-indexers#%s" % impl.lower(), "tags": [], "presets": []})
    return out


MEDIA_SERVER_UNSUPPORTED = ("supportsOnGrab", "supportsOnHealthIssue", "supportsOnHealthRestored", "supportsOnApplicationUpdate",
                            "supportsOnManualInteractionRequired")


def notifications(app, schema):
    """Webhook, Emby/Jellyfin (MediaBrowser) and Plex Media Server (authored, not recorded).

    Event switches are the app's NotificationResource on*/supportsOn* properties."""
    props = schema["NotificationResource"]["properties"]
    events = [k for k in props if k.startswith("on")]
    impls = [
        ("Webhook", "Webhook", "WebhookSettings",
         [field(0, "url", "Webhook URL", ftype="url"), field(1, "method", "Method", 1, "select", options=[(1, "POST"), (2, "PUT")]),
          field(2, "username", "Username", privacy="userName"), field(3, "password", "Password", ftype="password", privacy="password")]),
        ("Emby / Jellyfin", "MediaBrowser", "MediaBrowserSettings",
         [field(0, "host", "Host"), field(1, "port", "Port", 8096), field(2, "useSsl", "Use SSL", False, "checkbox"),
          field(3, "urlBase", "URL Base", advanced=True), field(4, "apiKey", "API Key", privacy="apiKey"),
          field(5, "notify", "Send Notifications", False, "checkbox"), field(6, "updateLibrary", "Update Library", False, "checkbox")]),
    ]
    if app != "prowlarr":
        impls.append(("Plex Media Server", "PlexServer", "PlexServerSettings",
                      [field(0, "host", "Host"), field(1, "port", "Port", 32400), field(2, "useSsl", "Use SSL", False, "checkbox"),
                       field(3, "urlBase", "URL Base", advanced=True), field(4, "authToken", "Auth Token", privacy="apiKey"),
                       field(5, "updateLibrary", "Update Library", True, "checkbox")]))
    out = []
    for label, impl, contract, fields in impls:
        tpl = {}
        for key in events:
            tpl[key] = False
        for key in props:
            if key.startswith("supportsOn"):
                tpl[key] = impl == "Webhook" or key not in MEDIA_SERVER_UNSUPPORTED
        if "includeHealthWarnings" in props:
            tpl["includeHealthWarnings"] = False
        tpl.update(name=None, fields=fields, implementationName=label, implementation=impl, configContract=contract,
                   infoLink="https://wiki.servarr.com/%s/supported#%s" % (app, impl.lower()), tags=[], presets=[])
        out.append(tpl)
    return out


def proxies():
    """Prowlarr HTTP/SOCKS indexer proxies (authored, not recorded); FlareSolverr comes from the derived file."""
    out = []
    for label, impl in (("Http", "Http"), ("Socks4", "Socks4"), ("Socks5", "Socks5")):
        out.append({"onHealthIssue": False, "supportsOnHealthIssue": False, "includeHealthWarnings": False, "name": None,
                    "fields": [field(0, "host", "Host"), field(1, "port", "Port", 8080, "number"),
                               field(2, "username", "Username", privacy="userName"),
                               field(3, "password", "Password", ftype="password", privacy="password")],
                    "implementationName": label, "implementation": impl, "configContract": impl + "Settings",
                    "infoLink": "https://wiki.servarr.com/prowlarr/supported#%s" % impl.lower(), "tags": [], "presets": []})
    return out


def authored():
    out = {}
    for app in APPS:
        with open(os.path.join(DATA, "openapi-%s.subset.json" % app), encoding="utf-8") as fh:
            schema = json.load(fh)["components"]["schemas"]
        out[app] = {"downloadclient": [nzbget(app)], "notification": notifications(app, schema)}
        out[app]["indexer"] = prowlarr_indexers() if app == "prowlarr" else arr_indexers(app)
        if app == "prowlarr":
            out[app]["indexerproxy"] = proxies()
    dump("standin-templates.json", out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/arr")

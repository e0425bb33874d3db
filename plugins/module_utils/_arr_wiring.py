# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""From the arr_wiring inventory model to what each app must hold (pure, unit-tested).

The role ``arr_wiring`` calls :func:`wiring_plan` through the filter
``homelab.mediastack.arr_wiring_plan`` and hands each app's part to ``arr_objects``: download
clients with a category per app, root folders, remote path mappings computed from the storage
layout, the hardlink setting, and Prowlarr's tags, FlareSolverr proxy, applications and indexers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import deep_merge
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_paths import (
    norm_dir, remote_path_mappings, translate as _translate,
)

# app type -> (media type folder, category field name in its download clients)
APP_TYPES = {
    "sonarr": ("tv", "tvCategory"),
    "radarr": ("movies", "movieCategory"),
    "lidarr": ("music", "musicCategory"),
}
USENET = ("sabnzbd", "nzbget", "nzbvortex", "pneumatic", "usenetblackhole")
CLIENT_KEYS = ("name", "implementation", "host", "port", "username", "password", "api_key", "url_base", "use_ssl",
               "fields", "protocol", "download_dir", "mounts", "categories", "priority", "tags", "apps", "host_in_apps")


class PlanError(ValueError):
    """The model is inconsistent; the message says what to change."""


def same_filesystem(paths, filesystems):
    """True when every path lies on the same filesystem, given the host's mount points.

    ``filesystems`` lists the mount points under which the paths live (for example
    ``["/data"]`` for one NFS export, or ``["/data/media", "/data/torrents"]`` for two disks).
    A path's filesystem is its longest mount point prefix ("/" when none matches).
    """
    def mount_of(path):
        best = "/"
        for mount in filesystems or []:
            m = norm_dir(mount)
            p = norm_dir(path)
            if (p == m or p.startswith(m.rstrip("/") + "/")) and len(m) > len(best):
                best = m
        return best
    return len(set(mount_of(p) for p in paths)) <= 1


def _client_protocol(client):
    if client.get("protocol"):
        return client["protocol"]
    return "usenet" if str(client.get("implementation", "")).lower() in USENET else "torrent"


def _ui_user_config(user):
    """The web UI login every app gets (config/host: Forms with this user), or nothing."""
    if not user:
        return {}
    if not user.get("username") or not user.get("password"):
        raise PlanError("arr_wiring_ui_user needs username and password")
    return {"host": {"authenticationMethod": "forms", "authenticationRequired": "enabled",
                     "username": user["username"], "password": user["password"]}}


def wiring_plan(model):
    """Return ``{"arr": [app spec, ...], "prowlarr": spec or None, "hardlinks": bool}``.

    Each app spec: ``name``, ``app``, ``url``, ``api_key`` and the ``arr_objects`` options
    (``tags``, ``download_clients``, ``root_folders``, ``remote_path_mappings``, ``config``).
    """
    data_root = norm_dir(model.get("data_root") or "/data")
    api_keys = model.get("api_keys") or {}
    ui_config = _ui_user_config(model.get("ui_user"))
    clients = model.get("download_clients") or []
    filesystems = model.get("filesystems") or [data_root]
    default_mounts = {data_root: data_root}
    for client in clients:
        unknown = sorted(set(client) - set(CLIENT_KEYS))
        if unknown:
            raise PlanError("download client %s: unknown key(s) %s; valid: %s" % (
                client.get("name"), ", ".join(unknown), ", ".join(CLIENT_KEYS)))
        for key in ("name", "implementation", "host"):
            if not client.get(key):
                raise PlanError("every entry of arr_wiring_download_clients needs %s (got %r)" % (key, client))

    apps_out = []
    for app in model.get("apps") or []:
        name = app.get("name")
        kind = app.get("app") or name
        if kind not in APP_TYPES:
            raise PlanError("arr_wiring_apps entry %r: app must be one of %s (set app: for a custom name)" % (
                name, ", ".join(sorted(APP_TYPES))))
        if not app.get("url"):
            raise PlanError("arr_wiring_apps entry %r needs url (how the controller reaches it)" % name)
        api_key = app.get("api_key") or api_keys.get(name)
        if not api_key:
            raise PlanError("no API key for %s: set mediastack_api_keys.%s (vaulted) or api_key in its entry" % (name, name))
        media_type, category_field = APP_TYPES[kind]
        media_type = app.get("media_type") or media_type
        mounts = app.get("mounts") or default_mounts
        download_clients, mapping_clients, download_dirs = [], [], []
        for client in clients:
            if client.get("apps") is not None and name not in client["apps"]:
                continue
            protocol = _client_protocol(client)
            download_dir = client.get("download_dir") or "%s/%s" % (data_root, "usenet" if protocol == "usenet" else "torrents")
            download_dirs.append(download_dir)
            client_mounts = client.get("mounts") or default_mounts
            client_path = _translate(download_dir, client_mounts)
            if client_path is None:
                raise PlanError("download client %s does not see its download_dir %s: add it to its mounts"
                                % (client["name"], download_dir))
            host_in_apps = client.get("host_in_apps") or client["host"]
            mapping_clients.append({"host": host_in_apps, "paths": {download_dir: client_path}})
            fields = {"host": host_in_apps}
            for key, field in (("port", "port"), ("username", "username"), ("password", "password"),
                               ("api_key", "apiKey"), ("url_base", "urlBase"), ("use_ssl", "useSsl")):
                if client.get(key) is not None:
                    fields[field] = client[key]
            category = (client.get("categories") or {}).get(name, name)
            fields[category_field] = category
            fields.update(client.get("fields") or {})
            entry = {"name": client["name"], "implementation": client["implementation"], "fields": fields,
                     "priority": client.get("priority", 1), "enable": True}
            if client.get("tags") is not None:
                entry["tags"] = client["tags"]
            download_clients.append(entry)
        try:
            mappings = remote_path_mappings({"app_paths": mounts, "clients": mapping_clients})
        except ValueError as err:
            raise PlanError("%s: %s" % (name, err))
        root_host_paths = app.get("root_folders") or ["%s/media/%s" % (data_root, media_type)]
        root_folders = []
        for host_path in root_host_paths:
            app_path = _translate(host_path, mounts)
            if app_path is None:
                raise PlanError("%s does not see root folder %s: add it to its mounts" % (name, host_path))
            root_folders.append(app_path)
        hardlinks = model.get("hardlinks", "auto")
        if hardlinks in (None, "auto"):
            hardlinks = same_filesystem(download_dirs + root_host_paths, filesystems)
        spec = {
            "name": name, "app": kind, "url": app["url"].rstrip("/"), "api_key": api_key,
            "download_clients": download_clients, "root_folders": root_folders,
            "remote_path_mappings": mappings,
            # deep merge: a user's mediamanagement keys join the computed hardlink setting
            "config": deep_merge(dict(ui_config, mediamanagement={"copyUsingHardlinks": bool(hardlinks)}),
                                 app.get("config") or {}),
        }
        if app.get("tags") is not None:
            spec["tags"] = app["tags"]
        spec["prowlarr"] = {"base_url": (app.get("prowlarr_base_url") or app["url"]).rstrip("/"),
                            "sync_level": app.get("sync_level", "fullSync"), "tags": app.get("sync_tags")}
        apps_out.append(spec)

    prowlarr = model.get("prowlarr") or {}
    prowlarr_out = None
    if prowlarr.get("url"):
        api_key = prowlarr.get("api_key") or api_keys.get("prowlarr")
        if not api_key:
            raise PlanError("no API key for Prowlarr: set mediastack_api_keys.prowlarr (vaulted) or arr_wiring_prowlarr.api_key")
        tag = model.get("flaresolverr_tag") or "flaresolverr"
        tags = list(prowlarr.get("tags") or [])
        proxies = []
        if model.get("flaresolverr_url"):
            tags.append(tag)
            proxies.append({"name": "FlareSolverr", "implementation": "FlareSolverr",
                            "fields": {"host": model["flaresolverr_url"]}, "tags": [tag]})
        applications = []
        for spec in apps_out:
            sync = spec["prowlarr"]
            fields = {"prowlarrUrl": (prowlarr.get("url_from_apps") or prowlarr["url"]).rstrip("/"),
                      "baseUrl": sync["base_url"], "apiKey": spec["api_key"]}
            app_entry = {"name": spec["name"].capitalize() if spec["name"] == spec["app"] else spec["name"],
                         "implementation": spec["app"].capitalize(), "sync_level": sync["sync_level"],
                         "fields": fields}
            if sync.get("tags") is not None:
                app_entry["tags"] = sync["tags"]
            applications.append(app_entry)
        indexers = []
        for indexer in model.get("indexers") or []:
            entry = dict((k, v) for k, v in indexer.items() if k != "flaresolverr")
            if indexer.get("flaresolverr"):
                if not model.get("flaresolverr_url"):
                    raise PlanError("indexer %s asks for FlareSolverr but arr_wiring_flaresolverr_url is empty"
                                    % indexer.get("name"))
                entry["tags"] = sorted(set(list(entry.get("tags") or []) + [tag]))
            indexers.append(entry)
        # after a sync, each app is checked for Prowlarr's indexers (the command completes even when a push failed)
        check_apps = [{"name": entry["name"], "url": spec["url"], "api_key": spec["api_key"]}
                      for entry, spec in zip(applications, apps_out)]
        prowlarr_out = {"name": "prowlarr", "app": "prowlarr", "url": prowlarr["url"].rstrip("/"), "api_key": api_key,
                        "tags": sorted(set(tags)), "indexer_proxies": proxies, "applications": applications,
                        "indexers": indexers, "check_apps": check_apps, "config": ui_config}
    for spec in apps_out:
        spec.pop("prowlarr")
    return {"arr": apps_out, "prowlarr": prowlarr_out}

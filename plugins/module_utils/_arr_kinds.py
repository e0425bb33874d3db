# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The *arr resource kinds, as a table the one reconciler (``_reconcile.Reconciler``) serves.

Private to the collection. Adding a kind is one entry in :data:`KIND_TABLE` (see docs/arr.md,
"Adding a kind"): its endpoint, natural key, the apps that have it, the options of one item, and,
only where the API needs it, a small hook (``to_api``, ``create``, ``prepare``, ``equal``).
The order of the table is the order ``arr_objects`` applies the collections in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import ARR_APPS, ArrError, check_tag_label
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_paths import norm_dir, norm_dir_slash
from ansible_collections.homelab.mediastack.plugins.module_utils import _arr_profiles as profiles
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import (
    SECRET_POLICIES, Kind, norm_name,
)

STATE = dict(type="str", default="present", choices=["present", "absent"])

# Options every provider-style item (download client, indexer, notification, application,
# indexer proxy) has.
PROVIDER_OPTIONS = dict(
    name=dict(type="str", required=True),
    implementation=dict(type="str"),
    fields=dict(type="dict", default={}),
    tags=dict(type="list", elements="str"),
    extra=dict(type="dict", default={}),
    state=STATE,
)
# Options of the single-object provider modules besides the item's.
PROVIDER_MODULE_OPTIONS = dict(
    force_save=dict(type="bool", default=False),
    secret_policy=dict(type="str", default="verify", choices=list(SECRET_POLICIES)),
)


def _provider_options(**more):
    spec = dict(PROVIDER_OPTIONS)
    spec.update(more)
    return spec


# -- hooks of the plain kinds ------------------------------------------------------------------

def _tag_api(item):
    return {"label": check_tag_label(item["label"])}


# -- hooks of the provider kinds -----------------------------------------------------------------

def _enabled(obj):
    return bool(obj.get("enable"))


def _indexer_enabled(obj):
    if "enableRss" in obj:  # Sonarr/Radarr/Lidarr: IndexerDefinition.Enable is derived from the three switches
        return bool(obj.get("enableRss") or obj.get("enableAutomaticSearch") or obj.get("enableInteractiveSearch"))
    return bool(obj.get("enable"))


def _notification_enabled(obj):
    # NotificationDefinition.Enable: any event switched on
    return any(v for k, v in obj.items() if k.startswith("on") and isinstance(v, bool))


def _application_enabled(obj):
    return obj.get("syncLevel") != "disabled"


def _enable_keys(app, template):
    return ["enable"]


def _indexer_enable_keys(app, template):
    """``enable`` of Sonarr/Radarr/Lidarr indexers is RSS plus both searches (those the indexer supports)."""
    if app == "prowlarr" or "enableRss" not in template:
        return ["enable"]
    keys = []
    if template.get("supportsRss", True):
        keys.append("enableRss")
    if template.get("supportsSearch", True):
        keys += ["enableAutomaticSearch", "enableInteractiveSearch"]
    return keys


def _proxy_tags_note(rec, spec, base, current, top):
    """Prowlarr IndexerHttpClient.GetProxies: a proxy applies only to indexers sharing a tag with it."""
    tags = spec.get("tags") if spec.get("tags") is not None else (current or {}).get("tags")
    if not tags and spec.get("state", "present") == "present":
        rec.warn("indexer proxy %r has no tag, so Prowlarr uses it for no indexer: give it a tag and the same tag "
                 "to the indexers that need it" % spec["name"])


def _prowlarr_app_profile(rec, spec, base, current, top):
    """Prowlarr refuses an indexer whose appProfileId is not > 0, and its templates carry 0: use the
    profile named by ``app_profile``, by default the first of /appprofile (on create, or to repair 0)."""
    if rec.client.app != "prowlarr":
        if spec.get("app_profile"):
            raise ArrError("app_profile is for Prowlarr indexers; %s has none" % rec.client.name)
        return
    wanted = spec.get("app_profile")
    if not wanted and current is not None and (current.get("appProfileId") or 0) > 0:
        return
    profiles = rec.client.list("appprofile")
    if wanted:
        match = [p for p in profiles if norm_name(p.get("name")) == norm_name(wanted)]
        if not match:
            raise ArrError("Prowlarr at %s has no app profile %r; valid: %s" % (
                rec.client.url, wanted, ", ".join(p.get("name") or "" for p in profiles)))
        top["appProfileId"] = match[0]["id"]
    elif profiles:
        top["appProfileId"] = profiles[0]["id"]
    else:
        raise ArrError("Prowlarr at %s has no app profile; create one (Settings > Apps > Sync Profiles)" % rec.client.url)


def _root_folder_api(item):
    out = dict(item.get("extra") or {})
    out["path"] = item["path"]
    return out


def _lidarr_root_defaults(rec, desired):
    """Lidarr's root folders carry a name and default profiles (RootFolderResource)."""
    if rec.client.app != "lidarr":
        return {}
    path = desired["path"]
    out = {"name": desired.get("name") or norm_dir(path).rsplit("/", 1)[-1] or path}
    for key, endpoint in (("defaultQualityProfileId", "qualityprofile"), ("defaultMetadataProfileId", "metadataprofile")):
        if key not in desired:
            try:
                profiles = rec.client.list(endpoint)
            except ArrError:
                profiles = []  # left to the app's default
            if profiles:
                out[key] = profiles[0]["id"]
    return out


def _rpm_api(item):
    remote = norm_dir_slash(item["remote_path"])
    if item.get("state", "present") != "absent" and not item.get("local_path"):
        raise ArrError("remote path mapping %s:%s needs local_path" % (item["host"], remote))
    out = {"host": item["host"], "remotePath": remote}
    if item.get("local_path"):
        out["localPath"] = norm_dir_slash(item["local_path"])
    return out


def _rpm_describe(obj):
    return "%s:%s" % (obj.get("host"), norm_dir_slash(obj.get("remotePath")))


# -- the table ---------------------------------------------------------------------------------
# Order matters: tags exist before anything refers to them, proxies before indexers use them,
# download clients and folders before the apps are told about them.
KIND_TABLE = (
    Kind("tag", "tag", "tag", (("label", norm_name),), option="tags", shorthand="label", to_api=_tag_api,
         suboptions=dict(label=dict(type="str", required=True), state=STATE)),
    Kind("indexer_proxy", "indexer proxy", "indexerproxy", (("name", norm_name),), option="indexer_proxies",
         provider=True, testable=True, apps=("prowlarr",), suboptions=_provider_options(),
         enabled=lambda obj: True, provider_prepare=_proxy_tags_note),
    Kind("download_client", "download client", "downloadclient", (("name", norm_name),), provider=True,
         testable=True, top={"priority": "priority", "enable": "enable"}, enabled=_enabled, enable_keys=_enable_keys,
         verify_on_rerun=True, suboptions=_provider_options(priority=dict(type="int"), enable=dict(type="bool"))),
    Kind("root_folder", "root folder", "rootfolder", (("path", norm_dir),), shorthand="path", apps=ARR_APPS,
         put_apps=("lidarr",), to_api=_root_folder_api, create=_lidarr_root_defaults,
         suboptions=dict(path=dict(type="str", required=True), extra=dict(type="dict", default={}), state=STATE)),
    Kind("remote_path_mapping", "remote path mapping", "remotepathmapping",
         (("host", norm_name), ("remotePath", norm_dir_slash)), apps=ARR_APPS, to_api=_rpm_api,
         describe=_rpm_describe, normalise={"localPath": norm_dir_slash},
         suboptions=dict(host=dict(type="str", required=True), remote_path=dict(type="str", required=True),
                         local_path=dict(type="str"), state=STATE)),
    Kind("notification", "notification", "notification", (("name", norm_name),), provider=True, testable=True,
         enabled=_notification_enabled, suboptions=_provider_options()),
    Kind("application", "application", "applications", (("name", norm_name),), provider=True, testable=True,
         apps=("prowlarr",), top={"sync_level": "syncLevel"}, enabled=_application_enabled, verify_on_rerun=True,
         suboptions=_provider_options(sync_level=dict(type="str", choices=["disabled", "addOnly", "fullSync"]))),
    Kind("indexer", "indexer", "indexer", (("name", norm_name),), provider=True, testable=True,
         top={"priority": "priority", "enable": "enable"}, enabled=_indexer_enabled, enable_keys=_indexer_enable_keys,
         provider_prepare=_prowlarr_app_profile,
         suboptions=_provider_options(priority=dict(type="int"), enable=dict(type="bool"),
                                      definition=dict(type="str"), app_profile=dict(type="str"))),
)

# Profiles (issue 16): reconciled by collection-level hooks in _arr_profiles (a custom format joins
# every quality profile when created, a profile write lists every custom format, sizes and naming
# are single objects), so each entry names its hook. Applied after the wiring kinds, in this order.
VIDEO_APPS = ("sonarr", "radarr")
CUSTOM_FORMAT_OPTIONS = dict(
    trash_id=dict(type="str"), guide_name=dict(type="str"), name=dict(type="str"),
    specifications=dict(type="list", elements="dict"), include_when_renaming=dict(type="bool"),
    takeover=dict(type="bool", default=False), rename_from=dict(type="list", elements="str"), state=STATE,
)
QUALITY_PROFILE_OPTIONS = dict(
    name=dict(type="str"), template=dict(type="str"), cf_groups=dict(type="raw"), score_set=dict(type="str"),
    exclude_formats=dict(type="list", elements="str"), upgrade_allowed=dict(type="bool"), cutoff=dict(type="str"),
    min_format_score=dict(type="int"), cutoff_format_score=dict(type="int"), min_upgrade_format_score=dict(type="int"),
    language=dict(type="str"), qualities=dict(type="list", elements="raw"), scores=dict(type="dict"),
    reset_unmatched_scores=dict(type="bool", default=False), reset_except=dict(type="list", elements="str"),
    takeover_formats=dict(type="bool", default=False), rename_from=dict(type="list", elements="str"), state=STATE,
)
PROFILE_KINDS = (
    Kind("custom_format", "custom format", "customformat", (("name", norm_name),), apps=VIDEO_APPS,
         shorthand="trash_id", suboptions=CUSTOM_FORMAT_OPTIONS, sync=profiles.sync_custom_formats),
    Kind("quality_definition", "quality size", "qualitydefinition", (("title", norm_name),),
         option="quality_definitions", apps=VIDEO_APPS, sync=profiles.sync_quality_definitions),
    Kind("quality_profile", "quality profile", "qualityprofile", (("name", norm_name),), apps=VIDEO_APPS,
         suboptions=QUALITY_PROFILE_OPTIONS, sync=profiles.sync_quality_profiles),
    Kind("naming", "config", "config/naming", (("id", norm_name),), option="naming", apps=VIDEO_APPS,
         sync=profiles.sync_naming),
    Kind("delay_profile", "delay profile", "delayprofile", (("tags", norm_name),), apps=ARR_APPS,
         suboptions=dict(tags=dict(type="list", elements="str", default=[]), enable_usenet=dict(type="bool"),
                         enable_torrent=dict(type="bool"),
                         preferred_protocol=dict(type="str", choices=["usenet", "torrent"]),
                         usenet_delay=dict(type="int"), torrent_delay=dict(type="int"),
                         bypass_if_highest_quality=dict(type="bool"),
                         bypass_if_above_custom_format_score=dict(type="bool"),
                         minimum_custom_format_score=dict(type="int"), state=STATE),
         sync=profiles.sync_delay_profiles),
    Kind("release_profile", "release profile", "releaseprofile", (("name", norm_name),), apps=VIDEO_APPS,
         suboptions=dict(name=dict(type="str", required=True), enabled=dict(type="bool"),
                         required=dict(type="list", elements="str"), ignored=dict(type="list", elements="str"),
                         indexer_id=dict(type="int"), tags=dict(type="list", elements="str"), state=STATE),
         sync=profiles.sync_release_profiles),
    Kind("app_profile", "app profile", "appprofile", (("name", norm_name),), apps=("prowlarr",),
         suboptions=dict(name=dict(type="str", required=True), enable_rss=dict(type="bool"),
                         enable_automatic_search=dict(type="bool"), enable_interactive_search=dict(type="bool"),
                         minimum_seeders=dict(type="int"), state=STATE),
         sync=profiles.sync_app_profiles),
    Kind("metadata_profile", "metadata profile", "metadataprofile", (("name", norm_name),), apps=("lidarr",),
         suboptions=dict(name=dict(type="str", required=True), primary_types=dict(type="list", elements="str"),
                         secondary_types=dict(type="list", elements="str"),
                         release_statuses=dict(type="list", elements="str"), state=STATE),
         sync=profiles.sync_metadata_profiles),
)
KIND_TABLE = KIND_TABLE + PROFILE_KINDS
KINDS = OrderedDict((k.name, k) for k in KIND_TABLE)

# Single-object modules -> kind.
MODULE_KINDS = {
    "arr_tag": "tag",
    "arr_download_client": "download_client",
    "arr_indexer": "indexer",
    "arr_notification": "notification",
    "arr_root_folder": "root_folder",
    "arr_remote_path_mapping": "remote_path_mapping",
    "prowlarr_application": "application",
    "prowlarr_indexer_proxy": "indexer_proxy",
    "arr_custom_format": "custom_format",
    "arr_quality_profile": "quality_profile",
}

CONFIG_SECTIONS = ("mediamanagement", "naming", "host", "ui", "downloadclient", "indexer")
# arr_objects applies config sections after these kinds and before the rest.
CONFIG_AFTER = "remote_path_mapping"


def kind_by_option(option):
    for kind in KIND_TABLE:
        if kind.option == option:
            return kind
    return None


def module_spec(kind_name):
    """The options of a single-object module for ``kind_name`` (besides the connection)."""
    kind = KINDS[kind_name]
    spec = dict(kind.suboptions)
    if kind.provider:
        spec.update(PROVIDER_MODULE_OPTIONS)
    if kind.sync:
        spec.update(profiles.COMMON_OPTIONS)
    return spec

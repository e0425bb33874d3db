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

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import ARR_APPS, ArrError
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_paths import norm_dir, norm_dir_slash
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
    return {"label": norm_name(item["label"])}


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
         provider=True, testable=True, apps=("prowlarr",), suboptions=_provider_options()),
    Kind("download_client", "download client", "downloadclient", (("name", norm_name),), provider=True,
         testable=True, top={"priority": "priority", "enable": "enable"},
         suboptions=_provider_options(priority=dict(type="int"), enable=dict(type="bool"))),
    Kind("root_folder", "root folder", "rootfolder", (("path", norm_dir),), shorthand="path", apps=ARR_APPS,
         put_apps=("lidarr",), to_api=_root_folder_api, create=_lidarr_root_defaults,
         suboptions=dict(path=dict(type="str", required=True), extra=dict(type="dict", default={}), state=STATE)),
    Kind("remote_path_mapping", "remote path mapping", "remotepathmapping",
         (("host", norm_name), ("remotePath", norm_dir_slash)), apps=ARR_APPS, to_api=_rpm_api,
         describe=_rpm_describe, normalise={"localPath": norm_dir_slash},
         suboptions=dict(host=dict(type="str", required=True), remote_path=dict(type="str", required=True),
                         local_path=dict(type="str"), state=STATE)),
    Kind("notification", "notification", "notification", (("name", norm_name),), provider=True, testable=True,
         suboptions=_provider_options()),
    Kind("application", "application", "applications", (("name", norm_name),), provider=True, testable=True,
         apps=("prowlarr",), top={"sync_level": "syncLevel"},
         suboptions=_provider_options(sync_level=dict(type="str", choices=["disabled", "addOnly", "fullSync"]))),
    Kind("indexer", "indexer", "indexer", (("name", norm_name),), provider=True, testable=True,
         top={"priority": "priority", "enable": "enable"},
         suboptions=_provider_options(priority=dict(type="int"), enable=dict(type="bool"),
                                      definition=dict(type="str"))),
)
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
    return spec

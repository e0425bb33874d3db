# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ``arr_info`` reads from one *arr app (secrets masked). Private to the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import mask_config, masked

INFO_COLLECTIONS = {
    "sonarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "radarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "lidarr": ["tag", "downloadclient", "indexer", "notification", "rootfolder", "remotepathmapping"],
    "prowlarr": ["tag", "downloadclient", "indexer", "notification", "applications", "indexerproxy"],
}


def gather_info(client, gather):
    wanted = INFO_COLLECTIONS[client.app] if gather is None else gather
    objects = {}
    for name in wanted:
        if name.startswith("config/"):
            objects[name] = mask_config(client.call("GET", name))
        else:
            objects[name] = [masked(o) for o in client.list(name)]
    return dict(changed=False, app=client.app, name=client.name, version=client.app_version,
                api_version=client.version, objects=objects)

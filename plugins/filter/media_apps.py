# -*- coding: utf-8 -*-
# Copyright: (c) 2026, homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the media_apps role (documentation in the .yml files of the same names).

The logic lives in plugins/module_utils/_media_apps.py so unit tests call it directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.mediastack.plugins.module_utils._media_apps import (
    MediaAppsError,
    arr_config_xml,
    compose_project,
    homepage_config,
    sabnzbd_host_whitelist,
    service_hosts,
    compose_env_files,
    merge_catalog,
    preflight_errors,
    qbittorrent_settings,
)
from ansible_collections.homelab.mediastack.plugins.module_utils._media_apps_k8s import k8s_manifests


def _wrap(name, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except MediaAppsError as exc:
        raise AnsibleFilterError('%s: %s' % (name, exc))


def media_apps_merge(catalog, enabled, overrides=None, extra=None, config_root=None):
    return _wrap('media_apps_merge', merge_catalog, catalog, enabled, overrides, extra, config_root)


def media_apps_preflight(apps, runtime, secrets=None, pool=None, nfs_hits=None, host='this host', media_mode='',
                         vpn=None):
    return _wrap('media_apps_preflight', preflight_errors, apps, runtime, secrets, pool, nfs_hits, host,
                 media_mode, vpn)


def media_apps_compose(apps, name, **kwargs):
    return _wrap('media_apps_compose', compose_project, name, apps, **kwargs)


def media_apps_compose_env(apps, api_keys=None, passwords=None, vpn_secrets=None, app_secrets=None, links=None,
                           data_root='/data'):
    return _wrap('media_apps_compose_env', compose_env_files, apps, api_keys, passwords, vpn_secrets, app_secrets,
                 links, data_root)


def media_apps_k8s(apps, **kwargs):
    return _wrap('media_apps_k8s', k8s_manifests, apps, **kwargs)


def media_apps_arr_config_xml(api_key, port, url_base=''):
    return _wrap('media_apps_arr_config_xml', arr_config_xml, port, api_key, url_base)


def media_apps_qbittorrent_settings(password_hash, **kwargs):
    return _wrap('media_apps_qbittorrent_settings', qbittorrent_settings, password_hash, **kwargs)


def media_apps_homepage(apps, api_keys=None, passwords=None, extra_keys=None):
    return _wrap('media_apps_homepage', homepage_config, apps, api_keys, passwords, extra_keys)


def media_apps_sabnzbd_whitelist(ini_text, names):
    return _wrap('media_apps_sabnzbd_whitelist', sabnzbd_host_whitelist, ini_text, names)


def media_apps_service_hosts(apps):
    return _wrap('media_apps_service_hosts', service_hosts, apps)


class FilterModule(object):
    """media_apps filters."""

    def filters(self):
        return {
            'media_apps_merge': media_apps_merge,
            'media_apps_preflight': media_apps_preflight,
            'media_apps_compose': media_apps_compose,
            'media_apps_compose_env': media_apps_compose_env,
            'media_apps_k8s': media_apps_k8s,
            'media_apps_arr_config_xml': media_apps_arr_config_xml,
            'media_apps_qbittorrent_settings': media_apps_qbittorrent_settings,
            'media_apps_homepage': media_apps_homepage,
            'media_apps_sabnzbd_whitelist': media_apps_sabnzbd_whitelist,
            'media_apps_service_hosts': media_apps_service_hosts,
        }

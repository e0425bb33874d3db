#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_objects
short_description: Reconcile a whole set of objects of one Sonarr, Radarr, Lidarr or Prowlarr at once
version_added: 0.1.0
description:
  - The same reconcile as M(homelab.mediastack.arr_tag), M(homelab.mediastack.arr_download_client),
    M(homelab.mediastack.arr_indexer), M(homelab.mediastack.arr_notification),
    M(homelab.mediastack.arr_root_folder), M(homelab.mediastack.arr_remote_path_mapping),
    M(homelab.mediastack.arr_config), M(homelab.mediastack.prowlarr_application) and
    M(homelab.mediastack.prowlarr_indexer_proxy), for many objects of one app in one task;
    each collection is read once, and nothing is written unless something differs.
  - "Order: tags, indexer proxies, download clients, root folders, remote path mappings,
    config sections, notifications, applications, indexers (so tags exist before they are used),
    then custom formats, quality sizes, quality profiles, naming, delay, release, app and metadata profiles."
  - Only the objects named are managed; O(purge) deletes the others in the collections it lists.
attributes:
  check_mode:
    support: full
    description: Reads the app and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: One before/after per changed object, secrets masked.
  idempotent:
    support: full
    description: A rerun with the same inputs reports no change (see O(secret_policy) for secrets).
options:
  tags:
    description: Tag labels (or dicts with C(label) and C(state)).
    type: list
    elements: raw
  download_clients:
    description:
      - Download clients, each a dict with the options of M(homelab.mediastack.arr_download_client)
        (C(name), C(implementation), C(fields), C(tags), C(priority), C(enable), C(extra), C(state)).
    type: list
    elements: dict
  indexers:
    description: Indexers, each with the options of M(homelab.mediastack.arr_indexer).
    type: list
    elements: dict
  notifications:
    description: Connect entries, each with the options of M(homelab.mediastack.arr_notification).
    type: list
    elements: dict
  root_folders:
    description: Root folder paths (or dicts with C(path), C(extra), C(state)).
    type: list
    elements: raw
  remote_path_mappings:
    description: Remote path mappings, each a dict with C(host), C(remote_path), C(local_path), C(state).
    type: list
    elements: dict
  config:
    description: Section name -> settings, as in M(homelab.mediastack.arr_config).
    type: dict
  applications:
    description: Prowlarr applications, each with the options of M(homelab.mediastack.prowlarr_application).
    type: list
    elements: dict
  indexer_proxies:
    description: Prowlarr indexer proxies, each with the options of M(homelab.mediastack.prowlarr_indexer_proxy).
    type: list
    elements: dict
  custom_formats:
    description:
      - Sonarr v4/Radarr custom formats, each with the options of M(homelab.mediastack.arr_custom_format)
        (C(trash_id) or C(guide_name) from O(guide), or C(name) and C(specifications) inline; C(takeover),
        C(rename_from), C(state)); a bare string is a C(trash_id).
      - The custom formats of the O(quality_profiles) templates are added automatically.
    type: list
    elements: raw
  quality_profiles:
    description:
      - Sonarr v4/Radarr quality profiles, each with the options of M(homelab.mediastack.arr_quality_profile)
        (C(name), C(template), C(cf_groups), C(score_set), C(exclude_formats), C(qualities) best first,
        C(cutoff), C(upgrade_allowed), C(min_format_score), C(cutoff_format_score),
        C(min_upgrade_format_score), C(language), C(scores), C(reset_unmatched_scores), C(reset_except),
        C(takeover_formats), C(rename_from), C(state)). Applied after the custom formats.
    type: list
    elements: dict
  quality_definitions:
    description:
      - Quality sizes (MB per minute) of Sonarr v4/Radarr, as C(preset) (a quality-size type of O(guide),
        such as C(series) or C(movie)) and/or C(qualities), a list of C({quality, min, preferred, max})
        that wins over the preset. Values at or above the app's limit mean no limit. Qualities not named
        are left alone. Changed rows are written one by one (the bulk endpoint answers stale values).
    type: dict
  naming:
    description:
      - Sonarr v4/Radarr file and folder naming, as C(preset) (section -> preset key of the guide's naming
        file; Sonarr sections C(series), C(season), C(standard), C(daily), C(anime); Radarr C(folder),
        C(file)), C(rename) (renameEpisodes/renameMovies) and C(settings) (the app's keys, winning).
    type: dict
  delay_profiles:
    description:
      - Delay profiles (Sonarr, Radarr, Lidarr), matched by their tags (C(tags) empty or absent is the
        default profile), with C(enable_usenet), C(enable_torrent), C(preferred_protocol), C(usenet_delay),
        C(torrent_delay), C(bypass_if_highest_quality), C(bypass_if_above_custom_format_score),
        C(minimum_custom_format_score), C(state).
    type: list
    elements: dict
  release_profiles:
    description:
      - Release profiles (Sonarr v4, Radarr), by C(name), with C(enabled), C(required), C(ignored) (terms),
        C(indexer_id), C(tags), C(state).
    type: list
    elements: dict
  app_profiles:
    description:
      - Prowlarr sync (app) profiles, by C(name), with C(enable_rss), C(enable_automatic_search),
        C(enable_interactive_search), C(minimum_seeders), C(state).
    type: list
    elements: dict
  metadata_profiles:
    description:
      - Lidarr metadata profiles, by C(name), with the allowed C(primary_types), C(secondary_types) and
        C(release_statuses) by name, and C(state).
    type: list
    elements: dict
  guide:
    description: Path of a copy of the TRaSH Guides, for C(trash_id)s, templates, size and naming presets.
    type: path
  profiles_state_dir:
    description:
      - Folder (on the host running the task) for the ownership record mapping guide C(trash_id)s and
        profiles to the app's ids, so renames are followed; without it names and conditions are used.
    type: path
  purge:
    description:
      - Collections in which objects not named here are deleted, by option name
        (V(tags), V(download_clients), V(indexers), V(notifications), V(root_folders),
        V(remote_path_mappings), V(applications), V(indexer_proxies), V(custom_formats)).
      - V(custom_formats) deletes every custom format neither listed nor needed by a template,
        hand-made ones included.
      - Default is none; objects added by hand are left alone.
    type: list
    elements: str
    default: []
  force_save:
    description: Save providers even when the app's own connection test fails (C(forceSave=true)).
    type: bool
    default: false
  secret_policy:
    description:
      - How secrets the app returns masked are handled; see M(homelab.mediastack.arr_download_client).
      - V(verify) (default) runs the app's own test with the stored object when nothing else
        differs and sends the inventory's secret only if the test fails.
    type: str
    choices: [verify, always, on_create]
    default: verify
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Wire Sonarr in one task
  homelab.mediastack.arr_objects:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    download_clients:
      - name: qBittorrent
        implementation: QBittorrent
        fields: {host: qbittorrent.example.com, port: 8080, username: admin,
                 password: "{{ vault_qbittorrent_password }}", tvCategory: tv}
    root_folders: [/data/media/tv]
    remote_path_mappings:
      - {host: qbittorrent.example.com, remote_path: /downloads/, local_path: /data/torrents/}
    config:
      mediamanagement: {copyUsingHardlinks: true}

- name: Prowlarr with FlareSolverr and Sonarr sync; stale applications removed
  homelab.mediastack.arr_objects:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    tags: [flaresolverr]
    indexer_proxies:
      - {name: FlareSolverr, implementation: FlareSolverr, fields: {host: "http://flaresolverr.example.com:8191/"},
         tags: [flaresolverr]}
    applications:
      - name: Sonarr
        implementation: Sonarr
        sync_level: fullSync
        fields: {prowlarrUrl: "http://prowlarr.example.com:9696", baseUrl: "http://sonarr.example.com:8989",
                 apiKey: "{{ vault_sonarr_api_key }}"}
    purge: [applications]

- name: Radarr profiles from the TRaSH Guides (a copy pinned by the user)
  homelab.mediastack.arr_objects:
    url: http://radarr.example.com:7878
    api_key: "{{ vault_radarr_api_key }}"
    guide: /srv/trash-guides
    profiles_state_dir: ~/.local/state/homelab.mediastack
    quality_profiles:
      - template: hd-bluray-web
        reset_unmatched_scores: true
    quality_definitions: {preset: movie}
    naming: {preset: {folder: jellyfin-tmdb, file: jellyfin-tmdb}, rename: true}
'''

RETURN = r'''
objects:
  description: One entry per object handled, with C(kind), C(key) and C(action).
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "tag", "key": "flaresolverr", "action": "unchanged"}]
counts:
  description: Number of objects per action.
  returned: always
  type: dict
  sample: {"unchanged": 5, "updated": 1}
notes:
  description: Why a secret was sent again (the stored one failed the app's test).
  returned: when any
  type: list
  elements: str
app:
  description: The app detected at O(url).
  returned: always
  type: str
version:
  description: The app's version.
  returned: always
  type: str
requests:
  description: Number of HTTP requests the task sent.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import (
    CONNECTION_SPEC, SECRET_POLICIES, run_module,
)

ARGUMENT_SPEC = dict(CONNECTION_SPEC)
ARGUMENT_SPEC.update(
    tags=dict(type='list', elements='raw'),
    download_clients=dict(type='list', elements='dict'),
    indexers=dict(type='list', elements='dict'),
    notifications=dict(type='list', elements='dict'),
    root_folders=dict(type='list', elements='raw'),
    remote_path_mappings=dict(type='list', elements='dict'),
    config=dict(type='dict'),
    applications=dict(type='list', elements='dict'),
    indexer_proxies=dict(type='list', elements='dict'),
    custom_formats=dict(type='list', elements='raw'),
    quality_profiles=dict(type='list', elements='dict'),
    quality_definitions=dict(type='dict'),
    naming=dict(type='dict'),
    delay_profiles=dict(type='list', elements='dict'),
    release_profiles=dict(type='list', elements='dict'),
    app_profiles=dict(type='list', elements='dict'),
    metadata_profiles=dict(type='list', elements='dict'),
    guide=dict(type='path'),
    profiles_state_dir=dict(type='path'),
    purge=dict(type='list', elements='str', default=[]),
    force_save=dict(type='bool', default=False),
    secret_policy=dict(type='str', default='verify', choices=list(SECRET_POLICIES)),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_objects')


if __name__ == '__main__':
    main()

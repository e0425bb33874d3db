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
    description: Download clients, with the options of M(homelab.mediastack.arr_download_client).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      implementation:
        description: Implementation as the app's C(/schema) spells it; needed to create.
        type: str
      fields:
        description: Settings by the app's field names; secret fields are masked and never shown.
        type: dict
        default: {}
      tags:
        description: Tags by label; omit to leave the object's tags alone.
        type: list
        elements: str
      extra:
        description: Other top-level keys by the app's own names.
        type: dict
        default: {}
      state:
        description: V(absent) deletes the object.
        type: str
        choices: [present, absent]
        default: present
      priority:
        description: Priority (1-50).
        type: int
      enable:
        description: Enabled; a new client is created enabled unless this says otherwise.
        type: bool
  indexers:
    description: Indexers, with the options of M(homelab.mediastack.arr_indexer).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      implementation:
        description: Implementation as the app's C(/schema) spells it; needed to create.
        type: str
      fields:
        description: Settings by the app's field names; secret fields are masked and never shown.
        type: dict
        default: {}
      tags:
        description: Tags by label; omit to leave the object's tags alone.
        type: list
        elements: str
      extra:
        description: Other top-level keys by the app's own names.
        type: dict
        default: {}
      state:
        description: V(absent) deletes the object.
        type: str
        choices: [present, absent]
        default: present
      priority:
        description: Priority (1-50).
        type: int
      enable:
        description: Enabled (Sonarr/Radarr/Lidarr - RSS and both searches); new indexers are created enabled.
        type: bool
      definition:
        description: The schema template (Prowlarr preset) by name; default V(Generic <implementation>).
        type: str
      app_profile:
        description: Prowlarr only, the sync profile by name; default on create, the first one.
        type: str
  notifications:
    description: Connect entries, with the options of M(homelab.mediastack.arr_notification).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      implementation:
        description: Implementation as the app's C(/schema) spells it; needed to create.
        type: str
      fields:
        description: Settings by the app's field names; secret fields are masked and never shown.
        type: dict
        default: {}
      tags:
        description: Tags by label; omit to leave the object's tags alone.
        type: list
        elements: str
      extra:
        description: Other top-level keys by the app's own names.
        type: dict
        default: {}
      state:
        description: V(absent) deletes the object.
        type: str
        choices: [present, absent]
        default: present
  root_folders:
    description: Root folder paths (or dicts with C(path), C(extra), C(state)).
    type: list
    elements: raw
  remote_path_mappings:
    description: Remote path mappings, with the options of M(homelab.mediastack.arr_remote_path_mapping).
    type: list
    elements: dict
    suboptions:
      host:
        description: The download client's host as the app reaches it.
        type: str
        required: true
      remote_path:
        description: The path the download client reports.
        type: str
        required: true
      local_path:
        description: The same folder as the app sees it; needed unless O(remote_path_mappings[].state=absent).
        type: str
      state:
        description: V(absent) deletes the mapping.
        type: str
        choices: [present, absent]
        default: present
  config:
    description: Section name -> settings, as in M(homelab.mediastack.arr_config).
    type: dict
  applications:
    description: Prowlarr applications, with the options of M(homelab.mediastack.prowlarr_application).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      implementation:
        description: Implementation as the app's C(/schema) spells it; needed to create.
        type: str
      fields:
        description: Settings by the app's field names; secret fields are masked and never shown.
        type: dict
        default: {}
      tags:
        description: Tags by label; omit to leave the object's tags alone.
        type: list
        elements: str
      extra:
        description: Other top-level keys by the app's own names.
        type: dict
        default: {}
      state:
        description: V(absent) deletes the object.
        type: str
        choices: [present, absent]
        default: present
      sync_level:
        description: V(disabled), V(addOnly) or V(fullSync).
        type: str
        choices: [disabled, addOnly, fullSync]
  indexer_proxies:
    description: Prowlarr indexer proxies, with the options of M(homelab.mediastack.prowlarr_indexer_proxy).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      implementation:
        description: Implementation as the app's C(/schema) spells it; needed to create.
        type: str
      fields:
        description: Settings by the app's field names; secret fields are masked and never shown.
        type: dict
        default: {}
      tags:
        description: Tags by label; omit to leave the object's tags alone.
        type: list
        elements: str
      extra:
        description: Other top-level keys by the app's own names.
        type: dict
        default: {}
      state:
        description: V(absent) deletes the object.
        type: str
        choices: [present, absent]
        default: present
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
    suboptions:
      name:
        description: The profile's name in the app; defaults to the template's name with O(quality_profiles[].template).
        type: str
      template:
        description:
          - A quality profile template of the TRaSH Guides copy at O(guide) (its name, file name such as C(web-1080p), or C(trash_id)).
        type: str
      cf_groups:
        description:
          - Which of the guide's custom format groups for this template to add, as a list of group names
            or C(trash_id)s; the item V(default) stands for the groups the guide marks default (the
            default when not set); V(none) adds none. Each group brings its required and pre-selected
            custom formats.
        type: raw
      score_set:
        description: The guide's score set (C(trash_scores) key) to use; default the template's, else C(default).
        type: str
      exclude_formats:
        description: Custom formats of the template (names or C(trash_id)s) to leave out.
        type: list
        elements: str
      upgrade_allowed:
        description: Whether upgrades are allowed.
        type: bool
      cutoff:
        description: Name of the quality or group upgrades stop at; it must be allowed. Default the template's, else the best allowed.
        type: str
      min_format_score:
        description: Lowest custom format score a release needs.
        type: int
      cutoff_format_score:
        description: Custom format score at which upgrades stop.
        type: int
      min_upgrade_format_score:
        description: Smallest score gain that counts as an upgrade (at least 1).
        type: int
      language:
        description: Radarr only, the profile's language by name (V(Original), V(Any), V(English), ...).
        type: str
      qualities:
        description:
          - Allowed qualities and groups, best first. Each is a quality name, or a dict with C(name),
            C(allowed) (default true) and, for a group, C(items) (the member quality names).
        type: list
        elements: raw
      scores:
        description: Custom format name (or C(trash_id)) -> score; wins over the guide's scores.
        type: dict
      reset_unmatched_scores:
        description: Set the score of every custom format the profile does not name to 0.
        type: bool
        default: false
      reset_except:
        description: Custom format names O(quality_profiles[].reset_unmatched_scores) leaves alone.
        type: list
        elements: str
      takeover_formats:
        description: Let the guide's custom formats replace app custom formats of the same name whose conditions differ.
        type: bool
        default: false
      rename_from:
        description: Former names of the profile; a profile with one of them is renamed instead of a new one added.
        type: list
        elements: str
      state:
        description: V(absent) deletes the profile (the app refuses while series or movies use it).
        type: str
        choices: [present, absent]
        default: present
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
    suboptions:
      tags:
        description: Tag labels; the profile is matched by them. Empty (the default) is the default delay profile.
        type: list
        elements: str
        default: []
      enable_usenet:
        description: Use Usenet.
        type: bool
      enable_torrent:
        description: Use torrents.
        type: bool
      preferred_protocol:
        description: The protocol preferred when both are found.
        type: str
        choices: [usenet, torrent]
      usenet_delay:
        description: Minutes to wait before grabbing a Usenet release.
        type: int
      torrent_delay:
        description: Minutes to wait before grabbing a torrent.
        type: int
      bypass_if_highest_quality:
        description: Skip the delay for a release in the profile's best quality.
        type: bool
      bypass_if_above_custom_format_score:
        description: Skip the delay for a release at or above O(delay_profiles[].minimum_custom_format_score).
        type: bool
      minimum_custom_format_score:
        description: The custom format score that skips the delay.
        type: int
      state:
        description: V(absent) deletes it (not the default profile).
        type: str
        choices: [present, absent]
        default: present
  release_profiles:
    description:
      - Release profiles (Sonarr v4, Radarr), by C(name), with C(enabled), C(required), C(ignored) (terms),
        C(indexer_id), C(tags), C(state).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      enabled:
        description: Whether the profile applies.
        type: bool
      required:
        description: Terms a release must contain (any of them).
        type: list
        elements: str
      ignored:
        description: Terms a release must not contain.
        type: list
        elements: str
      indexer_id:
        description: Only for this indexer (its id; 0 is every indexer).
        type: int
      tags:
        description: Tags by label; omit to leave them alone.
        type: list
        elements: str
      state:
        description: V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
  app_profiles:
    description:
      - Prowlarr sync (app) profiles, by C(name), with C(enable_rss), C(enable_automatic_search),
        C(enable_interactive_search), C(minimum_seeders), C(state).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      enable_rss:
        description: Sync indexers for RSS.
        type: bool
      enable_automatic_search:
        description: Sync indexers for automatic search.
        type: bool
      enable_interactive_search:
        description: Sync indexers for interactive search.
        type: bool
      minimum_seeders:
        description: Fewest seeders a torrent result needs.
        type: int
      state:
        description: V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
  metadata_profiles:
    description:
      - Lidarr metadata profiles, by C(name), with the allowed C(primary_types), C(secondary_types) and
        C(release_statuses) by name, and C(state).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name, the natural key.
        type: str
        required: true
      primary_types:
        description: Allowed primary album types by name (V(Album), V(EP), V(Single), ...); the others are not allowed.
        type: list
        elements: str
      secondary_types:
        description: Allowed secondary album types by name (V(Studio), V(Live), ...).
        type: list
        elements: str
      release_statuses:
        description: Allowed release statuses by name (V(Official), ...).
        type: list
        elements: str
      state:
        description: V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
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
    choices: [verify, verify_all, always, on_create]
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
    CONNECTION_SPEC, SECRET_POLICIES, objects_spec, run_module,
)

ARGUMENT_SPEC = dict(CONNECTION_SPEC)
ARGUMENT_SPEC.update(objects_spec())
ARGUMENT_SPEC.update(
    config=dict(type='dict'),
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

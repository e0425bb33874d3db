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
    config sections, notifications, applications, indexers (so tags exist before they are used)."
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
  purge:
    description:
      - Collections in which objects not named here are deleted, by option name
        (V(tags), V(download_clients), V(indexers), V(notifications), V(root_folders),
        V(remote_path_mappings), V(applications), V(indexer_proxies)).
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
    purge=dict(type='list', elements='str', default=[]),
    force_save=dict(type='bool', default=False),
    secret_policy=dict(type='str', default='verify', choices=list(SECRET_POLICIES)),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_objects')


if __name__ == '__main__':
    main()

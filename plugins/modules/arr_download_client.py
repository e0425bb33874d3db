#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_download_client
short_description: Manage a download client in Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Creates, updates or deletes one download client, matched by O(name).
  - Any implementation the app's own C(/schema) offers (qBittorrent, SABnzbd, NZBGet, Transmission, ...),
    with its fields by the app's names.
  - The app tests the client before saving (it logs in to it); a failed test shows the app's
    message. O(force_save) saves anyway.
attributes:
  check_mode:
    support: full
    description: Reads the app and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed keys, secrets masked.
  idempotent:
    support: full
    description: A rerun with the same inputs reports no change (see O(secret_policy) for secrets).
options:
  priority:
    description: Client priority (1 is highest).
    type: int
  enable:
    description:
      - Whether the client is enabled. When not given, a new client is created enabled (the apps'
        templates say disabled; the web UI enables it), and an existing one keeps its setting.
    type: bool
extends_documentation_fragment:
  - homelab.mediastack.arr
  - homelab.mediastack.arr.provider
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: qBittorrent in Sonarr, category tv-sonarr
  homelab.mediastack.arr_download_client:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    name: qBittorrent
    implementation: QBittorrent
    fields:
      host: qbittorrent.example.com
      port: 8080
      username: admin
      password: "{{ vault_qbittorrent_password }}"
      tvCategory: tv-sonarr
    priority: 1
    tags: [streaming]

- name: NZBGet in Radarr, saved even if NZBGet is not up yet
  homelab.mediastack.arr_download_client:
    url: http://radarr.example.com:7878
    api_key: "{{ vault_radarr_api_key }}"
    name: NZBGet
    implementation: Nzbget
    fields: {host: nzbget.example.com, port: 6789, username: nzbget, password: "{{ vault_nzbget_password }}", movieCategory: movies}
    force_save: true

- name: Remove an old client
  homelab.mediastack.arr_download_client:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    name: Transmission
    state: absent
'''

RETURN = r'''
action:
  description: What was done, V(created), V(updated), V(deleted), V(unchanged) or V(absent).
  returned: always
  type: str
  sample: created
object:
  description: The object as the app holds it after the run (in check mode, as it would be sent); secrets masked.
  returned: when the object exists
  type: dict
app:
  description: The app detected at O(url) (V(sonarr), V(radarr), V(lidarr), V(prowlarr)).
  returned: always
  type: str
  sample: sonarr
version:
  description: The app's version.
  returned: always
  type: str
  sample: 4.0.19.2979
requests:
  description: Number of HTTP requests the task sent.
  returned: always
  type: int
  sample: 2
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import module_argument_spec, run_module

ARGUMENT_SPEC = module_argument_spec('arr_download_client')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_download_client')


if __name__ == '__main__':
    main()

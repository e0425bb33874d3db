#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_notification
short_description: Manage a Connect entry (notification) in Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Creates, updates or deletes one C(Connect) entry, matched by O(name), such as Jellyfin/Emby or
    Plex library updates on import, webhooks, and anything else the app's C(/schema) offers.
  - Triggers (C(onDownload), C(onUpgrade), ...) are top-level keys, given in O(extra).
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
extends_documentation_fragment:
  - homelab.mediastack.arr
  - homelab.mediastack.arr.provider
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Tell Jellyfin to rescan on import
  homelab.mediastack.arr_notification:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    name: Jellyfin
    implementation: MediaBrowser
    fields:
      host: jellyfin.example.com
      port: 8096
      apiKey: "{{ vault_jellyfin_api_key }}"
      updateLibrary: true
    extra:
      onDownload: true
      onUpgrade: true
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

ARGUMENT_SPEC = module_argument_spec('arr_notification')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_notification')


if __name__ == '__main__':
    main()

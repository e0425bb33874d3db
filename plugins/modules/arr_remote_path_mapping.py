#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_remote_path_mapping
short_description: Manage a remote path mapping in Sonarr, Radarr or Lidarr
version_added: 0.1.0
description:
  - Adds, changes or removes one remote path mapping, matched by O(host) and O(remote_path)
    (the app stores paths with a trailing slash; both forms compare equal).
  - Needed where the download client reports a path the app does not see as the same path;
    The role C(homelab.mediastack.arr_wiring) computes them from the storage layout.
attributes:
  check_mode:
    support: full
    description: Reads the app and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed keys, secrets masked.
  idempotent:
    support: full
    description: A rerun with the same inputs reports no change.
options:
  host:
    description: The download client's host exactly as in the download client's settings.
    type: str
    required: true
  remote_path:
    description: Path as the download client reports it.
    type: str
    required: true
  local_path:
    description: The same folder as the app sees it (must exist inside the app). Required with O(state=present).
    type: str
  state:
    description: V(absent) deletes it if it exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: qBittorrent saves to /downloads, Sonarr sees it as /data/torrents
  homelab.mediastack.arr_remote_path_mapping:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    host: qbittorrent.example.com
    remote_path: /downloads/
    local_path: /data/torrents/
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

ARGUMENT_SPEC = module_argument_spec('arr_remote_path_mapping')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_remote_path_mapping')


if __name__ == '__main__':
    main()

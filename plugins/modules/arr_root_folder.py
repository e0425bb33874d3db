#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_root_folder
short_description: Manage a root folder in Sonarr, Radarr or Lidarr
version_added: 0.1.0
description:
  - Adds or removes one root folder, matched by its path (a trailing slash does not matter).
  - The folder must exist and be writable inside the app (the app checks); the storage layer
    creates it.
  - Lidarr root folders also have a name and default profiles; when not given in O(extra),
    the name is the folder's last component and the first quality and metadata profiles are used.
  - Sonarr and Radarr cannot change a root folder in place; only Lidarr's O(extra) keys are updated.
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
  path:
    description: Folder path as the app sees it.
    type: str
    required: true
  extra:
    description: Other keys of the root folder (Lidarr, for example C(name), C(defaultQualityProfileId)).
    type: dict
    default: {}
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
- name: TV library
  homelab.mediastack.arr_root_folder:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    path: /data/media/tv
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

ARGUMENT_SPEC = module_argument_spec('arr_root_folder')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_root_folder')


if __name__ == '__main__':
    main()

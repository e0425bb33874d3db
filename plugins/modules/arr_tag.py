#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_tag
short_description: Manage a tag in Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Creates or deletes one tag, matched by its label. The apps store labels in lower case, so
    the label is compared and created in lower case.
  - Deleting a tag still in use fails with the app's message (HTTP 409).
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
  label:
    description: Tag label.
    type: str
    required: true
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
- name: The tag FlareSolverr and the indexers that need it share
  homelab.mediastack.arr_tag:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    label: flaresolverr
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

ARGUMENT_SPEC = module_argument_spec('arr_tag')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_tag')


if __name__ == '__main__':
    main()

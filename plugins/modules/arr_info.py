#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_info
short_description: Read the app, its version and its objects from Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Read-only. Detects the app and returns its current objects (secrets masked), for facts
    and verification.
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to compare.
  idempotent:
    support: full
    description: Read-only.
options:
  gather:
    description:
      - Collections to read, by API path (V(tag), V(downloadclient), V(indexer), V(notification),
        V(rootfolder), V(remotepathmapping), V(applications), V(indexerproxy), V(config/mediamanagement), ...).
      - Default is every object collection of the app; V([]) reads only the app and version.
    type: list
    elements: str
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: What does Prowlarr sync to?
  homelab.mediastack.arr_info:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    gather: [applications]
  register: prowlarr

- name: Show the application URLs
  ansible.builtin.debug:
    msg: "{{ prowlarr.objects.applications | map(attribute='fields') | flatten | selectattr('name', 'eq', 'baseUrl') | map(attribute='value') }}"
'''

RETURN = r'''
app:
  description: The app detected (V(sonarr), V(radarr), V(lidarr), V(prowlarr)).
  returned: always
  type: str
name:
  description: The app's name as it reports it.
  returned: always
  type: str
version:
  description: The app's version.
  returned: always
  type: str
api_version:
  description: API version used (V(v3) or V(v1)).
  returned: always
  type: str
objects:
  description: Collection path -> the objects (a dict for C(config/*)), secrets masked.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import (
    CONNECTION_SPEC, run_module,
)

ARGUMENT_SPEC = dict(CONNECTION_SPEC)
ARGUMENT_SPEC.update(
    gather=dict(type='list', elements='str'),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_info')


if __name__ == '__main__':
    main()

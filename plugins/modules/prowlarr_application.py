#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: prowlarr_application
short_description: Manage a Prowlarr application (indexer sync to Sonarr, Radarr or Lidarr)
version_added: 0.1.0
description:
  - Creates, updates or deletes one application in Prowlarr, matched by O(name).
  - Fields are Prowlarr's own names, for example C(prowlarrUrl) (how the app reaches
    Prowlarr), C(baseUrl) (how Prowlarr reaches the app), C(apiKey) (the app's key),
    C(syncCategories).
  - A stale C(baseUrl) (an app that moved host) is put back on the next run.
  - An application with tags syncs only indexers sharing a tag; one without tags syncs all.
  - Prowlarr tests the application (it calls the app) on every save, so nothing is written
    unless something differs.
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
  sync_level:
    description: C(syncLevel), V(disabled), V(addOnly) or V(fullSync) (the schema's default is V(addOnly)).
    type: str
    choices: [disabled, addOnly, fullSync]
extends_documentation_fragment:
  - homelab.mediastack.arr
  - homelab.mediastack.arr.provider
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Prowlarr syncs its indexers to Sonarr
  homelab.mediastack.prowlarr_application:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    name: Sonarr
    implementation: Sonarr
    sync_level: fullSync
    fields:
      prowlarrUrl: http://prowlarr.example.com:9696
      baseUrl: http://sonarr.example.com:8989
      apiKey: "{{ vault_sonarr_api_key }}"
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

ARGUMENT_SPEC = module_argument_spec('prowlarr_application')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'prowlarr_application')


if __name__ == '__main__':
    main()

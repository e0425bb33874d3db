#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_indexer
short_description: Manage an indexer in Prowlarr, or a direct indexer in Sonarr, Radarr or Lidarr
version_added: 0.1.0
description:
  - Creates, updates or deletes one indexer, matched by O(name).
  - In Prowlarr, O(implementation) is for example V(Cardigann) (with O(definition), the
    definition's name), V(Newznab) or V(Torznab); indexers that share a tag with the
    FlareSolverr proxy go through it.
  - In Sonarr, Radarr and Lidarr these are the direct indexers (Newznab, Torznab, ...).
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
    description: Indexer priority (1 highest, 50 lowest).
    type: int
  enable:
    description:
      - Whether the indexer is enabled. In Sonarr, Radarr and Lidarr this sets RSS, automatic
        search and interactive search together (C(enableRss), C(enableAutomaticSearch),
        C(enableInteractiveSearch); those the indexer supports); set them one by one with O(extra).
      - When not given, a new indexer is created enabled (the apps' templates are disabled; the web
        UI enables them), and an existing one keeps its setting.
    type: bool
  definition:
    description:
      - When several schema templates share O(implementation) (Prowlarr has one per preset,
        V(Generic Newznab), V(NZBgeek), ..., and the Cardigann definitions), the one whose name
        (or C(definitionName)) is this. Default V(Generic <implementation>); an unknown name
        fails and lists the presets.
    type: str
  app_profile:
    description:
      - Prowlarr only. The sync profile (Settings > Apps > Sync Profiles) by name. Prowlarr refuses
        an indexer without one (its templates carry id 0); default on create, the first profile.
    type: str
extends_documentation_fragment:
  - homelab.mediastack.arr
  - homelab.mediastack.arr.provider
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: A Torznab indexer in Prowlarr behind FlareSolverr
  homelab.mediastack.arr_indexer:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    name: Example Torznab
    implementation: Torznab
    fields:
      baseUrl: https://indexer.example.com
      apiKey: "{{ vault_indexer_api_key }}"
    tags: [flaresolverr]
    extra:
      appProfileId: 1
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

ARGUMENT_SPEC = module_argument_spec('arr_indexer')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_indexer')


if __name__ == '__main__':
    main()

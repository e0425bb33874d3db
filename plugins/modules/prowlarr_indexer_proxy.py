#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: prowlarr_indexer_proxy
short_description: Manage a Prowlarr indexer proxy (FlareSolverr, HTTP, SOCKS)
version_added: 0.1.0
description:
  - Creates, updates or deletes one indexer proxy in Prowlarr, matched by O(name).
  - A proxy applies to an indexer only when they share at least one tag, so give the proxy a
    tag (O(tags)) and the same tag to the indexers that need it.
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
- name: FlareSolverr for the indexers tagged flaresolverr
  homelab.mediastack.prowlarr_indexer_proxy:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    name: FlareSolverr
    implementation: FlareSolverr
    fields:
      host: http://flaresolverr.example.com:8191/
    tags: [flaresolverr]
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

ARGUMENT_SPEC = module_argument_spec('prowlarr_indexer_proxy')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'prowlarr_indexer_proxy')


if __name__ == '__main__':
    main()

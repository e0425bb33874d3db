#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_config
short_description: Manage one settings section of Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Sets the given keys of one C(/config/<section>) object; all other keys keep their value
    (the whole object is read and written back, because the apps save omitted booleans as false).
  - Keys are the app's own names (as C(GET /api/v3/config/<section>) spells them); an unknown
    key fails and lists the valid ones.
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
  section:
    description: Settings section.
    type: str
    required: true
    choices: [mediamanagement, naming, host, ui, downloadclient, indexer]
  settings:
    description: Keys to set, by the app's own names.
    type: dict
    required: true
  secret_policy:
    description:
      - For secret keys (C(password), C(apiKey), C(proxyPassword)) the app returns masked. V(verify),
        V(verify_all) and V(on_create) leave a masked stored value alone (the config endpoints have no
        test); V(always) sends it on every run.
      - The web UI password in section C(host) is write-only (the app returns its hash); it is set when
        no user exists yet, or on every run with V(always); it is sent with its C(passwordConfirmation).
    type: str
    choices: [verify, verify_all, always, on_create]
    default: verify
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Hardlinks instead of copies (downloads and library share a filesystem)
  homelab.mediastack.arr_config:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    section: mediamanagement
    settings:
      copyUsingHardlinks: true
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

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import (
    CONNECTION_SPEC, SECRET_POLICIES, run_module,
)

ARGUMENT_SPEC = dict(CONNECTION_SPEC)
ARGUMENT_SPEC.update(
    section=dict(type='str', required=True, choices=['mediamanagement', 'naming', 'host', 'ui', 'downloadclient', 'indexer']),
    settings=dict(type='dict', required=True),
    secret_policy=dict(type='str', default='verify', choices=list(SECRET_POLICIES)),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_config')


if __name__ == '__main__':
    main()

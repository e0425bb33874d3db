#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_command
short_description: Run a command in Sonarr, Radarr, Lidarr or Prowlarr
version_added: 0.1.0
description:
  - Posts a command (C(ApplicationIndexerSync), C(RescanSeries), C(RefreshMovie), ...) to
    C(/command) and optionally waits until it has completed or failed.
  - Always reports a change (a command is an action); in check mode nothing is sent.
attributes:
  check_mode:
    support: full
    description: Sends nothing and reports a change.
  diff_mode:
    support: none
    description: Nothing to compare.
  idempotent:
    support: none
    description: A command is an action; every run sends it again.
options:
  name:
    description: Command name, as the app spells it.
    type: str
    required: true
  body:
    description: Further keys of the command body, for example C(forceSync) or C(seriesId).
    type: dict
    default: {}
  wait:
    description: Wait until the command has completed; a failed command fails the task.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 120
  poll_interval:
    description: Seconds between polls.
    type: int
    default: 1
  check_apps:
    description:
      - With C(ApplicationIndexerSync) in Prowlarr, after the command completed, check that each of
        these apps holds Prowlarr's indexers. Prowlarr's command completes even when pushing to an
        app failed, so this is the only proof; an app with none of them fails the task, naming it.
      - Each app is matched to its Prowlarr application by base URL (or O(check_apps[].name)).
    type: list
    elements: dict
    suboptions:
      name:
        description: The application's name in Prowlarr (when its base URL differs from O(check_apps[].url)).
        type: str
      url:
        description: The app's URL, as the application's base URL names it.
        type: str
        required: true
      api_key:
        description: The app's API key.
        type: str
        required: true
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Push Prowlarr's indexers to the apps now
  homelab.mediastack.arr_command:
    url: http://prowlarr.example.com:9696
    api_key: "{{ vault_prowlarr_api_key }}"
    name: ApplicationIndexerSync
    check_apps:
      - url: http://sonarr.example.com:8989
        api_key: "{{ vault_sonarr_api_key }}"
    body:
      forceSync: true
'''

RETURN = r'''
command:
  description: The command as the app reports it (after waiting, its final state).
  returned: always
  type: dict
apps:
  description: With O(check_apps), per app the number of Prowlarr indexers for it and how many it holds.
  returned: when O(check_apps) is given and the sync completed
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import (
    CONNECTION_SPEC, run_module,
)

ARGUMENT_SPEC = dict(CONNECTION_SPEC)
ARGUMENT_SPEC.update(
    name=dict(type='str', required=True),
    body=dict(type='dict', default={}),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=120),
    poll_interval=dict(type='int', default=1),
    check_apps=dict(type='list', elements='dict', options=dict(
        name=dict(type='str'),
        url=dict(type='str', required=True),
        api_key=dict(type='str', required=True, no_log=True),
    )),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, 'arr_command')


if __name__ == '__main__':
    main()

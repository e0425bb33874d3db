#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: qbittorrent_preferences
short_description: Set qBittorrent WebUI preferences (only the keys given)
version_added: 0.1.0
description:
  - Reads C(/api/v2/app/preferences), compares only the keys given in O(preferences) and sends
    the changed ones to C(/api/v2/app/setPreferences). Other preferences are left alone.
  - Key names are those of the WebUI API (C(save_path), C(temp_path), C(temp_path_enabled),
    C(listen_port), C(max_ratio), C(max_ratio_enabled), C(max_ratio_act), C(web_ui_username), ...).
    Values are compared with the types qBittorrent answers, so V("8080") equals V(8080).
  - The WebUI password cannot be read back; O(web_ui_password) is treated as in place when a
    login with it works (the connection login itself, or one extra login on a separate session).
extends_documentation_fragment:
  - homelab.mediastack.qbittorrent
attributes:
  check_mode:
    support: full
    description: Reads the preferences and reports what would change. Checking O(web_ui_password) may log in once with it.
  diff_mode:
    support: full
    description: Before/after of the managed keys; password values are masked.
  idempotent:
    support: full
    description: A second run with the same preferences reports no change.
options:
  preferences:
    description:
      - Preferences to set, as the WebUI API names them. Unknown keys fail the task (nothing is sent).
      - Paths are compared without a trailing slash, as qBittorrent stores them.
    type: dict
    default: {}
  web_ui_password:
    description:
      - New WebUI password (kept out of logs). When the connection O(password) fails and this one
        works, the password is already in place (a re-run after the change).
    type: str
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Download to the shared tree, seed to ratio 2, fixed listen port
  homelab.mediastack.qbittorrent_preferences:
    url: http://qbittorrent.example.com:8080
    username: admin
    password: "{{ vault_qbittorrent_password }}"
    preferences:
      save_path: /data/torrents
      temp_path_enabled: false
      listen_port: 6881
      random_port: false
      max_ratio_enabled: true
      max_ratio: 2
      max_ratio_act: 0

- name: Change the WebUI password (next runs log in with the new one)
  homelab.mediastack.qbittorrent_preferences:
    url: http://qbittorrent.example.com:8080
    password: "{{ vault_qbittorrent_old_password }}"
    web_ui_password: "{{ vault_qbittorrent_password }}"
'''

RETURN = r'''
changes:
  description: Names of the preferences changed (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [save_path, listen_port]
preferences:
  description: The managed preferences after the run (secrets masked).
  returned: always
  type: dict
  sample: {save_path: /data/torrents, listen_port: 6881}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._qbittorrent import (
    SECRET_PREFERENCES, client_from_params, connection_argument_spec, normalize_path, unknown_preferences,
    validate_preferences)
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import mask_values, reconcile


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        preferences=dict(type='dict', default={}),
        web_ui_password=dict(type='str', no_log=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    wanted = dict(module.params['preferences'])
    new_password = module.params['web_ui_password']
    for key in SECRET_PREFERENCES:
        if wanted.get(key):
            module.no_log_values.add(str(wanted[key]))
    error = validate_preferences(wanted)
    if error:
        module.fail_json(msg=error)
    for key in ('save_path', 'temp_path', 'export_dir', 'export_dir_fin'):
        if wanted.get(key):
            wanted[key] = normalize_path(wanted[key])

    client = client_from_params(module.params, secrets=[new_password or ''])
    try:
        used = client.login(fallback_passwords=[new_password] if new_password else [])
        current = client.preferences()
        unknown = unknown_preferences(current, wanted)
        if unknown:
            module.fail_json(msg='qBittorrent at %s has no preference named %s (qBittorrent %s). Use the key names '
                                 'of GET /api/v2/app/preferences.' % (client.url, ', '.join(unknown), client.version()))
        state = dict(current)
        if new_password:
            # The password is not readable: it is in place when a login with it works.
            in_place = used == new_password or client.password_works(
                wanted.get('web_ui_username', current.get('web_ui_username')), new_password)
            state['web_ui_password'] = new_password if in_place else None
            wanted['web_ui_password'] = new_password
        result = reconcile(state, wanted, apply=client.set_preferences, check_mode=module.check_mode,
                           secret_keys=SECRET_PREFERENCES)
    except ApiError as exc:
        module.fail_json(msg='Failed to set qBittorrent preferences: %s' % exc)
    module.exit_json(changed=result['changed'], changes=result['changes'],
                     preferences=mask_values(result['after'], SECRET_PREFERENCES), diff=result['diff'])


if __name__ == '__main__':
    main()

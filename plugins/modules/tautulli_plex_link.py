#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tautulli_plex_link
short_description: Link Tautulli to a Plex server in Tautulli's config.ini
version_added: 0.2.0
description:
  - Tautulli's API has no settings write, so the link its setup wizard makes is written into its
    C(config.ini) (Tautulli's own keys, C(plexpy/config.py)) - C(pms_ip), C(pms_port), C(pms_ssl)
    from O(plex_url), C(pms_token) from O(token) and C(pms_identifier), the machine identifier Plex
    answers at C(GET /identity) at O(identity_url) (what the wizard's C(get_server_id) reads).
  - With O(password), also the login the wizard asks for (C(http_username), C(http_password) as
    Tautulli's PBKDF2 hash, kept while it matches) and C(first_run_complete = 1), so the wizard is
    done. Without it the wizard still opens, with the Plex server filled in.
  - C(pms_url) and C(pms_is_remote) are left to Tautulli, which works them out at every start.
  - Tautulli writes its whole config from memory when it stops; write the file while it is stopped.
  - When Plex does not answer at O(identity_url) the module warns and changes nothing (run it again
    once Plex is up).
  - Every other line of the file is kept; a missing file is created.
  - Without O(path) nothing is written; the module only reads Plex's identifier (for the kubernetes
    runtime of the media_apps role, whose seed step writes the same keys before Tautulli starts).
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reads Plex's identity and the file and reports what would change; nothing is written.
  diff_mode:
    support: full
    description: Before/after of the managed keys; the token and the password hash masked.
  idempotent:
    support: full
    description: A second run with the same values reports no change.
options:
  path:
    description:
      - Tautulli's C(config.ini) (C(<config folder>/config.ini)).
      - Omitted, only Plex's identifier is read and returned (nothing is written, never changed).
    type: path
  plex_url:
    description:
      - Plex as Tautulli reaches it, V(http://plex:32400) in a Compose stack (its service name).
      - The scheme gives C(pms_ssl); the port defaults to 32400.
    type: str
    required: true
  identity_url:
    description:
      - Plex as the host running this module reaches it, for reading C(/identity), for example
        V(http://127.0.0.1:32400) on the Compose host where Plex publishes its port.
    type: str
    required: true
  token:
    description: The server owner's Plex token (C(X-Plex-Token)), vaulted.
    type: str
    required: true
  username:
    description: Tautulli's login name (used with O(password)).
    type: str
    default: admin
  password:
    description:
      - Tautulli's login password, vaulted. When given, the login is written and the wizard marked done.
    type: str
  validate_certs:
    description: Verify the TLS certificate of O(identity_url).
    type: bool
    default: true
  timeout:
    description: Seconds for the identity request (and for retrying a refused connection).
    type: int
    default: 10
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Link Tautulli to Plex (Tautulli stopped)
  homelab.mediastack.tautulli_plex_link:
    path: /srv/mediastack/config/tautulli/config.ini
    plex_url: http://plex:32400
    identity_url: http://127.0.0.1:32400
    token: "{{ vault_plex_token }}"
    password: "{{ vault_tautulli_password }}"
    owner: "2000"
    group: "2000"
    mode: "0600"

- name: Read Plex's identifier only (nothing written)
  homelab.mediastack.tautulli_plex_link:
    plex_url: http://plex:32400
    identity_url: http://192.0.2.40:32400
    token: "{{ vault_plex_token }}"
  register: plex_link
'''

RETURN = r'''
linked:
  description: Whether Plex answered with its identifier (false when it did not; nothing was written).
  returned: always
  type: bool
identifier:
  description: Plex's machine identifier (C(pms_identifier)).
  returned: when Plex answered
  type: str
changed_keys:
  description: The C(section.key) names written (or that would be); empty without O(path).
  returned: always
  type: list
  elements: str
  sample: [PMS.pms_identifier, General.first_run_complete]
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._plex import PlexClient
from ansible_collections.homelab.mediastack.plugins.module_utils._tautulli import (
    changes, diff, plex_address, read_ini, set_ini, wanted_settings)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path'),
            plex_url=dict(type='str', required=True),
            identity_url=dict(type='str', required=True),
            token=dict(type='str', required=True, no_log=True),
            username=dict(type='str', default='admin'),
            password=dict(type='str', no_log=True),
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=10),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    p = module.params
    try:
        plex_address(p['plex_url'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if not p['token']:
        module.fail_json(msg='token is empty: set the Plex token (mediastack_plex_token, vaulted)')
    if p['password'] and not p['username']:
        module.fail_json(msg='username is empty: Tautulli needs a login name with the password')

    try:
        identifier = PlexClient(p['identity_url'], p['token'], p['validate_certs'], p['timeout']).identity()
    except ApiError as exc:
        module.warn('Tautulli is not linked to Plex yet: Plex did not answer at %s/identity (%s). Run again once '
                    'Plex is up; if Plex runs, set identity_url to the address this host reaches it at.'
                    % (p['identity_url'].rstrip('/'), exc))
        module.exit_json(changed=False, linked=False, changed_keys=[])
    if not identifier:
        module.warn('Tautulli is not linked to Plex yet: %s/identity has no machineIdentifier (is it Plex?). '
                    'Check identity_url.' % p['identity_url'].rstrip('/'))
        module.exit_json(changed=False, linked=False, changed_keys=[])

    path = p['path']
    if not path:
        module.exit_json(changed=False, linked=True, identifier=identifier, changed_keys=[])
    text = ''
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            text = to_text(handle.read(), errors='surrogate_or_strict')
    current = read_ini(text)
    settings = wanted_settings(p['plex_url'], p['token'], identifier, p['username'], p['password'], current)
    todo = changes(current, settings)
    changed = bool(todo)
    if todo and not module.check_mode:
        folder = os.path.dirname(path) or '.'
        handle, tmp = tempfile.mkstemp(dir=folder, prefix='.config.ini.')
        with os.fdopen(handle, 'wb') as out:
            out.write(to_bytes(set_ini(text, todo)))
        module.atomic_move(tmp, path)
    if os.path.exists(path) or not module.check_mode:
        file_args = module.load_file_common_arguments(p, path=path)
        changed = module.set_fs_attributes_if_different(file_args, changed)
    module.exit_json(changed=changed, linked=True, identifier=identifier,
                     changed_keys=['%s.%s' % (s, k) for s, k, _v in todo], diff=diff(current, settings))


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: plex_library
short_description: Manage a Plex library (section), its type and its folders
version_added: 0.2.0
description:
  - Creates the library with its type, agent, scanner and folders (C(POST /library/sections)), adds missing
    folders (C(PUT /library/sections/<key>) with every folder), removes folders not listed when O(purge_paths)
    is set, and removes the library with O(state=absent). Other libraries are never touched.
  - Plex cannot change the type of a library; a different O(type) fails with a message (remove the library first).
  - Folders are paths on the Plex host (or in its container).
options:
  url:
    description:
      - Plex Media Server as the controller reaches it, for example V(http://plex.example.com:32400).
      - Falls back to the E(PLEX_URL) environment variable.
    type: str
    required: true
  token:
    description:
      - The server owner's Plex token (C(X-Plex-Token)), vaulted.
      - Falls back to the E(PLEX_TOKEN) environment variable.
    type: str
    required: true
  validate_certs:
    description: Verify the TLS certificate of O(url).
    type: bool
    default: true
  timeout:
    description: Seconds for one request (and for retrying a refused connection while Plex starts).
    type: int
    default: 30
  name:
    description: Library name (its title).
    type: str
    required: true
  type:
    description: Content type of the library (needed to create it).
    type: str
    choices: [artist, movie, photo, show]
  agent:
    description: Metadata agent for a new library; default Plex's own for the type (V(tv.plex.agents.movie), ...).
    type: str
  scanner:
    description: Scanner for a new library; default Plex's own for the type (V(Plex Movie), ...).
    type: str
  language:
    description: Metadata language for a new library.
    type: str
    default: en-US
  paths:
    description: Folders of the library, for example V(/data/media/movies).
    type: list
    elements: path
    default: []
  purge_paths:
    description: Remove the library's folders that are not in O(paths).
    type: bool
    default: false
  state:
    description: V(absent) removes the library (Plex's metadata of it; the media files stay).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the libraries and reports what would change.
  diff_mode:
    support: full
    description: Before/after of the library (name, type, agent, scanner, language, folders).
  idempotent:
    support: full
    description: A second run with the same library reports no change.
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: A Movies library on the media tree
  homelab.mediastack.plex_library:
    url: http://plex.example.com:32400
    token: "{{ vault_plex_token }}"
    name: Movies
    type: movie
    paths: [/data/media/movies]

- name: Remove a library
  homelab.mediastack.plex_library:
    url: http://plex.example.com:32400
    token: "{{ vault_plex_token }}"
    name: Old
    state: absent
'''

RETURN = r'''
actions:
  description: What was done (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["create library Movies (movie) with /data/media/movies"]
library:
  description: The library after the run (empty when absent).
  returned: always
  type: dict
  sample: {name: Movies, type: movie, agent: tv.plex.agents.movie, scanner: Plex Movie, language: en-US,
           paths: [/data/media/movies]}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._plex import (
    SECTION_TYPES, client_from_params, connection_argument_spec, normalize_path, plan_section, section_view)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        type=dict(type='str', choices=sorted(SECTION_TYPES)),
        agent=dict(type='str'),
        scanner=dict(type='str'),
        language=dict(type='str', default='en-US'),
        paths=dict(type='list', elements='path', default=[]),
        purge_paths=dict(type='bool', default=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    name = p['name']
    paths = [normalize_path(x) for x in p['paths']]
    bad = [x for x in paths if not x.startswith('/')]
    if bad:
        module.fail_json(msg='Library folders must be absolute paths on the Plex host: %s' % ', '.join(bad))
    actions = []
    try:
        client = client_from_params(p)
        found = next((s for s in client.sections() if s.get('title') == name), None)
        before = section_view(found) if found else {}
        after = dict(before)
        if p['state'] == 'absent':
            if found:
                actions.append('remove library %s' % name)
                after = {}
                if not module.check_mode:
                    client.remove_section(found['key'])
        else:
            if not found and not p['type']:
                module.fail_json(msg='Library %s does not exist: give type (movie, show, artist, photo) to create it'
                                     % name)
            agent, scanner = SECTION_TYPES[p['type']] if p['type'] else (None, None)
            wanted = dict(name=name, type=p['type'], agent=p['agent'] or agent, scanner=p['scanner'] or scanner,
                          language=p['language'], paths=paths)
            action, new_paths, error = plan_section(before or None, wanted, p['purge_paths'])
            if error:
                module.fail_json(msg=error)
            if action == 'create':
                actions.append('create library %s (%s) with %s' % (name, p['type'], ', '.join(paths) or 'no folder'))
                after = dict(wanted)
                if not module.check_mode:
                    client.add_section(name, p['type'], wanted['agent'], wanted['scanner'], p['language'], paths)
            elif action == 'update':
                added = [x for x in new_paths if x not in before['paths']]
                removed = [x for x in before['paths'] if x not in new_paths]
                actions.extend(['add folder %s' % x for x in added] + ['remove folder %s' % x for x in removed])
                after['paths'] = new_paths
                if not module.check_mode:
                    client.set_locations(found['key'], before['agent'], new_paths)
        if actions and not module.check_mode and p['state'] == 'present':
            found = next((s for s in client.sections() if s.get('title') == name), None)
            after = section_view(found) if found else after
    except ApiError as exc:
        module.fail_json(msg='Failed to %s Plex library %s: %s' % (
            'remove' if p['state'] == 'absent' else 'set', name, exc), actions=actions)
    module.exit_json(changed=bool(actions), actions=actions, library=after, diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: jellyfin_library
short_description: Manage a Jellyfin library (virtual folder), its type and its paths
version_added: 0.1.0
description:
  - Creates the library with its type and paths (C(POST /Library/VirtualFolders)), adds missing
    paths (C(POST /Library/VirtualFolders/Paths)), removes paths not listed when O(purge_paths)
    is set, and removes the library with O(state=absent). Other libraries are never touched.
  - Jellyfin cannot change the type of a library; a different O(collection_type) fails with a
    message (remove the library first).
  - Paths are paths on the Jellyfin host (or in its container) and must exist there.
extends_documentation_fragment:
  - homelab.mediastack.jellyfin
attributes:
  check_mode:
    support: full
    description: Reads the libraries and reports what would change.
  diff_mode:
    support: full
    description: Before/after of the library (name, type, paths).
  idempotent:
    support: full
    description: A second run with the same library reports no change.
options:
  name:
    description: Library name.
    type: str
    required: true
  collection_type:
    description: Content type of the library (needed to create it).
    type: str
    choices: [movies, tvshows, music, musicvideos, homevideos, boxsets, books, mixed]
  paths:
    description: Folders of the library, for example V(/data/media/movies).
    type: list
    elements: path
    default: []
  purge_paths:
    description: Remove the library's paths that are not in O(paths).
    type: bool
    default: false
  refresh:
    description: Ask Jellyfin to scan the library after a change.
    type: bool
    default: false
  state:
    description: V(absent) removes the library (Jellyfin's metadata of it; the media files stay).
    type: str
    choices: [present, absent]
    default: present
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: The TV library the *arr root folder feeds
  homelab.mediastack.jellyfin_library:
    url: http://jellyfin.example.com:8096
    api_key: "{{ vault_jellyfin_api_key }}"
    name: Shows
    collection_type: tvshows
    paths: [/data/media/tv]

- name: Movies from one folder only (drop the old one)
  homelab.mediastack.jellyfin_library:
    url: http://jellyfin.example.com:8096
    username: admin
    password: "{{ vault_jellyfin_admin_password }}"
    name: Movies
    collection_type: movies
    paths: [/data/media/movies]
    purge_paths: true
'''

RETURN = r'''
library:
  description: The library after the run (C({}) when absent).
  returned: always
  type: dict
  sample: {name: Shows, collection_type: tvshows, paths: [/data/media/tv]}
actions:
  description: What was done (or would be), in order.
  returned: always
  type: list
  elements: str
  sample: ["add path /data/media/tv"]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._jellyfin import (
    COLLECTION_TYPES, client_from_params, connection_argument_spec, library_view, normalize_path, plan_library_paths)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        collection_type=dict(type='str', choices=COLLECTION_TYPES),
        paths=dict(type='list', elements='path', default=[]),
        purge_paths=dict(type='bool', default=False),
        refresh=dict(type='bool', default=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_one_of=[('api_key', 'username')], required_together=[('username', 'password')])
    p = module.params
    name, refresh = p['name'], p['refresh']
    paths = [normalize_path(x) for x in p['paths']]
    bad = [x for x in paths if not x.startswith('/')]
    if bad:
        module.fail_json(msg='Library paths must be absolute paths on the Jellyfin host: %s' % ', '.join(bad))
    actions = []
    try:
        client = client_from_params(p)
        found = next((f for f in client.libraries() if f.get('Name') == name), None)
        before = library_view(found) if found else {}
        after = dict(before)
        if p['state'] == 'absent':
            if found:
                actions.append('remove library %s' % name)
                after = {}
                if not module.check_mode:
                    client.remove_library(name, refresh)
        elif not found:
            if not p['collection_type']:
                module.fail_json(msg='Library %s does not exist: give collection_type to create it' % name)
            actions.append('create library %s (%s) with %s' % (name, p['collection_type'], ', '.join(paths) or 'no path'))
            after = dict(name=name, collection_type=p['collection_type'], paths=paths)
            if not module.check_mode:
                client.add_library(name, p['collection_type'], paths, refresh)
        else:
            if p['collection_type'] and before['collection_type'] != p['collection_type']:
                module.fail_json(msg='Library %s is of type %s, not %s; Jellyfin cannot change the type of a library. '
                                     'Remove it (state=absent) and create it again.' % (
                                         name, before['collection_type'], p['collection_type']))
            to_add, to_remove = plan_library_paths(before['paths'], paths, p['purge_paths'])
            after['paths'] = [x for x in before['paths'] if x not in to_remove] + to_add
            for path in to_add:
                actions.append('add path %s' % path)
                if not module.check_mode:
                    client.add_path(name, path, refresh)
            for path in to_remove:
                actions.append('remove path %s' % path)
                if not module.check_mode:
                    client.remove_path(name, path, refresh)
        if actions and not module.check_mode and p['state'] == 'present':
            found = next((f for f in client.libraries() if f.get('Name') == name), None)
            after = library_view(found) if found else after
    except ApiError as exc:
        module.fail_json(msg='Failed to %s Jellyfin library %s: %s' % (
            'remove' if p['state'] == 'absent' else 'set', name, exc), actions=actions)
    module.exit_json(changed=bool(actions), actions=actions, library=after, diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()

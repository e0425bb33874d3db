#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: qbittorrent_category
short_description: Create, update or remove a qBittorrent category and its save path
version_added: 0.1.0
description:
  - Creates the category with C(/api/v2/torrents/createCategory), changes its save path with
    C(editCategory), removes it with C(removeCategories) when O(state=absent).
  - The *arr apps put their downloads in a category each (Sonarr C(tv-sonarr), Radarr C(radarr), ...);
    giving the category a save path under the shared tree (C(/data/torrents/tv)) keeps hardlinks possible.
extends_documentation_fragment:
  - homelab.mediastack.qbittorrent
attributes:
  check_mode:
    support: full
    description: Reads the categories and reports what would change.
  diff_mode:
    support: full
    description: Before/after of the category.
  idempotent:
    support: full
    description: A second run with the same category reports no change.
options:
  name:
    description: Category name (qBittorrent allows C(/) for sub-categories; no leading or trailing slash).
    type: str
    required: true
  save_path:
    description:
      - Save path of the category. Compared without a trailing slash, as qBittorrent stores it.
      - Omitted, the save path of an existing category is left as it is, and a new category gets
        none (qBittorrent then uses C(<default save path>/<name>)).
    type: str
  state:
    description: V(absent) removes the category (torrents in it keep their files and lose the category).
    type: str
    choices: [present, absent]
    default: present
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Category Sonarr downloads into
  homelab.mediastack.qbittorrent_category:
    url: http://qbittorrent.example.com:8080
    password: "{{ vault_qbittorrent_password }}"
    name: tv-sonarr
    save_path: /data/torrents/tv

- name: Set the connection once for a group of tasks
  module_defaults:
    group/homelab.mediastack.qbittorrent:
      url: http://qbittorrent.example.com:8080
      password: "{{ vault_qbittorrent_password }}"
  block:
    - name: Category Radarr downloads into
      homelab.mediastack.qbittorrent_category:
        name: radarr
        save_path: /data/torrents/movies
'''

RETURN = r'''
category:
  description: The category after the run (C({}) when absent).
  returned: always
  type: dict
  sample: {name: tv-sonarr, savePath: /data/torrents/tv}
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._qbittorrent import (
    client_from_params, connection_argument_spec, normalize_path)

# qBittorrent's rule (BitTorrent::Session::isValidCategoryName): no empty parts, no leading/trailing slash.
NAME = re.compile(r'^([^\\/]+)(/[^\\/]+)*$')


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        save_path=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    name, state = module.params['name'], module.params['state']
    save_path = module.params['save_path']
    if not NAME.match(name or ''):
        module.fail_json(msg='Invalid category name %r: it must not be empty, start or end with "/", contain '
                             '"//" or a backslash.' % name)
    if save_path is not None:
        save_path = normalize_path(save_path)

    client = client_from_params(module.params)
    try:
        client.login()
        have = client.categories().get(name)
        before = dict(have) if have else {}
        after = dict(before)
        if state == 'absent':
            after = {}
            action = have and client.remove_category
        elif have is None:
            after = dict(name=name, savePath=save_path or '')
            action = client.create_category
        elif save_path is not None and normalize_path(have.get('savePath', '')) != save_path:
            after['savePath'] = save_path
            action = client.edit_category
        else:
            action = None
        changed = bool(action)
        if changed and not module.check_mode:
            if state == 'absent':
                action(name)
            else:
                action(name, save_path)
                after = client.categories().get(name, after)
    except ApiError as exc:
        module.fail_json(msg='Failed to %s qBittorrent category %s: %s' % (
            'remove' if state == 'absent' else 'set', name, exc))
    module.exit_json(changed=changed, category=after, diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nzbget_config
short_description: Set NZBGet options and categories through its JSON-RPC API
version_added: 0.1.0
description:
  - Reads the config file with C(loadconfig), overlays the options and categories given, writes
    it back with C(saveconfig) and applies it with C(reload) (NZBGet restarts its server; the
    module waits until it answers again).
  - NZBGet's C(saveconfig) replaces the whole file with the list it is sent, so the module
    always sends every option of the file; options and categories not given are kept as they are.
  - Categories are matched by name without case (as NZBGet does). New ones get the next free
    number; with O(purge_categories) the others are removed and the rest renumbered from 1.
extends_documentation_fragment:
  - homelab.mediastack.nzbget
attributes:
  check_mode:
    support: full
    description: Reads the config and reports what would change; nothing is saved or reloaded.
  diff_mode:
    support: full
    description: Before/after of the managed options and of all categories; password and username values masked.
  idempotent:
    support: full
    description: A second run with the same options and categories reports no change (and does not reload).
options:
  settings:
    description:
      - NZBGet options by name (as in C(nzbget.conf)), for example C(MainDir), C(DestDir), C(ArticleCache).
      - Values are written as NZBGet keeps them (strings); V(true)/V(false) become C(yes)/C(no),
        lists are joined with commas.
      - Changing C(ControlPassword) or C(ControlPort) here changes what later runs must connect with.
    type: dict
    default: {}
  categories:
    description: Categories to have.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Category name (the *arr apps send it with each download).
        type: str
        required: true
      dest_dir:
        description: Destination directory (C(CategoryN.DestDir)); empty means C(DestDir)/<name>.
        type: str
      unpack:
        description: Unpack downloads of this category (C(CategoryN.Unpack)).
        type: bool
      extensions:
        description: Extension scripts for this category (C(CategoryN.Extensions)).
        type: list
        elements: str
      aliases:
        description: Other category names that map to this one (C(CategoryN.Aliases)).
        type: list
        elements: str
  purge_categories:
    description: Remove the categories not in O(categories) (NZBGet's default Movies/Series/Music/Software, say).
    type: bool
    default: false
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Usenet downloads into the shared tree, one category per *arr app
  homelab.mediastack.nzbget_config:
    url: http://nzbget.example.com:6789
    username: nzbget
    password: "{{ vault_nzbget_password }}"
    settings:
      MainDir: /data/usenet
      DestDir: /data/usenet/complete
      InterDir: /data/usenet/incomplete
    categories:
      - name: tv
        dest_dir: /data/usenet/tv
      - name: movies
        dest_dir: /data/usenet/movies
    purge_categories: true
'''

RETURN = r'''
changed_options:
  description: Names of the options changed (or that would be).
  returned: always
  type: list
  elements: str
categories:
  description: The categories after the run, in NZBGet's order.
  returned: always
  type: list
  elements: dict
  sample: [{name: tv, dest_dir: /data/usenet/tv}]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._nzbget import (
    as_string_map, client_from_params, connection_argument_spec, entries_differ, is_secret_option, mask_options,
    plan_config)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        settings=dict(type='dict', default={}),
        categories=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            dest_dir=dict(type='str'),
            unpack=dict(type='bool'),
            extensions=dict(type='list', elements='str'),
            aliases=dict(type='list', elements='str'),
        )),
        purge_categories=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    options = module.params['settings']
    for name, value in options.items():
        if is_secret_option(name) and value:
            module.no_log_values.add(str(value))
    try:
        as_string_map(options)
    except ValueError as exc:
        module.fail_json(msg=to_native(exc))

    client = client_from_params(module.params)
    try:
        entries = client.load_config()
        try:
            new_entries, before, after = plan_config(entries, options, module.params['categories'],
                                                     module.params['purge_categories'])
        except ValueError as exc:
            module.fail_json(msg='Invalid NZBGet config: %s' % to_native(exc))
        changed = entries_differ(entries, new_entries)
        if changed and not module.check_mode:
            client.save_config(new_entries)
            client.reload()
    except ApiError as exc:
        module.fail_json(msg='Failed to configure NZBGet: %s' % exc)
    changed_options = sorted(n for n in after['options'] if before['options'].get(n) != after['options'][n])
    before['options'] = mask_options(before['options'])
    after['options'] = mask_options(after['options'])
    module.exit_json(changed=changed, changed_options=changed_options, categories=after['categories'],
                     diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()

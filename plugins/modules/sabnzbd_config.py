#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: sabnzbd_config
short_description: Set SABnzbd misc settings and categories through its API
version_added: 0.1.0
description:
  - Reads the config (C(mode=get_config)), compares only the misc settings and categories given
    and writes the changed ones (C(mode=set_config)); with O(purge_categories) removes the other
    categories (C(mode=del_config)), except SABnzbd's default category C(*).
  - Category names are lower case in SABnzbd; names given are lowered.
extends_documentation_fragment:
  - homelab.mediastack.sabnzbd
attributes:
  check_mode:
    support: full
    description: Reads the config and reports what would change.
  diff_mode:
    support: full
    description: Before/after of the managed settings and of the categories (secrets masked).
  idempotent:
    support: full
    description: A second run with the same settings reports no change.
options:
  misc:
    description:
      - Settings of the C([misc]) section by keyword, for example C(complete_dir), C(download_dir),
        C(host_whitelist) (a list), C(direct_unpack) (V(true)/V(false) become 1/0).
      - C(api_key) and C(nzb_key) cannot be set here.
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
      dir:
        description: Folder of finished downloads of this category (absolute, or relative to C(complete_dir)).
        type: str
      pp:
        description: Post-processing (V(0) none, V(1) repair, V(2) unpack, V(3) delete); empty means the default.
        type: str
      script:
        description: Post-processing script (V(Default), V(None) or a script name).
        type: str
      priority:
        description: Priority (V(-100) default, V(-2) paused, V(-1) low, V(0) normal, V(1) high, V(2) force).
        type: int
  purge_categories:
    description: Remove the categories not listed (never C(*)).
    type: bool
    default: false
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Finished usenet downloads into the shared tree, one category per *arr app
  homelab.mediastack.sabnzbd_config:
    url: http://sabnzbd.example.com:8080
    api_key: "{{ vault_sabnzbd_api_key }}"
    misc:
      download_dir: /data/usenet/incomplete
      complete_dir: /data/usenet/complete
      host_whitelist: [sabnzbd, sabnzbd.example.com]
    categories:
      - name: tv-sonarr
        dir: /data/usenet/tv
      - name: radarr
        dir: /data/usenet/movies
'''

RETURN = r'''
changes:
  description: What was changed (or would be).
  returned: always
  type: list
  elements: str
  sample: ["misc complete_dir", "category tv-sonarr"]
categories:
  description: The categories after the run.
  returned: always
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import mask_values, reconcile
from ansible_collections.homelab.mediastack.plugins.module_utils._sabnzbd import (
    CATEGORY_KEYS, SECRET_MISC, client_from_params, connection_argument_spec, same_value)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        misc=dict(type='dict', default={}),
        categories=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            dir=dict(type='str'),
            pp=dict(type='str'),
            script=dict(type='str'),
            priority=dict(type='int'),
        )),
        purge_categories=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    misc = module.params['misc']
    for key in ('password', 'email_pwd'):
        if misc.get(key):
            module.no_log_values.add(str(misc[key]))
    if 'api_key' in misc or 'nzb_key' in misc:
        module.fail_json(msg='api_key and nzb_key cannot be set through the API: write them into sabnzbd.ini before '
                             'SABnzbd first starts.')
    categories = []
    for cat in module.params['categories']:
        cat = dict(cat, name=cat['name'].lower())
        if cat['name'] == '*' and cat.get('dir'):
            module.fail_json(msg='The default category * has no folder of its own')
        categories.append(cat)
    client = client_from_params(module.params)
    changes = []
    try:
        config = client.config()
        current_misc = config.get('misc', {})
        unknown = sorted(k for k in misc if k not in current_misc)
        if unknown:
            module.fail_json(msg='SABnzbd at %s has no misc setting %s' % (client.url, ', '.join(unknown)))

        def apply_misc(changed):
            for key in sorted(changed):
                client.set_misc(key, misc[key])

        result = reconcile(current_misc, misc, apply=apply_misc, check_mode=module.check_mode, secret_keys=SECRET_MISC,
                           equal=same_value)
        changes.extend('misc %s' % k for k in result['changes'])

        have = dict((c['name'], c) for c in config.get('categories', []))
        after_cats = dict((name, dict((k, c.get(k)) for k in ('name',) + CATEGORY_KEYS)) for name, c in have.items())
        for cat in categories:
            current = have.get(cat['name'])
            wanted = dict((k, cat[k]) for k in CATEGORY_KEYS if cat.get(k) is not None)
            if current is None or any(not same_value(current.get(k), v) for k, v in wanted.items()):
                changes.append('category %s' % cat['name'])
                after_cats.setdefault(cat['name'], dict(name=cat['name'])).update(wanted)
                if not module.check_mode:
                    client.set_category(cat)
        if module.params['purge_categories']:
            listed = set(c['name'] for c in categories) | set(['*'])
            for name in sorted(set(have) - listed):
                changes.append('remove category %s' % name)
                after_cats.pop(name, None)
                if not module.check_mode:
                    client.delete_category(name)
        before = dict(misc=result['diff']['before'],
                      categories=[dict((k, c.get(k)) for k in ('name',) + CATEGORY_KEYS) for c in config.get('categories', [])])
        after = dict(misc=mask_values(result['after'], SECRET_MISC), categories=list(after_cats.values()))
    except ApiError as exc:
        module.fail_json(msg='Failed to configure SABnzbd: %s' % exc, changes=changes)
    module.exit_json(changed=bool(changes), changes=changes, categories=after['categories'],
                     diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()

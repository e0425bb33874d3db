#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_custom_format
short_description: Manage one custom format of Sonarr v4 or Radarr, from the TRaSH Guides or inline
version_added: 0.1.0
description:
  - Creates, updates or removes one custom format. Give O(trash_id) (or O(guide_name)) and O(guide)
    to take it from a copy of the TRaSH Guides, or O(name) and O(specifications) to define it inline.
  - A guide custom format is followed by its O(trash_id) (through the ownership record in
    O(profiles_state_dir), else by name, else by identical conditions), so a rename in the guide
    renames it in the app instead of adding a duplicate.
  - An app custom format of the same name but other conditions is left alone (reported as
    V(skipped)) unless O(takeover=true). Two app custom formats whose names differ only in case
    are refused with a message.
  - A new custom format joins every quality profile with score 0 (the apps do that); use
    M(homelab.mediastack.arr_quality_profile) to score it.
attributes:
  check_mode:
    support: full
    description: Reads the app and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The conditions before and after, by name.
  idempotent:
    support: full
    description: A rerun with the same inputs reports no change and sends no write.
options:
  trash_id:
    description: The custom format's C(trash_id) in the TRaSH Guides (needs O(guide)).
    type: str
  guide_name:
    description: The custom format's name in the TRaSH Guides, instead of O(trash_id) (needs O(guide)).
    type: str
  name:
    description: Name of an inline custom format (with O(specifications)), or of one to remove.
    type: str
  specifications:
    description:
      - "The conditions of an inline custom format, each with C(name), C(implementation)
        (C(ReleaseTitleSpecification) or short C(ReleaseTitle), ...), C(negate), C(required) and
        C(fields) (a dict such as C({value: x265}), or the API's list of C({name, value}))."
    type: list
    elements: dict
  include_when_renaming:
    description: The custom format's C(includeCustomFormatWhenRenaming) (inline custom formats).
    type: bool
  takeover:
    description: Replace an app custom format of the same name whose conditions differ (made by hand).
    type: bool
    default: false
  rename_from:
    description: Former names; an app custom format with one of them is renamed instead of a new one added.
    type: list
    elements: str
  state:
    description: V(absent) deletes it if it exists (it leaves every quality profile too, as the apps do).
    type: str
    choices: [present, absent]
    default: present
  guide:
    description:
      - Path of a copy of the TRaSH Guides (the repository, its C(docs/json) folder, or a folder
        holding C(sonarr/cf) and C(radarr/cf)). Pin it to a commit you have reviewed.
    type: path
  profiles_state_dir:
    description:
      - Folder (on the host that runs the task, the controller with the action plugin) for the
        ownership record that maps C(trash_id)s and profiles to the app's ids, one file per app URL.
      - Without it, matching falls back to names and identical conditions.
    type: path
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: The guide's x265 (HD) custom format in Radarr
  homelab.mediastack.arr_custom_format:
    url: http://radarr.example.com:7878
    api_key: "{{ vault_radarr_api_key }}"
    guide: /srv/trash-guides
    trash_id: dc98083864ea246d05a42df0d05f81cc

- name: An inline custom format (no guide needed)
  homelab.mediastack.arr_custom_format:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    name: Not original language
    specifications:
      - name: Not original
        implementation: Language
        negate: true
        fields: {value: -2}
'''

RETURN = r'''
action:
  description: V(created), V(updated), V(deleted), V(unchanged), V(absent) or V(skipped) (a hand-made one of the same name, see O(takeover)).
  returned: always
  type: str
  sample: created
object:
  description: The custom format as the app holds it after the run (in check mode, as it would be sent).
  returned: when it exists
  type: dict
notes:
  description: Why a custom format was renamed or skipped.
  returned: when any
  type: list
  elements: str
app:
  description: The app detected at O(url).
  returned: always
  type: str
  sample: radarr
version:
  description: The app's version.
  returned: always
  type: str
  sample: 6.0.4.10291
requests:
  description: Number of HTTP requests the task sent.
  returned: always
  type: int
  sample: 2
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import module_argument_spec, run_module

ARGUMENT_SPEC = module_argument_spec('arr_custom_format')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           required_one_of=[('trash_id', 'guide_name', 'name')],
                           mutually_exclusive=[('trash_id', 'guide_name', 'name')])
    run_module(module, 'arr_custom_format')


if __name__ == '__main__':
    main()

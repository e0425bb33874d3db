#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: arr_quality_profile
short_description: Manage one quality profile of Sonarr v4 or Radarr, from a TRaSH Guides template or inline
version_added: 0.1.0
description:
  - Creates, updates or removes one quality profile, matched by name (or O(rename_from)).
  - With O(template) (a TRaSH Guides template name, file name or C(trash_id); needs O(guide)) the profile takes the template's
    qualities, cutoff, score limits and custom formats, with the guide's scores; the custom formats
    it needs are created or updated first (see M(homelab.mediastack.arr_custom_format) for the rules).
    Any option given here wins over the template.
  - Qualities are listed best first, by the app's own names (Sonarr C(Bluray-1080p Remux) is Radarr
    C(Remux-1080p)); the module turns them into the app's ids and order. Qualities left out are kept,
    not allowed, below the listed ones.
  - Scores of custom formats the profile does not name are left as they are, unless
    O(reset_unmatched_scores=true) sets them to 0 (except O(reset_except)).
  - The diff shows qualities, cutoff and every score by name.
attributes:
  check_mode:
    support: full
    description: Reads the app and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Qualities, cutoff, language and scores before and after, by name.
  idempotent:
    support: full
    description: A rerun with the same inputs reports no change and sends no write.
options:
  name:
    description: The profile's name in the app; defaults to the template's name with O(template).
    type: str
  template:
    description:
      - A quality profile template of the TRaSH Guides copy at O(guide) (its name, file name such
        as C(web-1080p), or C(trash_id)).
    type: str
  cf_groups:
    description:
      - Which of the guide's custom format groups for this template to add, as a list of group names
        or C(trash_id)s; the item V(default) stands for the groups the guide marks default (the default
        when not set); V(none) adds none. Each group brings its required and pre-selected custom formats.
    type: raw
  score_set:
    description: The guide's score set (C(trash_scores) key) to use; default the template's, else C(default).
    type: str
  exclude_formats:
    description: Custom formats of the template (names or C(trash_id)s) to leave out.
    type: list
    elements: str
  upgrade_allowed:
    description: Whether upgrades are allowed.
    type: bool
  cutoff:
    description: Name of the quality or group upgrades stop at; it must be allowed. Default the template's, else the best allowed.
    type: str
  min_format_score:
    description: Lowest custom format score a release needs.
    type: int
  cutoff_format_score:
    description: Custom format score at which upgrades stop.
    type: int
  min_upgrade_format_score:
    description: Smallest score gain that counts as an upgrade (at least 1).
    type: int
  language:
    description: Radarr only, the profile's language by name (V(Original), V(Any), V(English), ...).
    type: str
  qualities:
    description:
      - Allowed qualities and groups, best first. Each is a quality name, or a dict with C(name),
        C(allowed) (default true) and, for a group, C(items) (the member quality names).
    type: list
    elements: raw
  scores:
    description: Custom format name (or C(trash_id)) -> score; wins over the guide's scores.
    type: dict
  reset_unmatched_scores:
    description: Set the score of every custom format the profile does not name to 0.
    type: bool
    default: false
  reset_except:
    description: Custom format names O(reset_unmatched_scores) leaves alone.
    type: list
    elements: str
  takeover_formats:
    description: Let the guide's custom formats replace app custom formats of the same name whose conditions differ.
    type: bool
    default: false
  rename_from:
    description: Former names of the profile; a profile with one of them is renamed instead of a new one added.
    type: list
    elements: str
  state:
    description: V(absent) deletes the profile (the app refuses while series or movies use it).
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
      - Folder (on the host that runs the task) for the ownership record that maps C(trash_id)s and
        profiles to the app's ids, so renames are followed. Without it, names are used.
    type: path
extends_documentation_fragment:
  - homelab.mediastack.arr
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: The guide's WEB-1080p profile in Sonarr, with its custom formats and default groups
  homelab.mediastack.arr_quality_profile:
    url: http://sonarr.example.com:8989
    api_key: "{{ vault_sonarr_api_key }}"
    guide: /srv/trash-guides
    template: web-1080p
    reset_unmatched_scores: true
    profiles_state_dir: ~/.local/state/homelab.mediastack

- name: An inline 720p/1080p profile in Radarr
  homelab.mediastack.arr_quality_profile:
    url: http://radarr.example.com:7878
    api_key: "{{ vault_radarr_api_key }}"
    name: HD 720p/1080p
    language: Original
    upgrade_allowed: true
    cutoff: Bluray-1080p
    qualities:
      - Bluray-1080p
      - {name: WEB 1080p, items: [WEBDL-1080p, WEBRip-1080p]}
      - Bluray-720p
      - {name: WEB 720p, items: [WEBDL-720p, WEBRip-720p]}
'''

RETURN = r'''
action:
  description: What was done to the profile, V(created), V(updated), V(deleted), V(unchanged) or V(absent).
  returned: always
  type: str
  sample: updated
object:
  description: The profile as the app holds it after the run (in check mode, as it would be sent).
  returned: when it exists
  type: dict
custom_formats:
  description: The custom formats the template needed, each with C(key) (name) and C(action).
  returned: with O(template)
  type: list
  elements: dict
  sample: [{"key": "WEB Tier 01", "action": "unchanged"}]
notes:
  description: Why a custom format was renamed or skipped, or the profile renamed.
  returned: when any
  type: list
  elements: str
app:
  description: The app detected at O(url).
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
  sample: 5
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import module_argument_spec, run_module

ARGUMENT_SPEC = module_argument_spec('arr_quality_profile')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           required_one_of=[('name', 'template')])
    run_module(module, 'arr_quality_profile')


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: pve_lxc_conf
short_description: Manage raw lxc.* lines in a Proxmox container config file on the node
version_added: 0.1.0
description:
  - Sets the raw C(lxc.*) lines of the given keys (for example C(lxc.cgroup2.devices.allow),
    C(lxc.mount.entry), C(lxc.idmap)) in C(/etc/pve/lxc/<vmid>.conf), on the Proxmox node itself.
  - The Proxmox API cannot write raw C(lxc.*) keys at all, so this runs on the node (over SSH).
  - Lines always go into the container's own section, before the first C([section]) (pending
    changes, snapshots), because a line appended at the end of the file would belong to the last snapshot.
  - For each key given, the lines become exactly the ones given; lines of other keys, other
    config keys and all sections are left as they are.
  - Writes the file in place (no temporary file and rename, which C(/etc/pve), a pmxcfs
    mount, does not allow).
  - Changes apply on the next container start; RV(restart_needed) says so.
attributes:
  check_mode:
    support: full
    description: Reads the file and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Before/after of the whole config file.
  idempotent:
    support: full
    description: A second run with the same lines reports no change.
options:
  vmid:
    description: Container ID.
    type: int
    required: true
  lines:
    description: Raw lines (C(key) colon C(value)), in the order wanted. An empty list with O(keys) removes those keys.
    type: list
    elements: str
    required: true
  keys:
    description: Further keys whose lines are removed when not in O(lines).
    type: list
    elements: str
    default: []
  conf_dir:
    description: Folder of the container config files.
    type: path
    default: /etc/pve/lxc
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Hand the Intel GPU render node to container 120 (privileged, raw LXC keys)
  homelab.mediastack.pve_lxc_conf:
    vmid: 120
    lines:
      - "lxc.cgroup2.devices.allow: c 226:128 rwm"
      - "lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none bind,optional,create=file"
'''

RETURN = r'''
lines:
  description: The raw lines of the managed keys after the run.
  returned: always
  type: list
  elements: str
restart_needed:
  description: True when the file changed (raw LXC keys apply at container start).
  returned: always
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._pve_conf import set_raw_lines


def main():
    module = AnsibleModule(
        argument_spec=dict(
            vmid=dict(type='int', required=True),
            lines=dict(type='list', elements='str', required=True),
            keys=dict(type='list', elements='str', default=[], no_log=False),
            conf_dir=dict(type='path', default='/etc/pve/lxc'),
        ),
        supports_check_mode=True,
    )
    path = os.path.join(module.params['conf_dir'], '%d.conf' % module.params['vmid'])
    if not os.path.isfile(path) and module.check_mode:
        module.exit_json(changed=True, lines=module.params['lines'], restart_needed=True,
                         msg='%s does not exist yet (check mode); the lines would be written once it does' % path)
    if not os.path.isfile(path):
        module.fail_json(msg='%s does not exist: create container %d first (homelab.mediastack.proxmox_guest), '
                             'and run this on the Proxmox node that owns it' % (path, module.params['vmid']))
    with open(path) as handle:
        text = handle.read()
    try:
        new_text, _before, after = set_raw_lines(text, module.params['lines'], module.params['keys'])
    except ValueError as exc:
        module.fail_json(msg='Invalid line: %s' % to_native(exc))
    changed = new_text != text
    if changed and not module.check_mode:
        with open(path, 'w') as handle:
            handle.write(new_text)
    module.exit_json(changed=changed, lines=after, restart_needed=changed,
                     diff=dict(before=text, after=new_text, before_header=path, after_header=path))


if __name__ == '__main__':
    main()

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
  - Takes Proxmox's config lock of the container while it reads and writes the file, as C(pct set) does.
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
  node:
    description:
      - Proxmox node that owns the container. Its config file is C(/etc/pve/nodes/<node>/lxc/<vmid>.conf),
        which every node of a cluster can read and write (pmxcfs); without O(node), C(/etc/pve/lxc), the
        link to the local node's folder, is used.
    type: str
  conf_dir:
    description: Folder of the container config files (overrides O(node)).
    type: path
  lock_timeout:
    description:
      - Seconds to wait for Proxmox's config lock of the container (C(/run/lock/lxc/pve-config-<vmid>.lock),
        the C(flock) that C(pct) and the API take while they change the config). The lock is local to the
        host this runs on, so run the module on the node that owns the container.
    type: int
    default: 10
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

import errno
import fcntl
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._pve_conf import set_raw_lines


def conf_file(params):
    """The container's config file: the owning node's folder in pmxcfs, readable from every cluster node."""
    conf_dir = params.get('conf_dir') or (
        '/etc/pve/nodes/%s/lxc' % params['node'] if params.get('node') else '/etc/pve/lxc')
    return os.path.join(conf_dir, '%d.conf' % params['vmid'])


def config_lock(module, vmid, timeout, lock_dir='/run/lock/lxc'):
    """Take pve-container's config lock (PVE::LXC::Config config_file_lock: a flock on
    /run/lock/lxc/pve-config-<vmid>.lock, the same one pct and the API hold while writing)."""
    try:
        if not os.path.isdir(lock_dir):
            os.makedirs(lock_dir)
        handle = open(os.path.join(lock_dir, 'pve-config-%d.lock' % vmid), 'a')
    except (IOError, OSError) as exc:
        module.fail_json(msg='Cannot open the config lock of container %d in %s: %s' % (vmid, lock_dir, to_native(exc)))
    deadline = time.time() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except (IOError, OSError) as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.time() >= deadline:
                handle.close()
                module.fail_json(msg="can't lock file '%s/pve-config-%d.lock' - got timeout: container %d is being "
                                     "changed (pct, the API or a backup hold the lock); try again later"
                                     % (lock_dir, vmid, vmid))
            time.sleep(0.2)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            vmid=dict(type='int', required=True),
            lines=dict(type='list', elements='str', required=True),
            keys=dict(type='list', elements='str', default=[], no_log=False),
            node=dict(type='str'),
            conf_dir=dict(type='path'),
            lock_timeout=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    path = conf_file(module.params)
    if not os.path.isfile(path) and module.check_mode:
        module.exit_json(changed=True, lines=module.params['lines'], restart_needed=True,
                         msg='%s does not exist yet (check mode); the lines would be written once it does' % path)
    if not os.path.isfile(path):
        module.fail_json(msg='%s does not exist: create container %d first (homelab.mediastack.proxmox_guest), '
                             'and run this on the Proxmox node that owns it' % (path, module.params['vmid']))
    lock = None if module.check_mode else config_lock(module, module.params['vmid'], module.params['lock_timeout'])
    try:
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
    finally:
        if lock is not None:
            lock.close()
    module.exit_json(changed=changed, lines=after, restart_needed=changed,
                     diff=dict(before=text, after=new_text, before_header=path, after_header=path))


if __name__ == '__main__':
    main()

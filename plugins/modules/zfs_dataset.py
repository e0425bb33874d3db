#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: zfs_dataset
short_description: Create and update a ZFS dataset and its properties, idempotently and without surprises
version_added: 0.1.0
description:
  - Creates a ZFS dataset with the given properties, or sets the properties that differ on an
    existing one. Runs on the host that owns the pool (NAS or Proxmox node) through the C(zfs) command.
  - Values are compared after normalising both sides the way C(zfs get -H -p) prints them, so
    C(1M) and C(1048576) are the same C(recordsize), a quota of C(none) is C(0), and YAML
    C(false) is C(off). A value already in effect counts as in place whatever its source (an
    inherited C(compression=lz4) is not set again locally).
  - Destroys a dataset only with O(state=absent), and then never its children unless
    O(recursive=true); a dataset with children is refused with the list of children.
  - Why not M(community.general.zfs)? It destroys with C(zfs destroy -R) on C(state=absent)
    (children, and clones of its snapshots elsewhere in the pool). It reads current values with
    C(zfs get -p) (exact numbers) but compares them with the text given, so C(recordsize=1M) is
    set again on every run and check mode always reports it; and it only sees locally set
    values, so a property inherited with the wanted value is set again locally, turning an
    inherited property into a local one.
attributes:
  check_mode:
    support: full
    description: Reads the dataset and reports what would change; runs no zfs create, set or destroy.
  diff_mode:
    support: full
    description: Before and after values of the managed properties.
  idempotent:
    support: full
    description: A second run with the same properties reports no change.
options:
  name:
    description: Dataset name, C(pool/path/to/dataset).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the dataset.
      - V(absent) destroys it (C(zfs destroy), without C(-r) unless O(recursive)).
    type: str
    choices: [present, absent]
    default: present
  properties:
    description:
      - Properties to set, name to value (for example C(compression), C(recordsize), C(atime),
        C(quota), C(mountpoint), user properties like C(org.example:backup)).
      - Properties not given are left as they are (inherited or local).
      - Sizes may be exact or human readable (C(128K), C(1M), C(2T)).
    type: dict
    default: {}
  create_parents:
    description: Create missing parent datasets (C(zfs create -p)); they get default properties.
    type: bool
    default: true
  recursive:
    description: With O(state=absent), destroy the child datasets too (C(zfs destroy -r)). Snapshots'
      clones elsewhere are never destroyed (no C(-R)).
    type: bool
    default: false
notes:
  - Needs the C(zfs) command (zfsutils-linux) on the target.
seealso:
  - name: zfsprops(7)
    description: The properties of ZFS datasets.
    link: https://openzfs.github.io/openzfs-docs/man/master/7/zfsprops.7.html
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Seed 004's media dataset, mounted at the media tree root
  homelab.mediastack.zfs_dataset:
    name: tank/media
    properties:
      compression: lz4
      recordsize: 1M
      atime: false
      mountpoint: /data

- name: A config dataset per stack with a quota
  homelab.mediastack.zfs_dataset:
    name: tank/docker/download-stack
    properties:
      quota: 200G
      recordsize: 16K

- name: Remove an old stack's dataset (refused if it has children)
  homelab.mediastack.zfs_dataset:
    name: tank/docker/media-stack
    state: absent
'''

RETURN = r'''
name:
  description: The dataset name.
  returned: always
  type: str
created:
  description: Whether the dataset was created (or would be, in check mode).
  returned: always
  type: bool
destroyed:
  description: Whether the dataset was destroyed (or would be, in check mode).
  returned: always
  type: bool
updated:
  description: Properties that were set (on creation, all given ones).
  returned: always
  type: list
  elements: str
properties:
  description: The managed properties after the run, as C(zfs get -p) shows them, with their source.
  returned: when O(state=present)
  type: dict
  sample: {"recordsize": {"value": "1048576", "source": "local"}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._zfs import ZfsDataset, ZfsError, reconcile


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            properties=dict(type='dict', default={}),
            create_parents=dict(type='bool', default=True),
            recursive=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    zfs = module.get_bin_path('zfs', required=True)
    # LC_ALL=C: the error texts the module looks for ("does not exist") are the untranslated ones.
    module.run_command_environ_update = dict(LC_ALL='C', LANG='C')

    def run(argv):
        return module.run_command(argv)

    p = module.params
    try:
        result = reconcile(ZfsDataset(run, zfs, p['name']), p['state'], p['properties'],
                           create_parents=p['create_parents'], recursive=p['recursive'],
                           check_mode=module.check_mode)
    except ZfsError as exc:
        module.fail_json(msg=to_native(exc), name=p['name'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()

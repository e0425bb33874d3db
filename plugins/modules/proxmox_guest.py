#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: proxmox_guest
short_description: Create, update in place, start/stop and (only when confirmed) destroy a Proxmox LXC or VM
version_added: 0.1.0
description:
  - Makes one Proxmox VE guest (LXC container or QEMU VM) match the keys given in O(config),
    through the Proxmox API (proxmoxer).
  - Compares only the keys the user set, and inside property strings (C(net0), C(mp0),
    C(dev0), C(features), C(hostpci0) ...) only the sub-keys the user set; sub-keys Proxmox
    added itself, such as C(hwaddr) and C(type=veth), are kept and sent back, so the MAC
    never changes on update.
  - Sends the config C(digest) with every update (Proxmox refuses the write if the file changed
    meanwhile), reports keys left pending until a restart, and restarts only with O(restart=true).
  - Before any change, checks what only V(root@pam) may set (bind mounts, C(devN), raw
    C(hostpciN), feature flags other than nesting) and fails with the credentials needed.
  - Never deletes config keys it was not told to (O(absent_keys), O(owned_keys)), and never destroys a guest
    unless O(state=absent) and O(confirm_destroy=true).
  - Storage-allocation syntax (C(mp1=local-lvm:8,mp=/data), C(scsi1=local-lvm:32), C(ide2=local-lvm:cloudinit))
    allocates a volume only when the key does not exist yet; for an existing volume the storage and
    size are compared (a larger size grows the volume through the resize API, a smaller one or
    another storage is refused), so a rerun never makes Proxmox allocate a new empty volume and park
    the old one as C(unusedN).
  - Refuses C(pcie=1) on a C(hostpciN) unless the VM's machine type is q35 (Proxmox would refuse to start it).
  - A clone receives the O(create) keys a clone can take (C(sshkeys), C(ciuser), C(ipconfig0) ...) right
    after cloning, together with O(config).
  - On a running VM, cloud-init changes reach the guest only when its cloud-init drive is regenerated
    at the next start; they are reported in RV(pending) as C(cloudinit:<key>) and a restart
    (O(restart=true)) applies them.
  - Why not C(community.proxmox.proxmox) / C(proxmox_kvm) (1.4.0, checked). Both declare
    C(check_mode) and C(diff_mode) support V(none); the LXC C(update) path compares values by
    splitting them on commas (a removed or changed sub-key can go unnoticed, and the whole
    C(netif) string is re-sent without C(hwaddr), so Proxmox assigns a new MAC); it never sends
    the config C(digest) and has no C(devN) option. It can delete keys (its C(delete) option),
    but only the ones listed each time, and reports the 403 of a root@pam-only key only after the fact.
extends_documentation_fragment:
  - homelab.mediastack.proxmox
attributes:
  check_mode:
    support: full
    description: Reads the guest and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Before/after of the changed keys only.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  node:
    description: Proxmox node the guest lives on.
    type: str
    required: true
  vmid:
    description: Guest ID (Proxmox accepts 100 to 999999999).
    type: int
    required: true
  kind:
    description: V(lxc) for a container, V(vm) for a QEMU virtual machine.
    type: str
    required: true
    choices: [lxc, vm]
  state:
    description: V(absent) destroys the guest (with its disks), but only with O(confirm_destroy=true).
    type: str
    default: present
    choices: [present, absent]
  running:
    description: V(true) starts the guest, V(false) shuts it down, unset leaves it as it is.
    type: bool
  config:
    description:
      - Proxmox config keys and values, as the API names them (C(memory), C(cores), C(net0),
        C(mp0), C(features), C(dev0), C(hostpci0), C(ipconfig0) ...).
      - A property string may be given as a string (V(name=eth0,bridge=vmbr0)) or as a dict of
        sub-keys. Only the keys and sub-keys given are compared.
    type: dict
    default: {}
  create:
    description:
      - Keys sent only when the guest is created (C(ostemplate), C(storage), C(rootfs),
        C(unprivileged), C(ssh-public-keys), ...). Not compared afterwards.
    type: dict
    default: {}
  password:
    description: Root password set at creation of an LXC container.
    type: str
  clone:
    description: For a VM, the VMID of a template to clone instead of creating an empty VM.
    type: int
  clone_full:
    description: Full clone (V(true)) or linked clone.
    type: bool
    default: true
  storage:
    description:
      - Target storage of a full clone (O(clone), O(clone_full=true)); without it Proxmox copies each
        disk to the storage it is on in the template.
    type: str
  absent_keys:
    description: Config keys to remove if present (for example V(mp3), V(dev0)).
    type: list
    elements: str
    default: []
  owned_keys:
    description:
      - Config keys this task owns. A key listed here but not in O(config) is removed from the guest,
        and in a property string listed here every sub-key not given is removed (for example a VLAN
        C(tag) or a C(gw) no longer set in C(net0)); sub-keys Proxmox fills in itself (C(hwaddr),
        C(type), the NIC's MAC, a volume's C(size)) are kept.
      - Keys not listed here and not in O(absent_keys) are never removed.
    type: list
    elements: str
    default: []
  restart:
    description: Restart a running guest when changes stay pending until a restart.
    type: bool
    default: false
  confirm_destroy:
    description: Must be V(true) together with O(state=absent) to destroy the guest.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for each Proxmox task (create, clone, start, stop, destroy).
    type: int
    default: 300
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Jellyfin container with read-only media mounts
  homelab.mediastack.proxmox_guest:
    api_host: pve.example.com
    api_user: root@pam
    api_password: "{{ vault_proxmox_root_password }}"
    node: pve
    vmid: 156
    kind: lxc
    running: true
    create:
      ostemplate: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
      rootfs: local-lvm:64
      unprivileged: true
    config:
      hostname: jellyfin
      cores: 4
      memory: 4096
      swap: 1024
      net0: name=eth0,bridge=vmbr0,ip=192.0.2.56/24,gw=192.0.2.1
      mp0: /srv/media/movies,mp=/media/movies,ro=1
      features: nesting=1
      onboot: true

- name: Give a running container more memory with a token (no root@pam needed)
  homelab.mediastack.proxmox_guest:
    api_host: pve.example.com
    api_user: automation@pve
    api_token_id: ansible
    api_token_secret: "{{ vault_proxmox_token_secret }}"
    node: pve
    vmid: 156
    kind: lxc
    config:
      memory: 6144
'''

RETURN = r'''
vmid:
  description: The guest ID.
  returned: always
  type: int
actions:
  description: What was done (create, clone, update, start, shutdown, restart).
  returned: always
  type: list
  elements: str
pending:
  description:
    - Config keys written but waiting for a guest restart (C(cloudinit:<key>) for cloud-init values
      the VM's cloud-init drive does not hold yet). In check mode, the keys that would wait.
  returned: always
  type: list
  elements: str
restart_needed:
  description: Whether the running guest must restart for pending changes to apply.
  returned: always
  type: bool
config:
  description: The guest config as the API returns it after the run.
  returned: when not in check mode and the guest exists
  type: dict
updated_keys:
  description: Keys sent in the update.
  returned: when an update was made or would be made
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._proxmox import PROXMOX_CONNECTION_ARGS
from ansible_collections.homelab.mediastack.plugins.module_utils._proxmox_guest import GUEST_ARGS, GuestManager


def main():
    argument_spec = dict(PROXMOX_CONNECTION_ARGS)
    argument_spec.update(GUEST_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('api_password', 'api_token_secret')],
        required_together=[('api_token_id', 'api_token_secret')],
    )
    if module.params['clone'] is not None and module.params['kind'] != 'vm':
        module.fail_json(msg='clone is only for kind=vm; an LXC container is created from create.ostemplate')
    GuestManager(module).run()


if __name__ == '__main__':
    main()

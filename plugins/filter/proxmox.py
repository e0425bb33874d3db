# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxmox filters of the gpu_passthrough role: a container's devN entries from what the node and
the container say (device group and mode on the node, group ids inside the container).

Documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types


def _container_gids(lines):
    """{group name: gid} from getent group / /etc/group lines (name:password:gid:members)."""
    gids = {}
    for line in lines or []:
        fields = str(line).strip().split(':')
        if len(fields) >= 3 and fields[2].isdigit():
            gids.setdefault(fields[0], int(fields[2]))
    return gids


def _mode(value, what):
    text = str(value).strip()
    try:
        number = int(text, 8)
    except ValueError:
        raise AnsibleFilterError('gpu_lxc_devices: %s: mode %r is not an octal mode like 0660' % (what, value))
    if number < 0 or number > 0o7777:
        raise AnsibleFilterError('gpu_lxc_devices: %s: mode %r is out of range' % (what, value))
    return '%04o' % number


def gpu_lxc_devices(stat_results, container_groups=None, gid=None, mode=None, first_index=0, vmid=None):
    """devN entries for a container: ``{'dev0': '/dev/dri/renderD128,gid=104,mode=0660', ...}``.

    stat_results: the registered results of the role's read of each device on the node, one per
    device: ``item`` the path, ``stdout_lines`` ``['file', '<major> <minor> <group> <mode>']``.
    Each device gets, inside the container, the group of the same name it has on the node (its gid
    read from the container's group list) and the node's mode; ``gid``/``mode`` given override that
    for every device. A device owned by group root on the node stays root's (no gid).
    """
    where = 'container %s' % vmid if vmid is not None else 'the container'
    if not isinstance(stat_results, list):
        raise AnsibleFilterError('gpu_lxc_devices: expected the list of device reads, got %r' % (stat_results,))
    gids = _container_gids(container_groups)
    try:
        index = int(first_index)
    except (TypeError, ValueError):
        raise AnsibleFilterError('gpu_lxc_devices: first_dev_index must be a number, got %r' % (first_index,))
    entries = {}
    for result in stat_results:
        path = result.get('item') if isinstance(result, dict) else None
        lines = (result.get('stdout_lines') if isinstance(result, dict) else None) or []
        if not isinstance(path, string_types) or not path.startswith('/dev/'):
            raise AnsibleFilterError('gpu_lxc_devices: each read needs the device path as item, got %r' % (result,))
        if not lines or lines[0] != 'file' or len(lines) != 2:
            raise AnsibleFilterError(
                'gpu_lxc_devices: %s is a folder or not one device node; a devN entry takes one device: list '
                'each device node (for example /dev/dri/renderD128) or use method raw for a folder' % path)
        fields = lines[1].split()
        if len(fields) < 4:
            raise AnsibleFilterError('gpu_lxc_devices: the read of %s gave %r, expected "<major> <minor> <group> '
                                     '<mode>"' % (path, lines[1]))
        node_group, node_mode = fields[2], fields[3]
        options = [path]
        if gid is not None and str(gid) != '':
            if not str(gid).isdigit():
                raise AnsibleFilterError('gpu_lxc_devices: gid must be a number, got %r' % (gid,))
            options.append('gid=%d' % int(gid))
        elif node_group != 'root':
            if node_group not in gids:
                raise AnsibleFilterError(
                    'gpu_lxc_devices: %s belongs to group %s on the node, and %s has no group of that name '
                    '(its groups: %s). Create it in the container (groupadd --system %s) or set gid on the '
                    'gpu_passthrough_lxc item (the group id inside the container). Nothing was changed.'
                    % (path, node_group, where, ', '.join(sorted(gids)) or 'none read', node_group))
            options.append('gid=%d' % gids[node_group])
        options.append('mode=%s' % _mode(mode if mode is not None and str(mode) != '' else node_mode, path))
        entries['dev%d' % index] = ','.join(options)
        index += 1
    return entries


class FilterModule(object):
    def filters(self):
        return {'gpu_lxc_devices': gpu_lxc_devices}

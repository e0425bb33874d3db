# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage filters shared by the layers: which paths lie on an NFS mount.

Documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six import string_types

# File system types that are network file systems in the sense that matters here: SQLite's
# locking is not safe on them. nfs and nfs4 are what the kernel reports for NFS mounts.
NFS_TYPES = frozenset(['nfs', 'nfs4', 'nfs3'])


def _normalise(path, what):
    if not isinstance(path, string_types) or not path:
        raise AnsibleFilterError('paths_on_nfs: %s must be a non-empty path string, got %r' % (what, path))
    if not path.startswith('/'):
        raise AnsibleFilterError('paths_on_nfs: %s must be an absolute path, got %r' % (what, to_native(path)))
    norm = posixpath.normpath(path)
    # POSIX keeps a leading '//' as is; it is the root like '/' on Linux.
    if norm.startswith('//'):
        norm = '/' + norm.lstrip('/')
    return norm


def _is_at_or_below(path, mount):
    if mount == '/':
        return True
    return path == mount or path.startswith(mount + '/')


def _nfs_mount_points(mounts):
    if mounts is None:
        return []
    if isinstance(mounts, (string_types, dict)):
        mounts = [mounts]
    points = []
    for index, entry in enumerate(mounts):
        if isinstance(entry, string_types):
            points.append(_normalise(entry, 'mount point %d' % index))
            continue
        if not isinstance(entry, dict):
            raise AnsibleFilterError('paths_on_nfs: mount %d must be a mount point string or a dict '
                                     'with mount and fstype (like ansible_mounts), got %r' % (index, entry))
        if 'mount' not in entry:
            raise AnsibleFilterError('paths_on_nfs: mount %d has no "mount" key: %r' % (index, entry))
        fstype = entry.get('fstype', 'nfs')
        if to_native(fstype).lower() in NFS_TYPES:
            points.append(_normalise(entry['mount'], 'mount point %d' % index))
    return points


def paths_on_nfs(paths, mounts):
    """Return [{label, path, mount}] for every path at or below an NFS mount point.

    The deepest NFS mount point that holds a path is the one reported. Matching is by path
    components: /mnt/media2 is not below /mnt/media.
    """
    if paths is None:
        return []
    if not isinstance(paths, dict):
        raise AnsibleFilterError('paths_on_nfs: the input must be a dict of label -> path, got %s'
                                 % type(paths).__name__)
    points = _nfs_mount_points(mounts)
    found = []
    for label in sorted(paths, key=to_native):
        raw = paths[label]
        if raw is None or raw == '':
            continue
        path = _normalise(raw, 'path of %s' % to_native(label))
        holders = [point for point in points if _is_at_or_below(path, point)]
        if holders:
            found.append(dict(label=label, path=raw, mount=max(holders, key=len)))
    return found


class FilterModule(object):
    """Storage filters."""

    def filters(self):
        return {'paths_on_nfs': paths_on_nfs}

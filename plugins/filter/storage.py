# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage filters shared by the layers: which paths lie on an NFS mount, what an export grants.

Documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import ipaddress
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


def _parse_exports(text):
    """{path: [(client, options)]} from exports(5) text (continuation lines, comments, quoted paths)."""
    table = {}
    text = (text or '').replace('\\\n', ' ')
    for raw in text.splitlines():
        line = raw.split('#', 1)[0].strip()
        if not line:
            continue
        if line.startswith('"'):
            path, _sep, rest = line[1:].partition('"')
        else:
            parts = line.split(None, 1)
            path, rest = parts[0], (parts[1] if len(parts) > 1 else '')
        clients = []
        for spec in rest.split():
            if spec.startswith('-'):
                continue  # default options for the line
            host, _sep, opts = spec.partition('(')
            clients.append((host or '*', [o for o in opts.rstrip(')').split(',') if o]))
        if path:
            table.setdefault(posixpath.normpath(path), []).extend(clients)
    return table


def _client_matches(spec, names):
    if spec == '*':
        return True
    if spec.startswith('@'):
        return False  # netgroups cannot be resolved here
    if '/' in spec:
        try:
            network = ipaddress.ip_network(to_native(spec), strict=False)
        except ValueError:
            return False
        for name in names:
            try:
                if ipaddress.ip_address(to_native(name)) in network:
                    return True
            except ValueError:
                continue
        return False
    return any(fnmatch.fnmatchcase(to_native(name).lower(), to_native(spec).lower()) for name in names)


def nfs_export_access(exports, path, names):
    """What the exports text grants one client for one path: {exported, access, clients}."""
    if isinstance(names, string_types):
        names = [names]
    names = [n for n in (names or []) if n]
    table = _parse_exports(exports)
    wanted = _normalise(path, 'export path')
    clients = table.get(wanted, [])
    access = None
    for host, options in clients:
        if _client_matches(host, names):
            # exports(5): the first matching client entry wins; ro is the default.
            access = 'rw' if 'rw' in options else 'ro'
            break
    return dict(exported=wanted in table, access=access, clients=[host for host, _opts in clients])


class FilterModule(object):
    """Storage filters."""

    def filters(self):
        return {'paths_on_nfs': paths_on_nfs, 'nfs_export_access': nfs_export_access}

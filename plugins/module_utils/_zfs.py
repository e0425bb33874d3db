# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZFS dataset reconcile logic for the zfs_dataset module (private to the collection).

Reads a dataset with ``zfs get -H -p`` (tab separated, exact numbers), compares the wanted
properties after normalising both sides (``1M`` is ``1048576``, ``none`` quota is ``0``,
YAML ``false`` is ``off``), and sets only what differs. A value that is already in effect counts
as in place whatever its source (inherited, default or local), so an inherited ``compression=lz4``
is not re-set locally. Destruction is never recursive unless asked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Properties whose values are byte sizes (zfs accepts 128K, 1M, 1.5G, exact numbers).
SIZE_PROPERTIES = frozenset([
    'recordsize', 'volblocksize', 'quota', 'refquota', 'reservation', 'refreservation',
    'volsize', 'special_small_blocks', 'filesystem_limit', 'snapshot_limit',
])
# Size properties where the word none means 0 (zfs get -p prints 0 for them).
NONE_IS_ZERO = frozenset(['quota', 'refquota', 'reservation', 'refreservation'])
# Properties whose values are case-insensitive keywords.
KEYWORD_PROPERTIES = frozenset([
    'compression', 'atime', 'relatime', 'xattr', 'acltype', 'aclinherit', 'aclmode', 'canmount',
    'readonly', 'sync', 'dedup', 'snapdir', 'primarycache', 'secondarycache', 'logbias',
    'dnodesize', 'checksum', 'exec', 'setuid', 'devices', 'normalization', 'casesensitivity',
    'utf8only', 'redundant_metadata', 'overlay', 'vscan', 'nbmand', 'zoned', 'copies',
])
# Properties only zfs create can set; a difference on an existing dataset is an error.
CREATE_ONLY = frozenset(['normalization', 'casesensitivity', 'utf8only', 'volblocksize', 'encryption'])
READ_ONLY = frozenset([
    'type', 'creation', 'used', 'available', 'avail', 'referenced', 'refer', 'compressratio',
    'mounted', 'origin', 'usedbysnapshots', 'usedbydataset', 'usedbychildren', 'logicalused',
    'logicalreferenced', 'guid', 'createtxg', 'written', 'objsetid',
])
SUFFIXES = 'BKMGTPEZ'
_SIZE_RE = re.compile(r'^([0-9]+(?:\.[0-9]+)?)\s*([bkmgtpez]?)(?:i?b)?$', re.IGNORECASE)
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)*$')


class ZfsError(Exception):
    """A zfs command failed, or the input cannot work."""


def parse_size(text):
    """Return the number of bytes of a zfs size (exact or human readable, 1024-based)."""
    if isinstance(text, bool):
        raise ValueError('%r is not a size' % (text,))
    if isinstance(text, int):
        return text
    match = _SIZE_RE.match(str(text).strip())
    if not match:
        raise ValueError('%r is not a size (use an exact number of bytes or a suffix K, M, G, T)' % (text,))
    number, suffix = match.groups()
    factor = 1024 ** SUFFIXES.index(suffix.upper()) if suffix else 1
    value = float(number) * factor
    if value != int(value):
        raise ValueError('%r is not a whole number of bytes' % (text,))
    return int(value)


def normalise(prop, value):
    """The value as ``zfs get -H -p`` prints it, so wanted and current compare equal when they mean the same."""
    if isinstance(value, bool):
        return 'on' if value else 'off'
    text = str(value).strip()
    if prop in SIZE_PROPERTIES:
        if text.lower() in ('none', '-') and prop in NONE_IS_ZERO:
            return '0'
        if text.lower() == 'none' and prop.endswith('_limit'):
            return 'none'
        return str(parse_size(text))
    if prop == 'mountpoint' and text.startswith('/') and len(text) > 1:
        return text.rstrip('/')
    if prop in KEYWORD_PROPERTIES:
        return text.lower()
    return text


def command_value(prop, value):
    """The value as given to zfs create/set: a quota or reservation of 0 is the word none (zfs refuses
    quota=0 and refquota=0 with "use 'none' to disable quota/refquota", libzfs zprop_parse_value)."""
    if prop in NONE_IS_ZERO and value == '0':
        return 'none'
    return value


def validate_name(name):
    if not _NAME_RE.match(name or '') or '//' in name:
        raise ZfsError('%r is not a dataset name (pool/parent/child, letters, digits, _ . : -)' % (name,))
    if '/' not in name:
        raise ZfsError('%s is a pool, not a dataset: this module manages datasets inside a pool' % name)


def validate_properties(properties):
    """Normalise the wanted properties; raise ZfsError on values no zfs version accepts."""
    wanted = {}
    for prop, value in (properties or {}).items():
        if prop in READ_ONLY:
            raise ZfsError("property '%s' is read-only and cannot be set" % prop)
        if value is None:
            raise ZfsError("property '%s' has no value" % prop)
        try:
            wanted[prop] = normalise(prop, value)
        except ValueError as exc:
            raise ZfsError("property '%s': %s" % (prop, exc))
    return wanted


def parse_get(output):
    """Parse ``zfs get -H -p -o property,value,source`` output into {property: (value, source)}."""
    result = {}
    for line in output.splitlines():
        if not line.strip():
            continue
        fields = line.split('\t')
        if len(fields) != 3:
            raise ZfsError('unexpected zfs get output line: %r' % line)
        result[fields[0]] = (fields[1], fields[2])
    return result


def differences(current, wanted):
    """Properties to set: those whose value in effect differs from the wanted one (after normalising)."""
    changes = {}
    for prop, value in wanted.items():
        have = current.get(prop, ('-', '-'))[0]
        try:
            have_norm = normalise(prop, have) if have != '-' else '-'
        except ValueError:
            have_norm = have
        if have_norm != value:
            changes[prop] = value
    return changes


class ZfsDataset(object):
    """One dataset: read, create, update, destroy through a runner (argv -> rc, out, err)."""

    def __init__(self, run, zfs, name):
        self.run = run
        self.zfs = zfs
        self.name = name

    def _call(self, args, verb):
        rc, out, err = self.run([self.zfs] + args)
        if rc != 0:
            raise ZfsError('Failed to %s dataset %s: %s' % (verb, self.name, (err or out).strip()))
        return out

    def read(self, props):
        """{property: (value, source)} for the given properties, or None when the dataset does not exist."""
        rc, out, err = self.run([self.zfs, 'get', '-H', '-p', '-o', 'property,value,source',
                                 ','.join(sorted(set(props) | set(['type']))), self.name])
        if rc != 0:
            if 'does not exist' in err:
                return None
            raise ZfsError('Failed to read dataset %s: %s' % (self.name, (err or out).strip()))
        return parse_get(out)

    def children(self):
        out = self._call(['list', '-H', '-o', 'name', '-r', '-t', 'filesystem,volume', self.name], 'list children of')
        return [line for line in out.splitlines() if line and line != self.name]

    def create(self, props, parents):
        args = ['create']
        if parents:
            args.append('-p')
        for prop in sorted(props):
            args += ['-o', '%s=%s' % (prop, command_value(prop, props[prop]))]
        self._call(args + [self.name], 'create')

    def set(self, props):
        self._call(['set'] + ['%s=%s' % (p, command_value(p, props[p])) for p in sorted(props)] + [self.name],
                   'set properties of')

    def destroy(self, recursive):
        self._call(['destroy'] + (['-r'] if recursive else []) + [self.name], 'destroy')


def reconcile(dataset, state, properties, create_parents=True, recursive=False, check_mode=False):
    """Bring one dataset to the wanted state. Returns a result dict for exit_json."""
    validate_name(dataset.name)
    if recursive and state != 'absent':
        raise ZfsError('recursive only applies to state=absent')
    wanted = validate_properties(properties)
    current = dataset.read(wanted)
    before = None if current is None else dict((p, current[p][0]) for p in wanted if p in current)
    result = dict(changed=False, name=dataset.name, created=False, destroyed=False, updated=[])

    if state == 'absent':
        if current is None:
            result['msg'] = 'dataset %s does not exist' % dataset.name
            result['diff'] = dict(before={}, after={})
            return result
        children = dataset.children()
        if children and not recursive:
            raise ZfsError('Refusing to destroy dataset %s: it has child datasets (%s); set recursive=true '
                           'to destroy them too' % (dataset.name, ', '.join(children)))
        if not check_mode:
            dataset.destroy(recursive)
        result.update(changed=True, destroyed=True, msg='dataset %s destroyed' % dataset.name,
                      diff=dict(before=dict(name=dataset.name, children=children), after={}))
        return result

    if current is None:
        if not check_mode:
            dataset.create(wanted, create_parents)
        after = dataset.read(wanted) if not check_mode else dict((p, (v, 'local')) for p, v in wanted.items())
        result.update(changed=True, created=True, updated=sorted(wanted),
                      properties=_shape(after, wanted), msg='dataset %s created' % dataset.name,
                      diff=dict(before={}, after=dict((p, after[p][0]) for p in wanted)))
        return result

    changes = differences(current, wanted)
    fixed = sorted(p for p in changes if p in CREATE_ONLY)
    if fixed:
        raise ZfsError('Cannot change %s of existing dataset %s: only zfs create sets %s'
                       % (', '.join(fixed), dataset.name, 'it' if len(fixed) == 1 else 'them'))
    if changes and not check_mode:
        dataset.set(changes)
        current = dataset.read(wanted)
    elif changes:
        current = dict(current)
        current.update((p, (v, 'local')) for p, v in changes.items())
    result.update(changed=bool(changes), updated=sorted(changes), properties=_shape(current, wanted),
                  msg=('dataset %s updated: %s' % (dataset.name, ', '.join(sorted(changes)))) if changes
                  else 'dataset %s is as wanted' % dataset.name,
                  diff=dict(before=before, after=dict((p, current[p][0]) for p in wanted)))
    return result


def _shape(current, wanted):
    return dict((p, dict(value=current[p][0], source=current[p][1])) for p in wanted if p in current)

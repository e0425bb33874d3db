# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the `zfs` command (OpenZFS 2.2) on test hosts that have no ZFS kernel module.

Test equipment only (installed by tests/standins/zfs/deploy.yml, run as python3 through the
bin/zfs wrapper). Written from OpenZFS's source and man pages (openzfs/zfs: man/man7/zfsprops.7,
man/man8/zfs-*.8, module/zcommon/zfs_prop.c, module/zcommon/zfs_namecheck.c,
lib/libzfs/libzfs_util.c, lib/libzfs/libzfs_dataset.c, cmd/zfs/zfs_main.c), not from this
collection's modules: every behaviour rule below names the upstream file it follows.
Datasets and their locally set properties live in a JSON state file (ZFS_STANDIN_STATE, default
/var/lib/zfs-standin/state.json). Mutating calls are logged to ZFS_STANDIN_LOG (default
/var/log/zfs-standin.log). "Mounting" a dataset creates its mountpoint directory.
Covered: list, get, create, set, inherit, destroy (filesystems only; no snapshots, volumes).
"""

import json
import os
import re
import sys
import time

STATE = os.environ.get('ZFS_STANDIN_STATE', '/var/lib/zfs-standin/state.json')
LOG = os.environ.get('ZFS_STANDIN_LOG', '/var/log/zfs-standin.log')
POOL_SIZE = 4 * 1024 ** 4
USED = 98304  # every dataset uses 96K (an empty filesystem)

# module/zcommon/zfs_prop.c zfs_prop_init: each property's default, inheritance and values (the
# index tables print as "'<prop>' must be one of '<a | b | ...>'").
ONOFF = ('on', 'off')
COMPRESSION = ('on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | '
               'zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]')
# name: (default, inheritable, kind, choices)
PROPS = {
    'compression': ('on', True, 'compression', None),
    'recordsize': ('131072', True, 'recordsize', None),
    'atime': ('on', True, 'choice', ONOFF),
    'relatime': ('on', True, 'choice', ONOFF),
    'quota': ('0', False, 'quota', None),
    'refquota': ('0', False, 'quota', None),
    'reservation': ('0', False, 'quota', None),
    'refreservation': ('0', False, 'quota', None),
    'mountpoint': (None, True, 'mountpoint', None),
    'canmount': ('on', False, 'choice', ('on', 'off', 'noauto')),
    'xattr': ('sa', True, 'choice', ('on', 'off', 'sa', 'dir')),
    'acltype': ('off', True, 'choice', ('off', 'noacl', 'nfsv4', 'posix', 'posixacl')),
    'aclinherit': ('restricted', True, 'choice', ('discard', 'noallow', 'restricted', 'passthrough', 'passthrough-x')),
    'sharenfs': ('off', True, 'string', None),
    'sharesmb': ('off', True, 'string', None),
    'readonly': ('off', True, 'choice', ONOFF),
    'sync': ('standard', True, 'choice', ('standard', 'always', 'disabled')),
    'dedup': ('off', True, 'choice', ('on', 'off', 'verify', 'sha256', 'sha512', 'skein', 'blake3')),
    'copies': ('1', True, 'choice', ('1', '2', '3')),
    'snapdir': ('hidden', True, 'choice', ('hidden', 'visible')),
    'primarycache': ('all', True, 'choice', ('all', 'none', 'metadata')),
    'secondarycache': ('all', True, 'choice', ('all', 'none', 'metadata')),
    'logbias': ('latency', True, 'choice', ('latency', 'throughput')),
    'dnodesize': ('legacy', True, 'choice', ('legacy', 'auto', '1k', '2k', '4k', '8k', '16k')),
    'exec': ('on', True, 'choice', ONOFF),
    'setuid': ('on', True, 'choice', ONOFF),
    'devices': ('on', True, 'choice', ONOFF),
}
# zfs_prop.c: read-only native properties this stand-in reports; short names (zfsprops.7).
READ_ONLY = ('type', 'creation', 'used', 'available', 'referenced', 'compressratio', 'mounted')
ALIASES = {'avail': 'available', 'refer': 'referenced', 'compress': 'compression', 'recsize': 'recordsize',
           'reserv': 'reservation', 'refreserv': 'refreservation', 'ratio': 'compressratio'}
# zfs_prop.c: column names (the "colname" of each property) where they differ from the name.
COLUMNS = {'recordsize': 'RECSIZE', 'compression': 'COMPRESS', 'available': 'AVAIL', 'referenced': 'REFER',
           'reservation': 'RESERV', 'refreservation': 'REFRESERV', 'compressratio': 'RATIO'}
# lib/libzfs/libzfs_util.c str2shift: the suffix letters, in order of their power of 1024.
SHIFT_LETTERS = 'BKMGTPEZ'
# module/zcommon/zfs_namecheck.c valid_char: the characters a dataset name component may hold
# besides letters and digits (a space is valid).
NAME_PUNCTUATION = '-_.: '


class Fail(Exception):
    """Error message and exit code."""

    def __init__(self, message, code=1):
        Exception.__init__(self, message)
        self.code = code


def load():
    if not os.path.exists(STATE):
        raise Fail('The ZFS modules are not loaded.\nTry running \'/sbin/modprobe zfs\' as root to load them.')
    with open(STATE) as handle:
        return json.load(handle)


def save(state):
    tmp = STATE + '.tmp'
    with open(tmp, 'w') as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.rename(tmp, STATE)


def log(argv):
    with open(LOG, 'a') as handle:
        handle.write('%s zfs %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), ' '.join(argv)))


def canonical(prop):
    return ALIASES.get(prop, prop)


def str2shift(suffix):
    """libzfs_util.c str2shift: '' -> 0; 'G' = 'GB' = 'GiB' (any case); 'BB', 'BiB' and others refused."""
    if suffix == '':
        return 0
    letter = suffix[0].upper()
    if letter not in SHIFT_LETTERS:
        return None
    rest = suffix[1:].upper()
    if rest == '' or (letter != 'B' and rest in ('B', 'IB')):
        return 10 * SHIFT_LETTERS.index(letter)
    return None


def parse_size(text):
    """libzfs_util.c zfs_nicestrtonum: (bytes, None) or (None, the error zfs prints)."""
    if not text or not (text[0].isdigit() or text[0] == '.'):
        return None, "bad numeric value '%s'" % text
    digits = 0
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    if digits < len(text) and text[digits] == '.':  # a decimal: strtod, then the shift
        end = digits + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        shift = str2shift(text[end:])
        if shift is None:
            return None, "invalid numeric suffix '%s'" % text[end:]
        return int(float(text[:end] or '0') * (2 ** shift)), None
    shift = str2shift(text[digits:])
    if shift is None:
        return None, "invalid numeric suffix '%s'" % text[digits:]
    value = int(text[:digits] or '0') << shift
    if value >= 2 ** 64:
        return None, 'numeric value is too large'
    return value, None


def nicenum(value):
    # lib/libzfs/libzfs_util.c zfs_nicenum: 1024 steps, at most 3 significant digits before the suffix.
    value = int(value)
    index = 0
    shown = float(value)
    while shown >= 1024 and index < 7:
        shown /= 1024
        index += 1
    suffix = 'BKMGTPEZ'[index]
    if index == 0:
        return str(value)
    if shown == int(shown):
        return '%d%s' % (shown, suffix)
    for digits in (2, 1, 0):
        text = '%.*f' % (digits, shown)
        if len(text) <= 4:
            return text + suffix
    return '%d%s' % (shown, suffix)


def validate(prop, value, where):
    """Return the value as stored (exact numbers), or raise Fail with zfs's message.

    libzfs_dataset.c zfs_valid_proplist / libzfs_util.c zprop_parse_value: "cannot set property
    for '<ds>': " (or "cannot create '<ds>': ") then the reason: read-only, invalid property,
    "'<prop>' must be one of '<values>'", a bad number; user properties (with ':') are free text.
    """
    head = "cannot set property for '%s': " % where if not where.startswith('cannot') else where
    if ':' in prop:
        return value
    if prop in READ_ONLY:
        raise Fail(head + "'%s' is readonly" % prop)
    if prop not in PROPS:
        raise Fail(head + "invalid property '%s'" % prop)
    kind, choices = PROPS[prop][2], PROPS[prop][3]
    if kind == 'choice':
        if value not in choices:
            raise Fail(head + "'%s' must be one of '%s'" % (prop, ' | '.join(choices)))
        return value
    if kind == 'compression':
        if not re.match(r'^(on|off|lzjb|gzip|gzip-[1-9]|zle|lz4|zstd|zstd-([1-9]|1[0-9])|zstd-fast(-[0-9]+)?)$', value):
            raise Fail(head + "'compression' must be one of '%s'" % COMPRESSION)
        return value
    if kind in ('recordsize', 'quota'):
        # libzfs_util.c zprop_parse_value (PROP_TYPE_NUMBER): "none" is 0 ...
        if kind == 'quota' and value == 'none':
            return '0'
        size, error = parse_size(value)
        if error:
            raise Fail(head + error)
        # ... and a quota/refquota of 0 given as a number is refused.
        if size == 0 and prop in ('quota', 'refquota'):
            raise Fail(head + "use 'none' to disable quota/refquota")
        # libzfs_dataset.c zfs_valid_proplist: recordsize a power of 2 from 512 to the pool's maximum
        # (zfs_max_recordsize, 16M on OpenZFS 2.2).
        if kind == 'recordsize' and (size < 512 or size > 16 * 1024 ** 2 or size & (size - 1)):
            raise Fail(head + "'recordsize' must be power of 2 from 512B to 16M")
        # module/zfs/dsl_dir.c dsl_dir_set_quota_check: a quota below what is used -> ENOSPC.
        if kind == 'quota' and 0 < size < USED and prop in ('quota', 'refquota'):
            raise Fail(head + 'size is less than current used or reserved space')
        return str(size)
    if kind == 'mountpoint':
        if value in ('none', 'legacy') or value.startswith('/'):
            return value.rstrip('/') if len(value) > 1 else value
        raise Fail(head + "'mountpoint' must be an absolute path, 'none', or 'legacy'")
    return value


def ancestors(name):
    parts = name.split('/')
    return ['/'.join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def effective(state, name, prop):
    """(value, source) in effect, exact numbers.

    zfsprops.7 / zfs-get.8: a local value, else the nearest ancestor's ("inherited from <name>"),
    else the default; mountpoint inherits as the parent's path plus the child's name and
    defaults to /<name>; user properties (with ':') not set anywhere read '-'.
    """
    data = state['datasets'][name]
    local = data['props']
    if prop == 'type':
        return 'filesystem', '-'
    if prop == 'creation':
        return str(data['creation']), '-'
    if prop in ('used', 'referenced'):
        return str(USED), '-'
    if prop == 'available':
        quota = int(effective(state, name, 'quota')[0])
        return str(min(POOL_SIZE, quota - USED) if quota else POOL_SIZE - USED * len(state['datasets'])), '-'
    if prop == 'compressratio':
        return '1.00', '-'
    if prop == 'mounted':
        mountpoint = effective(state, name, 'mountpoint')[0]
        can = effective(state, name, 'canmount')[0]
        return ('yes' if data.get('mounted') and mountpoint.startswith('/') and can == 'on' else 'no'), '-'
    if prop in local:
        return local[prop], 'local'
    inheritable = PROPS[prop][1] if prop in PROPS else True
    if inheritable:
        for parent in ancestors(name):
            if prop in state['datasets'][parent]['props']:
                value = state['datasets'][parent]['props'][prop]
                if prop == 'mountpoint' and value.startswith('/'):
                    value = value.rstrip('/') + name[len(parent):]
                return value, 'inherited from %s' % parent
    if prop == 'mountpoint':
        return '/' + name, 'default'
    if ':' in prop:
        return '-', '-'
    return PROPS[prop][0], 'default'


def shown(prop, value, exact):
    # zfs-get.8 / zfs-list.8: -p prints exact numbers; otherwise sizes as zfs_nicenum (1.50G, 128K),
    # quotas of 0 as "none", compressratio with an "x".
    if exact or value == '-':
        return value
    # zfs_prop.c / libzfs_dataset.c zfs_prop_get: a quota or reservation of 0 prints as "none".
    if prop in PROPS and PROPS[prop][2] == 'quota':
        return 'none' if value == '0' else nicenum(value)
    if prop in ('recordsize', 'used', 'available', 'referenced'):
        return nicenum(value)
    if prop == 'compressratio':
        return value + 'x'
    if prop == 'creation':
        return time.strftime('%a %b %d %H:%M %Y', time.localtime(int(value)))
    return value


def known(prop):
    return ':' in prop or prop in PROPS or prop in READ_ONLY


def parse_flags(argv, with_value):
    # zfs_main.c parses options with getopt(3): bundled flags, an option's value attached or next.
    """getopt-like: returns (flags dict of lists, rest)."""
    flags = {}
    rest = list(argv)
    while rest and rest[0].startswith('-') and rest[0] != '-':
        arg = rest.pop(0)
        index = 1
        while index < len(arg):
            flag = arg[index]
            if flag in with_value:
                value = arg[index + 1:] or (rest.pop(0) if rest else None)
                if value is None:
                    raise Fail("missing argument for '%s' option" % flag, 2)
                flags.setdefault(flag, []).append(value)
                break
            flags.setdefault(flag, []).append(True)
            index += 1
    return flags, rest


def select(state, names, recurse, depth, types):
    # zfs-list.8: -r/-d descend, -t filters by type; an unknown name -> "dataset does not exist".
    if types and not set(types) & set(['filesystem', 'all']):
        return []
    every = sorted(state['datasets'])
    if not names:
        return every
    out = []
    for name in names:
        if name not in state['datasets']:
            raise Fail("cannot open '%s': dataset does not exist" % name)
        out.append(name)
        if recurse or depth is not None:
            for other in every:
                if other.startswith(name + '/'):
                    if depth is None or other.count('/') - name.count('/') <= depth:
                        out.append(other)
    return out


def table(rows, header, scripted):
    # cmd/zfs/zfs_main.c print_header/print_dataset: -H omits the header and separates by one tab.
    if scripted:
        return '\n'.join('\t'.join(row) for row in rows) + ('\n' if rows else '')
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    lines = ['  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header] + rows]
    return '\n'.join(lines) + '\n'


def cmd_list(state, argv):
    flags, names = parse_flags(argv, 'odtsS')
    asked = ','.join(flags.get('o', ['name,used,avail,refer,mountpoint'])).split(',')
    fields = [canonical(f) for f in asked]
    for field in fields:
        if field != 'name' and not known(field):
            raise Fail("bad property list: invalid property '%s'" % field, 2)
    types = ','.join(flags.get('t', [])).split(',') if 't' in flags else None
    depth = int(flags['d'][-1]) if 'd' in flags else None
    rows = []
    for name in select(state, names, 'r' in flags, depth, types):
        rows.append([name if f == 'name' else shown(f, effective(state, name, f)[0], 'p' in flags) for f in fields])
    sys.stdout.write(table(rows, [COLUMNS.get(f, f.upper()) for f in fields], 'H' in flags))


def cmd_get(state, argv):
    flags, rest = parse_flags(argv, 'odst')
    if not rest:
        raise Fail('missing property argument', 2)
    props = rest[0]
    names = rest[1:]
    fields = ','.join(flags.get('o', ['name,property,value,source'])).split(',')
    for field in fields:
        if field not in ('name', 'property', 'value', 'received', 'source'):
            raise Fail("invalid field '%s'" % field, 2)
    sources = ','.join(flags.get('s', [])).split(',') if 's' in flags else None
    depth = int(flags['d'][-1]) if 'd' in flags else None
    types = ','.join(flags.get('t', [])).split(',') if 't' in flags else None
    selected = select(state, names, 'r' in flags, depth, types)
    rows = []
    for name in selected:
        if props == 'all':
            wanted = sorted(set(PROPS) | set(READ_ONLY)) + sorted(p for p in state['datasets'][name]['props'] if ':' in p)
        else:
            wanted = [canonical(p) for p in props.split(',')]
            for prop in wanted:
                if not known(prop):
                    raise Fail("bad property list: invalid property '%s'" % prop, 2)
        for prop in wanted:
            value, source = effective(state, name, prop)
            kind = source.split(' ')[0] if source != '-' else 'none'
            if sources and kind not in sources:
                continue
            cells = {'name': name, 'property': prop, 'value': shown(prop, value, 'p' in flags),
                     'received': '-', 'source': source}
            rows.append([cells[f] for f in fields])
    sys.stdout.write(table(rows, [f.upper() for f in fields], 'H' in flags))


def mount(state, name):
    # zfs-mount.8: a dataset with canmount=on and a path mountpoint is mounted (the folder made).
    mountpoint, _source = effective(state, name, 'mountpoint')
    if mountpoint.startswith('/') and effective(state, name, 'canmount')[0] == 'on':
        if not os.path.isdir(mountpoint):
            os.makedirs(mountpoint, 0o755)
        state['datasets'][name]['mounted'] = True


def check_name(name, verb):
    """zfs_namecheck.c entity_namecheck/dataset_namecheck, with libzfs_dataset.c zfs_validate_name's words."""
    why = None
    if name.startswith('/'):
        why = 'leading slash in name'
    elif name.endswith('/'):
        why = 'trailing slash in name'
    elif '//' in name:
        why = 'empty component in name'
    elif len(name) >= 256:
        why = 'name is too long'
    else:
        bad = next((c for c in name if not (c.isascii() and c.isalnum()) and c not in NAME_PUNCTUATION + '/'), None)
        if bad is not None:
            why = "invalid character '%s' in name" % bad
        elif not name[0].isalpha():
            # zpool_name_valid (pool_namecheck): the pool name must begin with a letter.
            why = 'name must begin with a letter'
    if why:
        raise Fail("cannot %s '%s': %s" % (verb, name, why))


def cmd_create(state, argv):
    # zfs-create.8 and zfs_main.c zfs_do_create: -p makes missing parents, -u does not mount, -o sets
    # properties; "dataset already exists", "parent does not exist", "no such pool" as zfs prints them.
    flags, rest = parse_flags(argv, 'oVb')
    if 'V' in flags:
        raise Fail('zfs stand-in: volumes are not supported', 2)
    if len(rest) != 1:
        raise Fail('missing filesystem argument' if not rest else 'too many arguments', 2)
    name = rest[0]
    check_name(name, 'create')
    if name in state['datasets']:
        raise Fail("cannot create '%s': dataset already exists" % name)
    props = {}
    for item in flags.get('o', []):
        if '=' not in item:
            raise Fail("missing '=' for property=value argument", 2)
        prop, value = item.split('=', 1)
        prop = canonical(prop)
        props[prop] = validate(prop, value, "cannot create '%s': " % name)
    missing = [p for p in reversed(ancestors(name)) if p not in state['datasets']]
    if missing and 'p' not in flags:
        raise Fail("cannot create '%s': parent does not exist" % name)
    if name.split('/')[0] not in state['datasets']:
        raise Fail("cannot create '%s': no such pool '%s'" % (name, name.split('/')[0]))
    now = int(time.time())
    for parent in missing:
        state['datasets'][parent] = {'props': {}, 'creation': now}
        if 'u' not in flags:
            mount(state, parent)
    state['datasets'][name] = {'props': props, 'creation': now}
    if 'u' not in flags:
        mount(state, name)


def cmd_set(state, argv):
    # zfs-set.8: every property=value is validated before anything is set; a new mountpoint remounts.
    flags, rest = parse_flags(argv, '')
    assignments = [a for a in rest if '=' in a]
    names = [a for a in rest if '=' not in a]
    if not assignments:
        raise Fail('missing property=value argument(s)', 2)
    if not names:
        raise Fail('missing dataset name(s)', 2)
    for name in names:
        if name not in state['datasets']:
            raise Fail("cannot open '%s': dataset does not exist" % name)
        updates = {}
        for item in assignments:
            prop, value = item.split('=', 1)
            prop = canonical(prop)
            updates[prop] = validate(prop, value, name)
        state['datasets'][name]['props'].update(updates)
        if 'mountpoint' in updates and 'u' not in flags:
            for other in sorted(state['datasets']):
                if other == name or other.startswith(name + '/'):
                    mount(state, other)


def cmd_inherit(state, argv):
    # zfs-inherit.8: removes the local value (-r: on the descendants too); non-inheritable
    # properties answer "'<prop>' property cannot be inherited".
    flags, rest = parse_flags(argv, '')
    if len(rest) < 2:
        raise Fail('missing property or dataset argument', 2)
    prop = canonical(rest[0])
    if not known(prop):
        raise Fail("invalid property '%s'" % prop, 2)
    if prop in READ_ONLY or (prop in PROPS and not PROPS[prop][1]):
        raise Fail("'%s' property cannot be inherited" % prop)
    for name in rest[1:]:
        if name not in state['datasets']:
            raise Fail("cannot open '%s': dataset does not exist" % name)
        for other in sorted(state['datasets']):
            if other == name or ('r' in flags and other.startswith(name + '/')):
                state['datasets'][other]['props'].pop(prop, None)


def cmd_destroy(state, argv):
    # zfs-destroy.8 and zfs_main.c zfs_do_destroy: children need -r, a pool cannot be destroyed
    # with zfs destroy, -n/-v print "would destroy"/"will destroy".
    flags, rest = parse_flags(argv, '')
    if len(rest) != 1:
        raise Fail('missing dataset argument' if not rest else 'too many arguments', 2)
    name = rest[0]
    if '@' in name:
        raise Fail('zfs stand-in: snapshots are not supported', 2)
    if name not in state['datasets']:
        raise Fail("cannot open '%s': dataset does not exist" % name)
    if '/' not in name:
        raise Fail("cannot destroy '%s': operation does not apply to pools\nuse 'zfs destroy -r %s' to destroy all "
                   "datasets in the pool\nuse 'zpool destroy %s' to destroy the pool itself" % (name, name, name))
    children = [d for d in sorted(state['datasets']) if d.startswith(name + '/')]
    if children and not (set(flags) & set('rR')):
        raise Fail("cannot destroy '%s': filesystem has children\nuse '-r' to destroy the following datasets:\n%s"
                   % (name, '\n'.join(children)))
    if 'n' in flags:
        for dataset in children + [name]:
            sys.stdout.write('would destroy %s\n' % dataset)
        return
    for dataset in children + [name]:
        del state['datasets'][dataset]
        if 'v' in flags:
            sys.stdout.write('will destroy %s\n' % dataset)


COMMANDS = {'list': cmd_list, 'get': cmd_get, 'create': cmd_create, 'set': cmd_set,
            'inherit': cmd_inherit, 'destroy': cmd_destroy}
MUTATING = ('create', 'set', 'inherit', 'destroy')


def main(argv):
    # zfs_main.c: usage errors exit 2, failed operations 1; messages on stderr. Without the kernel
    # module (no state file here) libzfs_init prints the modprobe hint.
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write("unrecognized command '%s'\nusage: zfs command args ...\n" % (argv[0] if argv else ''))
        return 2
    try:
        state = load()
        if argv[0] in MUTATING:
            log(argv)
        COMMANDS[argv[0]](state, argv[1:])
        if argv[0] in MUTATING:
            save(state)
    except Fail as exc:
        sys.stderr.write('%s\n' % exc)
        return exc.code
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private helpers for the collection's Proxmox VE modules.

Pure functions (property strings, config comparison, root@pam rules) come first so unit tests
need no API; the proxmoxer client and the guest manager follow.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

try:
    from proxmoxer import ProxmoxAPI
    from proxmoxer.core import ResourceException  # pylint: disable=unused-import  # re-exported for _proxmox_guest
    HAS_PROXMOXER = True
    PROXMOXER_IMPORT_ERROR = None
except ImportError:
    ProxmoxAPI = None
    ResourceException = Exception
    HAS_PROXMOXER = False
    PROXMOXER_IMPORT_ERROR = traceback.format_exc()

PROXMOX_CONNECTION_ARGS = dict(
    api_host=dict(type='str', required=True, fallback=(env_fallback, ['PROXMOX_HOST'])),
    api_port=dict(type='int', default=8006, fallback=(env_fallback, ['PROXMOX_PORT'])),
    api_user=dict(type='str', required=True, fallback=(env_fallback, ['PROXMOX_USER'])),
    api_password=dict(type='str', no_log=True, fallback=(env_fallback, ['PROXMOX_PASSWORD'])),
    api_token_id=dict(type='str', no_log=False, fallback=(env_fallback, ['PROXMOX_TOKEN_ID'])),
    api_token_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['PROXMOX_TOKEN_SECRET'])),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['PROXMOX_VALIDATE_CERTS'])),
    ca_path=dict(type='path'),
    api_timeout=dict(type='int', default=30),
)

# Property-string keys and the sub-key a bare first value belongs to (schema "default_key").
_DEFAULT_KEYS = (
    (r'^rootfs$', 'volume'), (r'^mp\d+$', 'volume'), (r'^dev\d+$', 'path'),
    (r'^hostpci\d+$', 'host'), (r'^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$', 'file'),
    (r'^startup$', 'order'), (r'^agent$', 'enabled'), (r'^memory$', None), (r'^net\d+$', None),
    (r'^features$', None), (r'^ipconfig\d+$', None), (r'^smbios1$', None), (r'^machine$', 'type'),
)
# QEMU NIC models: in net[n] each is a key alias "model=MAC" (qemu-server net format, keyAlias model).
QEMU_NIC_MODELS = ('virtio', 'e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551',
                   'i82557b', 'i82559er', 'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'vmxnet3')
_BOOL_TRUE = ('1', 'on', 'yes', 'true')
_BOOL_FALSE = ('0', 'off', 'no', 'false')
_BOOLEAN_KEYS = ('onboot', 'unprivileged', 'protection', 'template', 'agent', 'ro', 'backup', 'acl',
                 'quota', 'replicate', 'shared', 'firewall', 'link_down', 'nesting', 'keyctl', 'fuse',
                 'mknod', 'force_rw_sys', 'pcie', 'x-vga', 'rombar', 'deny-write', 'enabled', 'host-managed',
                 'ciupgrade', 'fstrim_cloned_disks')
DISK_KEY = re.compile(r'^(rootfs|mp\d+|(scsi|virtio|sata|ide|efidisk|tpmstate)\d+)$')
# "STORAGE:SIZE" (size in GiB) asks Proxmox to allocate a new volume.
NEW_VOLUME = re.compile(r'^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$')
# Sub-keys Proxmox fills in itself: never removed when the user did not give them.
_GENERATED_SUBKEYS = ('hwaddr', 'type', 'macaddr', 'model', 'size', 'media')
ROOT_CREDENTIALS_HINT = (
    "Use api_user=root@pam with api_password (ticket authentication). API tokens never pass this "
    "check, not even a token of root@pam (it acts as root@pam!<name>). For a VM PCI device a "
    "token can use a resource mapping instead (hostpciN: mapping=<id>, Mapping.Use on /mapping/pci/<id>).")

# What a running guest takes at once on PVE 8/9 (the rest waits for a restart), as pve-container
# (LXC::Config vmconfig_hotplug_pending) and qemu-server (vmconfig_hotplug_pending) apply it.
LXC_LIVE_KEYS = ('description', 'onboot', 'startup', 'protection', 'hostname', 'hookscript', 'cores', 'tags',
                 'lock', 'memory', 'swap', 'cpulimit', 'cpuunits')
QEMU_LIVE_KEYS = ('description', 'hookscript', 'lock', 'migrate_downtime', 'migrate_speed', 'name', 'onboot',
                  'protection', 'shares', 'startup', 'tags', 'vmstatestorage', 'cpuunits', 'cpulimit')
# Written to the VM config at once, but the guest only sees them when its cloud-init drive is
# regenerated (next start): qemu-server tracks them in [special:cloudinit], not in /pending.
QEMU_CLOUDINIT_KEYS = ('ciuser', 'citype', 'ciupgrade', 'cicustom', 'nameserver', 'searchdomain',
                       'sshkeys')


def is_property_string(key):
    return any(re.match(pattern, key) for pattern, _dk in _DEFAULT_KEYS)


def default_key(key):
    for pattern, dkey in _DEFAULT_KEYS:
        if re.match(pattern, key):
            return dkey
    return None


def parse_property_string(key, value):
    """'name=eth0,bridge=vmbr0' -> {'name': 'eth0', 'bridge': 'vmbr0'} (order kept).

    A part without '=' goes to the key's default sub-key (mp0 'volume', dev0 'path', ...).
    A QEMU NIC ('virtio=BC:24:...' or a bare 'virtio') becomes model + macaddr; a model
    without a MAC has macaddr None, meaning "any MAC".
    """
    if isinstance(value, dict):
        value = dict((str(k), v) for k, v in value.items())
        result = {}
        for sub, val in value.items():
            if sub in QEMU_NIC_MODELS and re.match(r'^net\d+$', key):
                result['model'], result['macaddr'] = sub, _norm_scalar(sub, val)
            else:
                result[sub] = _norm_scalar(sub, val)
        return result
    result = {}
    dkey = default_key(key)
    is_net = re.match(r'^net\d+$', key) is not None
    for part in [p for p in str(value).split(',') if p != '']:
        sub, sep, val = part.partition('=')
        if is_net and sub in QEMU_NIC_MODELS:
            result['model'] = sub
            result['macaddr'] = val if sep else None
            continue
        if not sep:
            if dkey and dkey not in result:
                sub, val = dkey, part
            else:
                val = None
        result[sub] = _norm_scalar(sub, val)
    return result


def format_property_string(key, parsed):
    dkey = default_key(key)
    parts = []
    for sub, val in parsed.items():
        if sub == 'macaddr':
            continue
        if sub == 'model' and re.match(r'^net\d+$', key):
            mac = parsed.get('macaddr')
            parts.insert(0, '%s=%s' % (val, mac) if mac else val)
        elif sub == dkey and val is not None:
            parts.insert(0, val)
        elif val is None:
            parts.append(sub)
        else:
            parts.append('%s=%s' % (sub, val))
    return ','.join(parts)


def _norm_scalar(key, value):
    if value is None:
        return None
    if isinstance(value, bool):
        return '1' if value else '0'
    text = str(value)
    if key in _BOOLEAN_KEYS:
        if text.lower() in _BOOL_TRUE:
            return '1'
        if text.lower() in _BOOL_FALSE:
            return '0'
    return text


def normalize_tags(value):
    """Tags as Proxmox stores them: split on ; , or space, lowercased, sorted, de-duplicated, joined by ';'."""
    tags = []
    for tag in sorted((t.lower() for t in re.split(r'[;,\s]+', str(value)) if t)):
        if tag not in tags:
            tags.append(tag)
    return ';'.join(tags)


def normalize_value(key, value):
    """Comparable form of a top-level config value."""
    if value is None:
        return None
    if key == 'tags':
        return normalize_tags(value)
    if key == 'description':
        return str(value).rstrip('\n')
    if key in ('nameserver', 'searchdomain'):
        return ' '.join(str(value).split())
    if key == 'sshkeys':
        return str(value).strip()
    if key == 'memory' and re.match(r'^(current=)?\d+$', str(value)):
        return str(value).replace('current=', '')  # a VM's memory is "[current=]<MiB>", an LXC's a number
    if is_property_string(key):
        return parse_property_string(key, value)
    return _norm_scalar(key, value)


def sub_values_match(desired, current, exact=False):
    """True when every sub-key the user set has the same value in the current property string
    (and, for an exact key, the current value has no other sub-key than the ones Proxmox adds)."""
    for sub, val in desired.items():
        if sub not in current:
            return False
        if val is not None and current[sub] != val:
            return False
    if exact:
        return all(sub in desired or sub in _GENERATED_SUBKEYS for sub in current)
    return True


def size_in_gib(text):
    """'32G' / '512M' / '1T' / '8' (GiB) -> float GiB, or None."""
    match = re.match(r'^(\d+(?:\.\d+)?)([KMGT]?)$', str(text or ''))
    if not match:
        return None
    factor = {'K': 1.0 / 1048576, 'M': 1.0 / 1024, 'G': 1.0, 'T': 1024.0, '': 1.0}[match.group(2)]
    return float(match.group(1)) * factor


def _volume_plan(key, want, have, plan):
    """Allocation syntax (STORAGE:SIZE, STORAGE:cloudinit) against an existing volume: never re-send it.

    Proxmox allocates a NEW volume for every write of that syntax and parks the old one as unusedN,
    so the existing volume is kept: same storage and size is no change, a larger size becomes a resize,
    a smaller size or another storage is refused (nothing changed)."""
    vkey = default_key(key)
    wanted, current = want.get(vkey) or '', have.get(vkey) or ''
    storage, _sep, volname = wanted.partition(':')
    cur_storage = current.partition(':')[0]
    if volname == 'cloudinit':
        if 'cloudinit' not in current.partition(':')[2]:
            plan['problems'].append('%s: %s is not a cloud-init drive; remove it first to put a cloud-init drive there'
                                    % (key, current))
        elif storage != cur_storage:
            plan['problems'].append('%s: the cloud-init drive is on %s, not %s; moving it is not done here'
                                    % (key, cur_storage, storage))
        want[vkey] = current
        return
    match = NEW_VOLUME.match(wanted)
    if not match:
        return
    if match.group(1) and match.group(1) != cur_storage:
        plan['problems'].append('%s: the volume %s is on storage %s, the config asks for %s. Moving a volume is not '
                                'done here (pct move-volume / qm disk move, or the GUI); nothing was changed'
                                % (key, current, cur_storage, match.group(1)))
    want_size, have_size = float(match.group(2)), size_in_gib(have.get('size'))
    if have_size is not None and want_size > have_size + 1e-9:
        plan['resize'][key] = '%sG' % match.group(2)
    elif have_size is not None and want_size < have_size - 1e-9:
        plan['problems'].append('%s: the volume %s is %s, the config asks for %sG; Proxmox cannot shrink a volume, '
                                'nothing was changed' % (key, current, have.get('size'), match.group(2)))
    want[vkey] = current
    want.pop('size', None)


def plan_config(desired, current, exact_keys=()):
    """Compare only the keys (and sub-keys) the user set.

    Returns a dict: `updates` maps each key to the value to send (property strings merged over the
    current value, so PVE-added sub-keys such as hwaddr, type=veth and the NIC's MAC are kept),
    `before`/`after` hold the changed keys only (for --diff), `resize` maps disk keys to a new
    size, `problems` lists what cannot be done. For keys in `exact_keys` sub-keys the user no
    longer gives are removed too (except those Proxmox adds itself).
    """
    plan = dict(updates={}, before={}, after={}, resize={}, problems=[])
    for key, value in desired.items():
        if value is None:
            continue
        want = normalize_value(key, value)
        have_raw = current.get(key)
        have = normalize_value(key, have_raw) if have_raw is not None else None
        exact = key in exact_keys
        if isinstance(want, dict):
            if have is not None and DISK_KEY.match(key):
                _volume_plan(key, want, have, plan)
            if have is not None and sub_values_match(want, have, exact):
                continue
            merged = dict((s, v) for s, v in (have or {}).items() if not exact or s in _GENERATED_SUBKEYS or s in want)
            for sub, val in want.items():
                if val is None and sub in merged:
                    continue
                merged[sub] = val
            if 'model' in want and have and want['model'] != have.get('model') and not want.get('macaddr'):
                merged['macaddr'] = have.get('macaddr')  # a new NIC model keeps the MAC
            plan['updates'][key] = format_property_string(key, merged)
        elif want != have:
            plan['updates'][key] = value if key == 'description' else want
        else:
            continue
        plan['before'][key] = None if have_raw is None else str(have_raw)
        plan['after'][key] = str(plan['updates'][key])
    return plan


def compare_config(desired, current, exact_keys=()):
    plan = plan_config(desired, current, exact_keys)
    return plan['updates'], plan['before'], plan['after']


def keys_to_delete(absent_keys, current):
    return [key for key in absent_keys or [] if key in current]


def is_q35(machine):
    """machine: [[type=]<type>] ... - q35 when the type is q35 or pc-q35-<version> (qemu-server Machine.pm)."""
    mtype = (parse_property_string('machine', machine).get('type') or '') if machine else ''
    return mtype == 'q35' or mtype.startswith('pc-q35')


def pcie_without_q35(config):
    """hostpciN keys with pcie=1 when the machine type is not q35 (a real node then refuses to start the VM)."""
    if is_q35(config.get('machine')):
        return []
    return sorted(key for key, value in config.items()
                  if re.match(r'^hostpci\d+$', key) and value and parse_property_string(key, value).get('pcie') == '1')


def _feature_flags(value):
    return dict((f, v) for f, v in parse_property_string('features', value or '').items())


def root_only_reason(kind, key, value, current, deleting=False):
    """Why setting (or deleting) `key` needs root@pam (pve-container / qemu-server rules), or None."""
    value = '' if value is None else str(value)
    if kind == 'lxc':
        if re.match(r'^(mp\d+|rootfs)$', key) and not deleting:
            volume = parse_property_string(key, value).get('volume') or ''
            if volume.startswith('/dev/'):
                return 'mount point type device is only allowed for root@pam'
            if volume.startswith('/'):
                return 'mount point type bind is only allowed for root@pam'
        if re.match(r'^dev\d+$', key):
            return 'configuring device passthrough is only allowed for root@pam'
        if key == 'features':
            if _norm_scalar('unprivileged', current.get('unprivileged', 0)) != '1':
                return 'changing feature flags for privileged container is only allowed for root@pam'
            old = _feature_flags(current.get('features')) if current.get('features') else None
            new = {} if deleting else _feature_flags(value)
            if deleting:
                changed = [f for f in old or {} if f != 'nesting']
            elif old is not None:  # only flags that change count, nesting excepted
                changed = [f for f in set(old) | set(new) if f != 'nesting' and old.get(f, '') != new.get(f, '')]
            else:
                changed = [f for f in new if f != 'nesting']
            if changed:
                return 'changing feature flags (except nesting) is only allowed for root@pam'
        if key == 'hookscript':
            return 'changing the hookscript is only allowed for root@pam'
    else:
        if re.match(r'^hostpci\d+$', key):
            for label, text in (('old', current.get(key)), ('new', None if deleting else value)):
                parsed = parse_property_string(key, text) if text else {}
                if parsed.get('host'):
                    return "only root@pam can set '%s' for a raw PCI address (%s value %s; use a mapping)" % (key, label, text)
                if 'romfile' in parsed and label == 'new':
                    return "only root@pam can set the 'romfile' option of '%s'" % key
        if re.match(r'^usb\d+$', key) and not deleting and 'mapping=' not in value and not value.startswith('spice'):
            return "only root@pam can set '%s' for a real device" % key
        if key in ('args', 'lock'):
            return "only root@pam can set '%s'" % key
    return None


def root_only_problems(kind, updates, current, deletes=()):
    merged = dict(current)
    merged.update(updates)
    problems = []
    for key in sorted(updates):
        reason = root_only_reason(kind, key, updates[key], current)
        if reason:
            problems.append('%s (%s)' % (key, reason))
    for key in sorted(deletes):
        reason = root_only_reason(kind, key, None, current, deleting=True)
        if reason:
            problems.append('delete %s (%s)' % (key, reason))
    return problems


def needs_restart(kind, key, current=None, deleting=False):
    """Whether a change of `key` on a running guest waits for a restart (PVE 8/9 hotplug rules)."""
    current = current or {}
    if kind == 'lxc':
        if key in LXC_LIVE_KEYS or re.match(r'^net\d+$', key):
            return False
        if deleting:
            return not re.match(r'^unused\d+$', key)
        if re.match(r'^(mp|dev)\d+$', key):
            return key in current  # a new mount point or device is hot-plugged, a changed one is not
        return True  # nameserver, searchdomain, timezone, features, rootfs, ...
    hotplug = str(current.get('hotplug', '1'))
    features = set() if hotplug == '0' else set(('network,disk,usb' if hotplug == '1' else hotplug).split(','))
    if key in QEMU_LIVE_KEYS:
        return False
    if key in QEMU_CLOUDINIT_KEYS or key == 'cipassword' or re.match(r'^ipconfig\d+$', key):
        return False  # written to the config at once (see predicted_pending for the cloud-init drive)
    if re.match(r'^net\d+$', key):
        return 'network' not in features
    if re.match(r'^(scsi|virtio|sata|ide)\d+$', key) and not deleting:
        return key in current or 'disk' not in features
    if key == 'memory':
        return 'memory' not in features
    return True  # agent, boot, cores, hostpciN, machine, ...


def predicted_pending(kind, key, current, deleting=False):
    """The name under which a change of `key` on a running guest shows up as pending afterwards:
    `key` in /pending, `cloudinit:key` in the cloud-init list of a VM, or None (applied at once).
    qemu-server tracks cloud-init values in [special:cloudinit]: existing cloud-init options when
    changed, any cloud-init key when newly added; cipassword is stored at once and not tracked."""
    if kind == 'qemu':
        if key in QEMU_CLOUDINIT_KEYS and key != 'cipassword':
            return 'cloudinit:%s' % key
        if re.match(r'^ipconfig\d+$', key) and key not in current and not deleting:
            return 'cloudinit:%s' % key
    return key if needs_restart(kind, key, current, deleting) else None


def pending_keys(pending):
    """Keys of GET .../pending entries that wait for a restart."""
    return sorted(item['key'] for item in pending or [] if 'pending' in item or item.get('delete'))


def cloudinit_pending_keys(entries):
    """Keys of GET .../qemu/<vmid>/cloudinit that the guest's cloud-init drive does not hold yet."""
    return sorted('cloudinit:%s' % item['key'] for item in entries or [] if 'pending' in item)


# ------------------------------------------------------------------------------ client

class ProxmoxClient(object):
    """Connection over proxmoxer with the collection's auth rules."""

    def __init__(self, module):
        self.module = module
        if not HAS_PROXMOXER:
            module.fail_json(msg=missing_required_lib('proxmoxer'), exception=PROXMOXER_IMPORT_ERROR)
        params = module.params
        user = params['api_user']
        token_id = params.get('api_token_id')
        if token_id and '!' in token_id:
            user, token_id = token_id.split('!', 1)
        if not (params.get('api_password') or (token_id and params.get('api_token_secret'))):
            module.fail_json(msg='Give either api_password (ticket for api_user) or api_token_id and '
                                 'api_token_secret; neither was set (env PROXMOX_PASSWORD or PROXMOX_TOKEN_ID/'
                                 'PROXMOX_TOKEN_SECRET also work).')
        self.where = '%s:%s' % (params['api_host'], params['api_port'])
        kwargs = dict(host=params['api_host'], port=params['api_port'], user=user,
                      verify_ssl=params.get('ca_path') or params['validate_certs'], timeout=params['api_timeout'])
        if token_id and params.get('api_token_secret'):
            kwargs.update(token_name=token_id, token_value=params['api_token_secret'])
            self.effective_user = '%s!%s' % (user, token_id)
        else:
            kwargs.update(password=params['api_password'])
            self.effective_user = user
        try:
            self.api = ProxmoxAPI(**kwargs)
            self.version = self.api.version.get()
        except Exception as exc:  # proxmoxer raises many kinds (auth, SSL, connection)
            module.fail_json(msg='Failed to connect to the Proxmox API at %s as %s: %s. Check api_host, '
                                 'the credentials and validate_certs/ca_path (the CA of the node: '
                                 '/etc/pve/pve-root-ca.pem).' % (self.where, self.effective_user, describe_error(exc)))

    @property
    def is_root_pam(self):
        return self.effective_user == 'root@pam'

    def wait_task(self, node, upid, timeout, what):
        """Poll a task until it stops. A fresh UPID may answer 400 for a moment; any other error
        (403 no permission to read the task, 595 node unreachable ...) fails at once, saying so."""
        deadline = time.time() + timeout
        status = {}
        while time.time() < deadline:
            try:
                status = self.api.nodes(node).tasks(upid).status.get()
            except Exception as exc:  # proxmoxer's ResourceException, or a transport error
                code = getattr(exc, 'status_code', None)
                if code == 400:
                    time.sleep(1)
                    continue
                if code is None:
                    self.module.fail_json(msg='Failed to %s: lost the connection to %s while waiting for task %s: %s'
                                              % (what, self.where, upid, describe_error(exc)))
                self.module.fail_json(msg='Failed to %s: reading task %s answered %s. The task may still be running '
                                          'on the node; check it there (Tasks panel or pvenode task status).'
                                          % (what, upid, describe_error(exc)))
            if status.get('status') == 'stopped':
                exitstatus = str(status.get('exitstatus', ''))
                if exitstatus != 'OK' and not exitstatus.startswith('WARNINGS'):
                    self.module.fail_json(msg='Failed to %s: task %s ended with: %s' % (what, upid, exitstatus))
                return status
            time.sleep(1)
        self.module.fail_json(msg='Timed out after %ss waiting to %s (task %s still %s); raise the timeout option '
                                  'or check the task on the node.' % (timeout, what, upid, status.get('status', 'unknown')))
        return status


def describe_error(exc):
    """One line for a proxmoxer / requests exception (no traceback)."""
    code = getattr(exc, 'status_code', None)
    if code is not None:
        text = '%s %s' % (code, getattr(exc, 'status_message', '') or '')
        content = getattr(exc, 'content', None)
        if content:
            text += ': %s' % content
        errors = getattr(exc, 'errors', None)
        if errors:
            text += ' %s' % errors
        hint = {401: ' (authentication failed: user, password or token)',
                403: ' (permission denied for these credentials)',
                595: ' (the node could not be reached from the node answering the API)',
                596: ' (connection between cluster nodes timed out)'}.get(code, '')
        return text.strip() + hint
    name = type(exc).__name__
    if 'Timeout' in name:
        return 'timed out (%s); the node did not answer within api_timeout' % exc
    if 'SSLError' in name:
        return 'TLS certificate check failed (%s); give ca_path (the node\'s /etc/pve/pve-root-ca.pem) or validate_certs=false' % exc
    if 'ConnectionError' in name:
        return 'cannot connect (%s); check api_host/api_port and that pveproxy runs' % exc
    return '%s: %s' % (name, exc)

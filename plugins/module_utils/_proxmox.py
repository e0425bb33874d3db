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
    from proxmoxer.core import ResourceException
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
    (r'^startup$', 'order'), (r'^agent$', 'enabled'), (r'^net\d+$', None), (r'^features$', None),
    (r'^ipconfig\d+$', None), (r'^smbios1$', None),
)
_QEMU_NIC_MODELS = ('virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3')
_BOOL_TRUE = ('1', 'on', 'yes', 'true')
_BOOL_FALSE = ('0', 'off', 'no', 'false')
_BOOLEAN_KEYS = ('onboot', 'unprivileged', 'protection', 'template', 'agent', 'ro', 'backup', 'acl',
                 'quota', 'replicate', 'shared', 'firewall', 'link_down', 'nesting', 'keyctl', 'fuse',
                 'mknod', 'force_rw_sys', 'pcie', 'x-vga', 'rombar', 'deny-write', 'enabled', 'host-managed')
# Keys PVE needs a guest restart for when the guest is running (mirrors pve-container/qemu-server).
LXC_HOTPLUG = ('memory', 'swap', 'cores', 'cpulimit', 'cpuunits', 'description', 'onboot', 'startup',
               'tags', 'protection', 'hostname', 'nameserver', 'searchdomain', 'timezone')
ROOT_CREDENTIALS_HINT = (
    "Use api_user=root@pam with api_password (ticket authentication). API tokens never pass this "
    "check, not even a token of root@pam (it acts as root@pam!<name>). For a VM PCI device a "
    "token can use a resource mapping instead (hostpciN: mapping=<id>, Mapping.Use on /mapping/pci/<id>).")


def is_property_string(key):
    return any(re.match(pattern, key) for pattern, _dk in _DEFAULT_KEYS)


def default_key(key):
    for pattern, dkey in _DEFAULT_KEYS:
        if re.match(pattern, key):
            return dkey
    return None


def parse_property_string(key, value):
    """'name=eth0,bridge=vmbr0' -> {'name': 'eth0', 'bridge': 'vmbr0'} (order kept).

    A part without '=' goes to the key's default sub-key (mp0 'volume', dev0 'path', ...);
    for a qemu NIC model without a MAC ('virtio') the value is None, meaning "any MAC".
    """
    if isinstance(value, dict):
        return dict((str(k), _norm_scalar(k, v)) for k, v in value.items())
    result = {}
    dkey = default_key(key)
    for part in [p for p in str(value).split(',') if p != '']:
        if '=' in part:
            sub, val = part.split('=', 1)
        elif dkey and dkey not in result:
            sub, val = dkey, part
        else:
            sub, val = part, None
        result[sub] = _norm_scalar(sub, val)
    return result


def format_property_string(key, parsed):
    dkey = default_key(key)
    parts = []
    for sub, val in parsed.items():
        if sub == dkey and val is not None:
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


def normalize_value(key, value):
    """Comparable form of a top-level config value."""
    if value is None:
        return None
    if key == 'tags':
        return ';'.join(sorted(t for t in re.split(r'[;, ]+', str(value)) if t))
    if key == 'description':
        return str(value).rstrip('\n')
    if key in ('nameserver', 'searchdomain'):
        return ' '.join(str(value).split())
    if key == 'sshkeys':
        return str(value).strip()
    if is_property_string(key):
        return parse_property_string(key, value)
    return _norm_scalar(key, value)


def sub_values_match(desired, current):
    """True when every sub-key the user set has the same value in the current property string."""
    for sub, val in desired.items():
        if sub not in current:
            return False
        if val is not None and current[sub] != val:
            return False
    return True


def compare_config(desired, current):
    """Compare only the keys (and sub-keys) the user set.

    Returns (updates, before, after): `updates` maps each key to the value to send (property
    strings merged over the current value, so PVE-added sub-keys such as hwaddr and type=veth
    are kept), `before`/`after` hold the changed keys only, for --diff.
    """
    updates, before, after = {}, {}, {}
    for key, value in desired.items():
        if value is None:
            continue
        want = normalize_value(key, value)
        have_raw = current.get(key)
        have = normalize_value(key, have_raw) if have_raw is not None else None
        if isinstance(want, dict):
            if have is not None and sub_values_match(want, have):
                continue
            merged = dict(have or {})
            for sub, val in want.items():
                if val is None and sub in merged:
                    continue
                merged[sub] = val
            updates[key] = format_property_string(key, merged)
            before[key] = None if have_raw is None else str(have_raw)
            after[key] = updates[key]
        elif want != have:
            updates[key] = value if key == 'description' else want
            before[key] = None if have_raw is None else str(have_raw)
            after[key] = str(updates[key])
    return updates, before, after


def keys_to_delete(absent_keys, current):
    return [key for key in absent_keys or [] if key in current]


def root_only_reason(kind, key, value, current):
    """Why setting `key` needs root@pam (pve-container / qemu-server rules), or None."""
    value = str(value)
    if kind == 'lxc':
        if re.match(r'^(mp\d+|rootfs)$', key):
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
            flags = parse_property_string(key, value)
            if [f for f, v in flags.items() if f != 'nesting' and v != '0']:
                return 'changing feature flags (except nesting) is only allowed for root@pam'
        if key == 'hookscript':
            return 'changing the hookscript is only allowed for root@pam'
    else:
        if re.match(r'^hostpci\d+$', key) and 'mapping' not in parse_property_string(key, value):
            return "only root@pam can set '%s' for a raw PCI address (not a mapping)" % key
        if re.match(r'^usb\d+$', key) and 'mapping=' not in value and not value.startswith('spice'):
            return "only root@pam can set '%s' for a real device" % key
        if key == 'args':
            return "only root@pam can set 'args'"
    return None


def root_only_problems(kind, updates, current):
    merged = dict(current)
    merged.update(updates)
    problems = []
    for key in sorted(updates):
        reason = root_only_reason(kind, key, updates[key], merged)
        if reason:
            problems.append('%s (%s)' % (key, reason))
    return problems


def needs_restart(kind, key):
    if kind == 'lxc':
        return key not in LXC_HOTPLUG and not re.match(r'^net\d+$', key)
    return key not in ('description', 'onboot', 'startup', 'tags', 'protection', 'name', 'agent', 'boot',
                       'ciuser', 'sshkeys', 'nameserver', 'searchdomain') and not re.match(r'^(net|ipconfig)\d+$', key)


def pending_keys(pending):
    """Keys of GET .../pending entries that wait for a restart."""
    return sorted(item['key'] for item in pending or [] if 'pending' in item or item.get('delete'))


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
        kwargs = dict(host=params['api_host'], port=params['api_port'], user=user,
                      verify_ssl=params['ca_path'] or params['validate_certs'], timeout=params['api_timeout'])
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
            module.fail_json(msg='Failed to connect to the Proxmox API at %s:%s as %s: %s. Check api_host, '
                                 'the credentials and validate_certs/ca_path.'
                                 % (params['api_host'], params['api_port'], self.effective_user, exc))

    @property
    def is_root_pam(self):
        return self.effective_user == 'root@pam'

    def wait_task(self, node, upid, timeout, what):
        deadline = time.time() + timeout
        status = {}
        while time.time() < deadline:
            try:
                status = self.api.nodes(node).tasks(upid).status.get()
            except ResourceException:  # a fresh UPID can answer 400 for a moment
                status = {}
            if status.get('status') == 'stopped':
                if status.get('exitstatus') != 'OK' and not str(status.get('exitstatus', '')).startswith('WARNINGS'):
                    self.module.fail_json(msg='Failed to %s: task %s ended with %s' % (what, upid, status.get('exitstatus')))
                return status
            time.sleep(1)
        self.module.fail_json(msg='Timed out after %ss waiting to %s (task %s still %s)'
                                  % (timeout, what, upid, status.get('status', 'unknown')))
        return status

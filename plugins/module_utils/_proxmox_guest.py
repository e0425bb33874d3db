# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest manager behind homelab.mediastack.proxmox_guest (private)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.homelab.mediastack.plugins.module_utils._proxmox import (
    ROOT_CREDENTIALS_HINT, ProxmoxClient, ResourceException, cloudinit_pending_keys, describe_error,
    keys_to_delete, pcie_without_q35, pending_keys, plan_config, predicted_pending, root_only_problems)

GUEST_ARGS = dict(
    node=dict(type='str', required=True),
    vmid=dict(type='int', required=True),
    kind=dict(type='str', required=True, choices=['lxc', 'vm']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    running=dict(type='bool'),
    config=dict(type='dict', default={}),
    create=dict(type='dict', default={}),
    password=dict(type='str', no_log=True),
    clone=dict(type='int'),
    clone_full=dict(type='bool', default=True),
    storage=dict(type='str'),
    absent_keys=dict(type='list', elements='str', default=[], no_log=False),
    owned_keys=dict(type='list', elements='str', default=[], no_log=False),
    restart=dict(type='bool', default=False),
    confirm_destroy=dict(type='bool', default=False),
    timeout=dict(type='int', default=300),
)

# Sent only when a guest is created (never compared): an LXC's template and root password, a VM's
# create-time disks. Everything else in `create` is also applied to a clone after cloning.
_CREATE_ONLY = ('ostemplate', 'password', 'ssh-public-keys', 'storage', 'unprivileged', 'rootfs', 'pool', 'start',
                'unique', 'restore', 'force')


def _api_value(value):
    return int(value) if isinstance(value, bool) else value


class GuestManager(object):

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.kind = 'lxc' if self.p['kind'] == 'lxc' else 'qemu'
        self.what = '%s %s' % ('CT' if self.kind == 'lxc' else 'VM', self.p['vmid'])
        self.client = ProxmoxClient(module)
        self.node_api = self.client.api.nodes(self.p['node'])
        self.result = dict(changed=False, vmid=self.p['vmid'], pending=[], restart_needed=False,
                           diff=dict(before={}, after={}), actions=[])

    # -- helpers
    def fail(self, verb, exc):
        self.module.fail_json(msg='Failed to %s %s on node %s: %s' % (verb, self.what, self.p['node'], describe_error(exc)),
                              **self.result)

    def guest(self):
        return getattr(self.node_api, self.kind)(self.p['vmid'])

    def call(self, verb, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # ResourceException, and requests' transport errors: never a traceback
            self.fail(verb, exc)

    def wait(self, upid, verb):
        if upid:
            self.client.wait_task(self.p['node'], upid, self.p['timeout'], '%s %s' % (verb, self.what))

    def find(self):
        resources = self.call('list guests for', self.client.api.cluster.resources.get, type='vm')
        for res in resources:
            if int(res.get('vmid', -1)) == self.p['vmid']:
                if res.get('type') != self.kind or res.get('node') != self.p['node']:
                    self.module.fail_json(
                        msg='VMID %s is already used by %s %r on node %s, not a %s on %s. Pick another vmid; '
                            'this module never takes over or replaces another guest.'
                            % (self.p['vmid'], res.get('type'), res.get('name'), res.get('node'), self.kind, self.p['node']))
                return res
        return None

    def check_root(self, updates, current, deletes=()):
        if self.client.is_root_pam:
            return
        problems = root_only_problems(self.kind, updates, current, deletes)
        if problems:
            self.module.fail_json(
                msg='Refusing to change %s: %s need root@pam, but the credentials given act as %s. %s Nothing was changed.'
                    % (self.what, '; '.join(problems), self.client.effective_user, ROOT_CREDENTIALS_HINT),
                needs_root=problems, **self.result)

    def check_q35(self, config):
        if self.kind != 'qemu':
            return
        keys = pcie_without_q35(config)
        if keys:
            self.module.fail_json(
                msg='Refusing to change %s: %s set pcie=1, but the machine type is %s, not q35; Proxmox would refuse '
                    'to start the VM ("q35 machine model is not enabled"). Add machine: q35 to config (the '
                    'gpu_passthrough role does), or set pcie=0. Nothing was changed.'
                    % (self.what, ', '.join(keys), config.get('machine') or 'i440fx (the default)'), **self.result)

    def status(self):
        return self.call('read the status of', self.guest().status.current.get).get('status')

    def set_running(self, want):
        if want is None:
            return
        current = self.status()
        if want and current != 'running':
            self.result['actions'].append('start')
            self.result['changed'] = True
            if not self.module.check_mode:
                self.wait(self.call('start', self.guest().status.start.post), 'start')
        elif not want and current == 'running':
            self.result['actions'].append('shutdown')
            self.result['changed'] = True
            if not self.module.check_mode:
                self.wait(self.call('shut down', self.guest().status.shutdown.post, timeout=60), 'shut down')

    # -- flows
    def absent(self, found):
        if not found:
            self.module.exit_json(msg='%s does not exist' % self.what, **self.result)
        if not self.p['confirm_destroy']:
            self.module.fail_json(msg='%s exists and state=absent was asked, but confirm_destroy is not true. '
                                      'Set confirm_destroy=true to really destroy it and its disks.' % self.what)
        self.result['changed'] = True
        self.result['diff'] = dict(before={'vmid': self.p['vmid'], 'name': found.get('name')}, after={})
        if self.module.check_mode:
            self.module.exit_json(msg='%s would be destroyed' % self.what, **self.result)
        # /cluster/resources is refreshed every few seconds; the guest's own status is current
        if self.status() == 'running':
            self.wait(self.call('stop', self.guest().status.stop.post), 'stop')
        self.wait(self.call('destroy', self.guest().delete, purge=1), 'destroy')
        self.module.exit_json(msg='%s destroyed' % self.what, **self.result)

    def desired_config(self):
        """config, plus for a clone the create keys a clone must receive (sshkeys, ciuser, ipconfigN ...)."""
        config = dict((k, v) for k, v in self.p['config'].items() if v is not None)
        if self.p['clone'] is not None:
            for key, value in self.p['create'].items():
                if value is not None and key not in _CREATE_ONLY:
                    config.setdefault(key, value)
        return config

    def create(self):
        params = dict((k, _api_value(v)) for k, v in self.p['config'].items() if v is not None)
        params.update(dict((k, _api_value(v)) for k, v in self.p['create'].items() if v is not None))
        self.check_q35(params)
        self.check_root(params, {})
        self.result['changed'] = True
        self.result['actions'].append('clone' if self.p['clone'] else 'create')
        self.result['diff'] = dict(before={}, after=dict((k, str(v)) for k, v in params.items()))
        if self.module.check_mode:
            return
        if self.p['clone'] is not None:
            src = self.node_api.qemu(self.p['clone'])
            clone_args = dict(newid=self.p['vmid'], full=int(self.p['clone_full']))
            if 'name' in self.p['config']:
                clone_args['name'] = self.p['config']['name']
            if self.p['storage'] and self.p['clone_full']:
                clone_args['storage'] = self.p['storage']
            self.wait(self.call('clone %s into' % self.p['clone'], src.clone.post, **clone_args), 'clone')
            current = self.call('read the config of', self.guest().config.get)
            plan = plan_config(self.desired_config(), current, self.p['owned_keys'])
            if plan['updates']:
                self.call('configure', self.guest().config.put, digest=current['digest'], **plan['updates'])
            self.resize(plan['resize'])
        else:
            if self.p['password']:
                params['password'] = self.p['password']
            collection = getattr(self.node_api, self.kind)
            self.wait(self.call('create', collection.post, vmid=self.p['vmid'], **params), 'create')

    def resize(self, sizes):
        for key in sorted(sizes):
            upid = self.call('resize %s of' % key, self.guest().resize.put, disk=key, size=sizes[key])
            self.wait(upid, 'resize %s of' % key)

    def update(self, running):
        current = self.call('read the config of', self.guest().config.get)
        owned = self.p['owned_keys']
        plan = plan_config(self.desired_config(), current, owned)
        if plan['problems']:
            self.module.fail_json(msg='Refusing to change %s: %s' % (self.what, '; '.join(plan['problems'])),
                                  **self.result)
        updates, before, after = plan['updates'], plan['before'], plan['after']
        declared = self.desired_config()
        deletes = keys_to_delete(list(self.p['absent_keys']) + [k for k in owned if k not in declared], current)
        deletes = sorted(set(deletes) - set(updates))
        merged = dict(current)
        merged.update(updates)
        for key in deletes:
            merged.pop(key, None)
            before[key] = str(current[key])
            after[key] = None
        self.check_q35(merged)
        self.check_root(updates, current, deletes)
        for key, size in plan['resize'].items():
            before.setdefault(key, str(current[key]))
            after['%s size' % key] = size
        changed_keys = sorted(list(updates) + deletes + list(plan['resize']))
        predicted = [predicted_pending(self.kind, k, current) for k in updates]
        predicted += [predicted_pending(self.kind, k, current, deleting=True) for k in deletes]
        self.result['predicted_restart'] = sorted(k for k in predicted if k) if running else []
        untracked = [k for k in updates if self.kind == 'qemu' and (k == 'cipassword' or (
            k.startswith('ipconfig') and k in current))]
        if running and untracked:
            self.module.warn('%s: %s reach the guest only when its cloud-init drive is regenerated (next start); '
                             'Proxmox does not list them as pending.' % (self.what, ', '.join(sorted(untracked))))
        if changed_keys:
            self.result['changed'] = True
            self.result['actions'].append('update')
            self.result['diff'] = dict(before=before, after=after)
            self.result['updated_keys'] = changed_keys
            if not self.module.check_mode:
                args = dict(updates)
                if deletes:
                    args['delete'] = ','.join(deletes)
                if args:
                    self.call('update the config of', self.guest().config.put, digest=current['digest'], **args)
                self.resize(plan['resize'])
        return changed_keys

    def pending(self):
        pending = pending_keys(self.call('read pending changes of', self.guest().pending.get))
        if self.kind == 'qemu':
            try:
                pending += cloudinit_pending_keys(self.guest().cloudinit.get())
            except (ResourceException, AttributeError):  # PVE before 7.2 has no cloudinit endpoint
                pass
        return pending

    def run(self):
        found = self.find()
        if self.p['state'] == 'absent':
            self.absent(found)
        if not found and not self.p['create'] and self.p['clone'] is None:
            if self.module.check_mode:
                self.module.warn('%s does not exist yet; in a real run it must be created first' % self.what)
                self.module.exit_json(msg='%s does not exist (check mode)' % self.what, **self.result)
            self.module.fail_json(msg='%s does not exist on node %s and no create settings were given: create it first '
                                      '(homelab.mediastack.proxmox_guest role)' % (self.what, self.p['node']))
        if not found:
            self.create()
            if self.module.check_mode:
                if self.p['running']:
                    self.result['actions'].append('start')
                self.module.exit_json(msg='%s would be created' % self.what, **self.result)
            self.set_running(self.p['running'])
        else:
            running = self.status() == 'running'
            self.update(running)
            if self.module.check_mode:
                self.result['pending'] = self.result.pop('predicted_restart')
                self.result['restart_needed'] = bool(self.result['pending'])
                if self.p['running'] is not None and self.p['running'] != running:
                    self.result['changed'] = True
                    self.result['actions'].append('start' if self.p['running'] else 'shutdown')
                self.module.exit_json(msg=self.message(), **self.result)
            self.apply_pending()
            self.set_running(self.p['running'])
        self.result.pop('predicted_restart', None)
        self.result['config'] = self.call('read the config of', self.guest().config.get)
        self.result['pending'] = self.pending()
        self.result['restart_needed'] = bool(self.result['pending']) and self.status() == 'running'
        if self.result['restart_needed']:
            self.module.warn('%s has pending changes (%s) that apply on the next restart; set restart=true '
                             '(proxmox_guest_allow_restart in the role) to restart it now.'
                             % (self.what, ', '.join(self.result['pending'])))
        self.module.exit_json(msg=self.message(), **self.result)

    def apply_pending(self):
        if not self.p['restart'] or self.status() != 'running' or not self.pending():
            return
        self.result['changed'] = True
        self.result['actions'].append('restart')
        self.wait(self.call('shut down', self.guest().status.shutdown.post, timeout=60), 'shut down')
        self.wait(self.call('start', self.guest().status.start.post), 'start')

    def message(self):
        if not self.result['changed']:
            return '%s is up to date' % self.what
        return '%s: %s%s' % (self.what, ', '.join(self.result['actions']),
                             ' (check mode, nothing written)' if self.module.check_mode else '')

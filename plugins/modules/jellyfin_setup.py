#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: jellyfin_setup
short_description: Complete Jellyfin's first-run wizard and return an API key
version_added: 0.1.0
description:
  - On a Jellyfin whose wizard is not done (C(StartupWizardCompleted) false in
    C(/System/Info/Public)), sets the language and metadata country, names the administrator and
    sets its password, sets remote access, and completes the wizard (C(/Startup/*)).
  - Then signs in as that administrator and makes sure an API key named O(api_key_name)
    exists (C(/Auth/Keys)), and returns it for the other Jellyfin modules and for the request app.
  - On a Jellyfin whose wizard is already done the wizard settings are not touched (they are then
    ordinary server settings); the administrator must be able to sign in.
extends_documentation_fragment:
  - homelab.mediastack.jellyfin
attributes:
  check_mode:
    support: full
    description: Reports whether the wizard or the key would be done; writes nothing (no key is returned when none exists yet).
  diff_mode:
    support: full
    description: Before/after of the wizard state and of the key's presence.
  idempotent:
    support: full
    description: A second run finds the wizard complete and the key present.
options:
  username:
    description: Name of the administrator the wizard creates (and signs in as).
    required: true
  password:
    description: Password of the administrator.
    required: true
  api_key:
    description: Not used by this module (it makes the key); left in the options shared by the Jellyfin modules.
  ui_culture:
    description: Display language of the server (C(UICulture)).
    type: str
    default: en-US
  metadata_country:
    description: Country code for metadata (C(MetadataCountryCode)).
    type: str
    default: US
  metadata_language:
    description: Preferred metadata language (C(PreferredMetadataLanguage)).
    type: str
    default: en
  enable_remote_access:
    description: Allow connections from outside the local network (C(EnableRemoteAccess)).
    type: bool
    default: true
  enable_upnp:
    description: Let Jellyfin map its port on the router with UPnP (C(EnableAutomaticPortMapping)).
    type: bool
    default: false
  api_key_name:
    description: App name of the API key to have (shown in the dashboard's API keys).
    type: str
    default: homelab.mediastack
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Finish the Jellyfin wizard and get an API key
  homelab.mediastack.jellyfin_setup:
    url: http://jellyfin.example.com:8096
    username: admin
    password: "{{ vault_jellyfin_admin_password }}"
    metadata_country: DE
  register: jellyfin
  no_log: true

- name: Use the key for the libraries
  homelab.mediastack.jellyfin_library:
    url: http://jellyfin.example.com:8096
    api_key: "{{ jellyfin.api_key }}"
    name: Movies
    collection_type: movies
    paths: [/data/media/movies]
'''

RETURN = r'''
api_key:
  description: The API key named O(api_key_name) (absent in check mode when it does not exist yet).
  returned: success
  type: str
wizard_completed:
  description: Whether the wizard was already complete before this run.
  returned: always
  type: bool
server_id:
  description: Jellyfin's server id.
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._jellyfin import JellyfinClient, connection_argument_spec


def main():
    argument_spec = connection_argument_spec()
    argument_spec['username'].update(required=True)
    argument_spec['password'].update(required=True)
    argument_spec.update(
        ui_culture=dict(type='str', default='en-US'),
        metadata_country=dict(type='str', default='US'),
        metadata_language=dict(type='str', default='en'),
        enable_remote_access=dict(type='bool', default=True),
        enable_upnp=dict(type='bool', default=False),
        api_key_name=dict(type='str', default='homelab.mediastack', no_log=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    client = JellyfinClient(p['url'], validate_certs=p['validate_certs'], timeout=p['timeout'], secrets=[p['password']])
    result = dict(changed=False)
    try:
        info = client.public_info()
        completed = bool(info.get('StartupWizardCompleted'))
        result.update(wizard_completed=completed, server_id=info.get('Id'))
        before = dict(wizard_completed=completed, api_key_present=False)
        if not completed:
            result['changed'] = True
            if module.check_mode:
                module.exit_json(diff=dict(before=before, after=dict(wizard_completed=True, api_key_present=True)),
                                 msg='The wizard would be completed and an API key made', **result)
            client.run_wizard(
                p['username'], p['password'],
                dict(UICulture=p['ui_culture'], MetadataCountryCode=p['metadata_country'],
                     PreferredMetadataLanguage=p['metadata_language']),
                dict(EnableRemoteAccess=p['enable_remote_access'], EnableAutomaticPortMapping=p['enable_upnp']))
        try:
            client.authenticate(p['username'], p['password'])
        except ApiError as exc:
            if completed:
                module.fail_json(msg='Jellyfin at %s has finished its wizard already and %s Give the administrator '
                                     'that exists there.' % (client.url, exc), **result)
            raise
        key = next((k for k in client.api_keys() if k.get('AppName') == p['api_key_name']), None)
        before['api_key_present'] = key is not None
        if key is None:
            result['changed'] = True
            if not module.check_mode:
                client.create_api_key(p['api_key_name'])
                key = next((k for k in client.api_keys() if k.get('AppName') == p['api_key_name']), None)
                if key is None:
                    module.fail_json(msg='Jellyfin at %s made no API key named %s' % (client.url, p['api_key_name']))
        if key is not None:
            result['api_key'] = key['AccessToken']
    except ApiError as exc:
        module.fail_json(msg='Failed to set up Jellyfin: %s' % exc, **result)
    module.exit_json(diff=dict(before=before, after=dict(wizard_completed=True, api_key_present=True)), **result)


if __name__ == '__main__':
    main()

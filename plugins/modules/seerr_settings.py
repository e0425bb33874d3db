#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: seerr_settings
short_description: Link Jellyseerr or Overseerr to the media server and to Sonarr and Radarr
version_added: 0.1.0
description:
  - On a fresh Seerr, does the first-run setup through the API - signs in with the media
    server's administrator (which links the media server and makes that user Seerr's owner),
    enables the libraries, adds the *arr servers and completes the setup (C(/settings/initialize)).
  - On a set-up Seerr, brings the media server address, the enabled libraries and the Sonarr and
    Radarr servers in line with the options. Only the keys the module manages are compared;
    servers not listed are kept unless O(purge).
  - Quality profiles, root folders and tags are given by name and looked up through Seerr's
    own connection test (C(/settings/<kind>/test)), so Seerr must reach each *arr app by the
    host name given - a service name, never V(localhost) or V(127.0.0.1), which the module refuses.
  - Returns Seerr's API key (C(main.apiKey)).
extends_documentation_fragment:
  - homelab.mediastack.seerr
attributes:
  check_mode:
    support: full
    description: Reads and reports what would change. On a fresh Seerr nothing can be read before the first sign-in, so it reports the setup as a change.
  diff_mode:
    support: full
    description: Before/after of the media server link, libraries and servers (API keys masked).
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  media_server:
    description: The media server Seerr is linked to (the first-run link and its address afterwards).
    type: dict
    required: true
    suboptions:
      type:
        description: Kind of media server. V(plex) signs in with O(media_server.plex_token), the plex.tv token of the server's owner.
        type: str
        choices: [jellyfin, emby, plex]
        default: jellyfin
      hostname:
        description: Host name Seerr reaches the media server by (a service name such as V(jellyfin)).
        type: str
        required: true
      port:
        description: Port of the media server.
        type: int
        default: 8096
      use_ssl:
        description: Reach the media server over HTTPS.
        type: bool
        default: false
      url_base:
        description: URL base of the media server (for example V(/jellyfin)).
        type: str
        default: ''
      username:
        description: Administrator of the Jellyfin/Emby server; becomes Seerr's owner at the first run.
        type: str
      password:
        description: Password of O(media_server.username).
        type: str
      email:
        description: E-mail address of the owner (Jellyseerr asks for one at the first run).
        type: str
      plex_token:
        description: plex.tv token of the Plex owner (type V(plex) only).
        type: str
      libraries:
        description: Names of the media server's libraries to enable in Seerr. Omitted, all movie and show libraries are enabled.
        type: list
        elements: str
  sonarr:
    description: Sonarr servers, matched by O(sonarr[].name).
    type: list
    elements: dict
    default: []
    suboptions: &servers
      name:
        description: Name of the server in Seerr.
        type: str
        required: true
      hostname:
        description: Host name Seerr reaches the app by (a service name, not localhost).
        type: str
        required: true
      port:
        description: Port of the app.
        type: int
        required: true
      api_key:
        description: API key of the app.
        type: str
        required: true
      use_ssl:
        description: Use HTTPS.
        type: bool
        default: false
      base_url:
        description: URL base of the app.
        type: str
        default: ''
      quality_profile:
        description: Name of the quality profile requests get.
        type: str
        required: true
      root_folder:
        description: Root folder requests go to (must exist in the app).
        type: str
        required: true
      tags:
        description: Names of tags (existing in the app) requests get.
        type: list
        elements: str
        default: []
      is_4k:
        description: This is the 4K server.
        type: bool
        default: false
      is_default:
        description: Default server (for its 4K flag).
        type: bool
        default: true
      external_url:
        description: URL users open the app at.
        type: str
      sync_enabled:
        description: Scan the app for available media.
        type: bool
        default: false
      prevent_search:
        description: Add without searching.
        type: bool
        default: false
      minimum_availability:
        description: Radarr only - when a movie counts as available.
        type: str
        choices: [announced, inCinemas, released]
      season_folders:
        description: Sonarr only - use season folders.
        type: bool
      series_type:
        description: Sonarr only - series type of requests.
        type: str
        choices: [standard, daily, anime]
      language_profile:
        description: Sonarr v3 only - name of the language profile.
        type: str
  radarr:
    description: Radarr servers, matched by O(radarr[].name); the same keys as O(sonarr).
    type: list
    elements: dict
    default: []
    suboptions: *servers
  purge:
    description: Remove the Sonarr and Radarr servers not listed.
    type: bool
    default: false
  return_api_key:
    description: Return Seerr's API key as RV(api_key) (then register the result with C(no_log)).
    type: bool
    default: false
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Jellyseerr linked to Jellyfin, Sonarr and Radarr by their service names
  homelab.mediastack.seerr_settings:
    url: http://requests.example.com:5055
    api_key: "{{ vault_jellyseerr_api_key | default(omit) }}"
    media_server:
      type: jellyfin
      hostname: jellyfin
      port: 8096
      username: admin
      password: "{{ vault_jellyfin_admin_password }}"
      email: admin@example.com
    sonarr:
      - name: Sonarr
        hostname: sonarr
        port: 8989
        api_key: "{{ vault_sonarr_api_key }}"
        quality_profile: HD-1080p
        root_folder: /data/media/tv
    radarr:
      - name: Radarr
        hostname: radarr
        port: 7878
        api_key: "{{ vault_radarr_api_key }}"
        quality_profile: HD-1080p
        root_folder: /data/media/movies
        minimum_availability: released
    return_api_key: true
  register: seerr
  no_log: true
'''

RETURN = r'''
api_key:
  description: Seerr's API key (absent in check mode on a fresh Seerr).
  returned: when O(return_api_key) is true
  type: str
actions:
  description: What was done (or would be), in order.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._http import ApiError
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import diff_keys
from ansible_collections.homelab.mediastack.plugins.module_utils._seerr import (
    SERVER_TYPES, SeerrClient, connection_argument_spec, is_local, mask_server, reconcile_libraries, resolve_server)

SERVER_OPTIONS = dict(
    name=dict(type='str', required=True),
    hostname=dict(type='str', required=True),
    port=dict(type='int', required=True),
    api_key=dict(type='str', required=True, no_log=True),
    use_ssl=dict(type='bool', default=False),
    base_url=dict(type='str', default=''),
    quality_profile=dict(type='str', required=True),
    root_folder=dict(type='str', required=True),
    tags=dict(type='list', elements='str', default=[]),
    is_4k=dict(type='bool', default=False),
    is_default=dict(type='bool', default=True),
    external_url=dict(type='str'),
    sync_enabled=dict(type='bool', default=False),
    prevent_search=dict(type='bool', default=False),
    minimum_availability=dict(type='str', choices=['announced', 'inCinemas', 'released']),
    season_folders=dict(type='bool'),
    series_type=dict(type='str', choices=['standard', 'daily', 'anime']),
    language_profile=dict(type='str'),
)


def validate(params):
    media = params['media_server']
    problems = []
    hosts = [('media_server.hostname', media['hostname'])]
    hosts += [('%s %s' % (kind, s['name']), s['hostname']) for kind in ('sonarr', 'radarr') for s in params[kind]]
    for what, host in hosts:
        if is_local(host):
            problems.append('%s is %s: Seerr would look for it inside its own container. Give the service name '
                            'Seerr reaches it by (for example jellyfin, sonarr, radarr).' % (what, host))
    if media['type'] == 'plex' and not media.get('plex_token'):
        problems.append('media_server.plex_token is needed for a Plex server')
    if media['type'] != 'plex' and not (media.get('username') and media.get('password') is not None):
        problems.append('media_server.username and media_server.password (the media server administrator) are needed')
    for kind in ('sonarr', 'radarr'):
        names = [s['name'] for s in params[kind]]
        dupes = sorted(set(n for n in names if names.count(n) > 1))
        if dupes:
            problems.append('%s servers named twice: %s' % (kind, ', '.join(dupes)))
    return problems


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        media_server=dict(type='dict', required=True, options=dict(
            type=dict(type='str', choices=['jellyfin', 'emby', 'plex'], default='jellyfin'),
            hostname=dict(type='str', required=True),
            port=dict(type='int', default=8096),
            use_ssl=dict(type='bool', default=False),
            url_base=dict(type='str', default=''),
            username=dict(type='str'),
            password=dict(type='str', no_log=True),
            email=dict(type='str'),
            plex_token=dict(type='str', no_log=True),
            libraries=dict(type='list', elements='str'),
        )),
        sonarr=dict(type='list', elements='dict', default=[], options=SERVER_OPTIONS),
        radarr=dict(type='list', elements='dict', default=[], options=SERVER_OPTIONS),
        purge=dict(type='bool', default=False),
        return_api_key=dict(type='bool', default=False, no_log=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    problems = validate(p)
    if problems:
        module.fail_json(msg='Invalid Seerr settings: ' + ' '.join(problems))
    media = p['media_server']
    check = module.check_mode
    actions = []
    before, after = {}, {}
    client = SeerrClient(p['url'], p['api_key'], validate_certs=p['validate_certs'], timeout=p['timeout'],
                         secrets=[media.get('password'), media.get('plex_token')])
    try:
        public = client.public()
        initialized = bool(public.get('initialized'))
        linked = public.get('mediaServerType') in (1, 2, 3)
        before['initialized'] = initialized
        after['initialized'] = True
        link = dict(hostname=media['hostname'], port=media['port'], useSsl=media['use_ssl'],
                    urlBase=media['url_base'], serverType=SERVER_TYPES[media['type']],
                    email=media.get('email') or media.get('username'))
        if not linked:
            actions.append('sign in as the media server administrator and link %s at %s:%s' % (
                media['type'], media['hostname'], media['port']))
            if check:
                actions.append('enable libraries, add the servers and complete the setup')
                module.exit_json(changed=True, actions=actions, diff=dict(before=before, after=after))
            if media['type'] == 'plex':
                client.sign_in_plex(media['plex_token'])
            else:
                client.sign_in_jellyfin(media['username'], media['password'], link)
        elif not client.can_use_api_key():
            if media['type'] == 'plex':
                client.sign_in_plex(media['plex_token'])
            else:
                client.sign_in_jellyfin(media['username'], media['password'])

        # The media server address (Seerr keeps it under settings/jellyfin or settings/plex).
        kind = 'plex' if media['type'] == 'plex' else 'jellyfin'
        current = client.media_settings(kind)
        wanted = dict(ip=media['hostname'], port=media['port'], useSsl=media['use_ssl'])
        if kind == 'jellyfin':
            wanted['urlBase'] = media['url_base']
        changes = diff_keys(current, wanted)
        before['media_server'] = dict((k, current.get(k)) for k in wanted)
        after['media_server'] = wanted
        if changes:
            actions.append('set the media server address (%s)' % ', '.join(sorted(changes)))
            if not check:
                client.set_media_settings(kind, wanted)

        # Libraries: enable the named ones, or all (Seerr lists only the movie and show libraries).
        libraries, enabled_now, enabled_wanted, unknown = reconcile_libraries(
            client, kind, current, media.get('libraries'), check)
        if unknown and not check:
            module.fail_json(msg='The media server has no library named %s (it has: %s)' % (
                ', '.join(unknown), ', '.join(lib['name'] for lib in libraries) or 'none'), actions=actions)
        before['libraries'], after['libraries'] = enabled_now, enabled_wanted
        if unknown:  # check mode reads no library list from the media server (that would write)
            actions.append('sync libraries from the media server and enable %s' % ', '.join(media['libraries']))
            after['libraries'] = sorted(media['libraries'])
        elif enabled_now != enabled_wanted:
            actions.append('enable libraries %s' % ', '.join(enabled_wanted))

        # *arr servers.
        for arr in ('sonarr', 'radarr'):
            existing = client.servers(arr)
            before[arr] = [mask_server(s) for s in existing]
            result = []
            for wanted_server in p[arr]:
                lookup = client.test_server(arr, dict(hostname=wanted_server['hostname'], port=wanted_server['port'],
                                                      apiKey=wanted_server['api_key'], useSsl=wanted_server['use_ssl'],
                                                      baseUrl=wanted_server['base_url']))
                try:
                    body = resolve_server(arr, wanted_server, lookup)
                except ValueError as exc:
                    module.fail_json(msg='Failed to link Seerr to %s: %s' % (arr.capitalize(), to_native(exc)),
                                     actions=actions)
                have = next((s for s in existing if s.get('name') == body['name']), None)
                if have is None:
                    actions.append('add %s server %s' % (arr, body['name']))
                    result.append(body)
                    if not check:
                        client.add_server(arr, body)
                else:
                    changes = diff_keys(have, body)
                    merged = dict(have)
                    merged.update(body)
                    result.append(merged)
                    if changes:
                        actions.append('update %s server %s (%s)' % (arr, body['name'], ', '.join(sorted(changes))))
                        if not check:
                            client.update_server(arr, have['id'], merged)
            listed = set(s['name'] for s in p[arr])
            for other in existing:
                if other.get('name') not in listed:
                    if p['purge']:
                        actions.append('remove %s server %s' % (arr, other.get('name')))
                        if not check:
                            client.delete_server(arr, other['id'])
                    else:
                        result.append(other)
            after[arr] = [mask_server(s) for s in result]

        if not initialized:
            actions.append('complete the setup')
            if not check:
                client.initialize()
        extra = dict(api_key=client.main_settings().get('apiKey')) if p['return_api_key'] else {}
    except ApiError as exc:
        module.fail_json(msg='Failed to configure Seerr: %s' % exc, actions=actions)
    module.exit_json(changed=bool(actions), actions=actions, diff=dict(before=before, after=after), **extra)


if __name__ == '__main__':
    main()

# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plex Media Server API: library sections.

From Plex's API documentation (the PMS OpenAPI description, LukeHagar/plex-api-spec
``paths/library/get-all-libraries.yaml``) and python-plexapi (``plexapi/library.py``): the token
goes in ``X-Plex-Token``; ``GET /library/sections`` with ``Accept: application/json`` lists the
sections as ``MediaContainer.Directory`` (``key``, ``title``, ``type``, ``agent``, ``scanner``,
``language``, ``Location[].path``); ``POST /library/sections?name=&type=&agent=&scanner=&language=&location=``
(one ``location`` per folder) adds one; ``PUT /library/sections/<key>?agent=&location=...`` sets
its folders (all of them); ``DELETE /library/sections/<key>`` removes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.module_utils.basic import env_fallback

from ansible_collections.homelab.mediastack.plugins.module_utils._http import JsonHttpClient

# Section types and the agent/scanner Plex gives new libraries of each type.
SECTION_TYPES = {
    'movie': ('tv.plex.agents.movie', 'Plex Movie'),
    'show': ('tv.plex.agents.series', 'Plex TV Series'),
    'artist': ('tv.plex.agents.music', 'Plex Music'),
    'photo': ('com.plexapp.agents.none', 'Plex Photo Scanner'),
}
CLIENT_HEADERS = {'X-Plex-Product': 'homelab.mediastack', 'X-Plex-Client-Identifier': 'homelab-mediastack'}


def connection_argument_spec():
    return dict(
        url=dict(type='str', required=True, fallback=(env_fallback, ['PLEX_URL'])),
        token=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['PLEX_TOKEN'])),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
    )


class PlexClient(object):
    def __init__(self, url, token, validate_certs=True, timeout=30, opener=None):
        headers = dict(CLIENT_HEADERS)
        headers['X-Plex-Token'] = token
        kwargs = dict(headers=headers, secrets=[token], validate_certs=validate_certs, timeout=timeout)
        if opener is not None:
            kwargs['opener'] = opener
        self.url = url.rstrip('/')
        self.http = JsonHttpClient(self.url, 'Plex', **kwargs)

    def identity(self):
        """The server's machine identifier: ``GET /identity`` (plex-api-spec paths/identity.yaml, no
        token needed; ``MediaContainer.machineIdentifier``), what Tautulli's wizard reads too."""
        answer = self.http.get('/identity') or {}
        return (answer.get('MediaContainer') or {}).get('machineIdentifier') or None

    def sections(self):
        answer = self.http.get('/library/sections') or {}
        return (answer.get('MediaContainer') or {}).get('Directory') or []

    def add_section(self, name, section_type, agent, scanner, language, paths):
        query = [('name', name), ('type', section_type), ('agent', agent), ('scanner', scanner),
                 ('language', language)] + [('location', p) for p in paths]
        self.http.post('/library/sections', query=query)

    def set_locations(self, key, agent, paths):
        self.http.put('/library/sections/%s' % key, query=[('agent', agent)] + [('location', p) for p in paths])

    def remove_section(self, key):
        self.http.delete('/library/sections/%s' % key)


def client_from_params(params, opener=None):
    return PlexClient(params['url'], params['token'], params['validate_certs'], params['timeout'], opener=opener)


def normalize_path(path):
    return posixpath.normpath(path) if path else path


def section_view(section):
    """name, type, agent, scanner, language and paths of one section, for diffs and results."""
    return dict(name=section.get('title'), type=section.get('type'), agent=section.get('agent'),
                scanner=section.get('scanner'), language=section.get('language'),
                paths=[normalize_path(loc.get('path')) for loc in section.get('Location') or []])


def plan_section(found, wanted, purge_paths=False):
    """What to do with one section: ('create'|'update'|None, the wanted paths after, an error or None).

    ``found`` is the section's view (or None); ``wanted`` has name, type, agent, scanner,
    language and paths. Plex cannot change a section's type: that is an error, not a change.
    """
    if found is None:
        return 'create', list(wanted['paths']), None
    if wanted.get('type') and found['type'] != wanted['type']:
        return None, found['paths'], ('Library %s is of type %s, not %s; Plex cannot change the type of a library. '
                                      'Remove it (state=absent) and create it again.'
                                      % (found['name'], found['type'], wanted['type']))
    added = [p for p in wanted['paths'] if p not in found['paths']]
    paths = list(wanted['paths']) if purge_paths else found['paths'] + added
    if set(paths) == set(found['paths']):
        return None, found['paths'], None
    return 'update', paths, None

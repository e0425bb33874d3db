# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of Jellyseerr or Overseerr as the controller reaches it, for example
        V(http://requests.example.com:5055). Falls back to E(SEERR_URL).
    type: str
    required: true
  api_key:
    description:
      - Seerr's API key (C(main.apiKey) in C(settings.json)), sent as C(X-Api-Key).
      - Before the first-run setup is done Seerr has no usable key yet; the module then signs in
        with the media server's administrator (the module's C(media_server) option).
      - Falls back to E(SEERR_API_KEY).
    type: str
  validate_certs:
    description: Verify the TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  timeout:
    description: Seconds for each request.
    type: int
    default: 30
notes:
  - Set the connection options once with C(module_defaults) and the action group C(group/homelab.mediastack.seerr).
'''

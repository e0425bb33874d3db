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
      - Base URL of Jellyfin as the controller reaches it (with its base path, if any), for example
        V(http://jellyfin.example.com:8096). Falls back to E(JELLYFIN_URL).
    type: str
    required: true
  api_key:
    description:
      - A Jellyfin API key (C(X-Emby-Token)). M(homelab.mediastack.jellyfin_setup) returns one.
      - Either this or O(username) and O(password) of an administrator. Falls back to E(JELLYFIN_API_KEY).
    type: str
  username:
    description: Administrator to authenticate as (C(/Users/AuthenticateByName)) when no O(api_key) is given.
    type: str
  password:
    description: Password of O(username). Falls back to E(JELLYFIN_PASSWORD).
    type: str
  validate_certs:
    description: Verify the TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  timeout:
    description: Seconds for each request; also how long a refused connection (Jellyfin starting) is retried.
    type: int
    default: 30
notes:
  - Set the connection options once with C(module_defaults) and the action group C(group/homelab.mediastack.jellyfin).
'''

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
      - Base URL of SABnzbd as the controller reaches it (with its URL base, if any), for example
        V(http://sabnzbd.example.com:8080). Falls back to E(SABNZBD_URL).
    type: str
    required: true
  api_key:
    description:
      - SABnzbd's full API key (C([misc] api_key) in C(sabnzbd.ini)), not the NZB key.
      - Falls back to E(SABNZBD_API_KEY).
    type: str
    required: true
  validate_certs:
    description: Verify the TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  timeout:
    description: Seconds for each request.
    type: int
    default: 30
notes:
  - Uses SABnzbd's C(/api?mode=...) query API with C(output=json).
  - SABnzbd answers requests whose C(Host) header is not in C(host_whitelist) with an error; use an
    address it knows.
  - Set the connection options once with C(module_defaults) and the action group C(group/homelab.mediastack.sabnzbd).
'''

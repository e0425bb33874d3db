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
      - Base URL of the qBittorrent WebUI as the controller reaches it, for example V(http://qbittorrent.example.com:8080).
      - Falls back to E(QBITTORRENT_URL).
    type: str
    required: true
  username:
    description: WebUI user. Falls back to E(QBITTORRENT_USERNAME).
    type: str
    default: admin
  password:
    description:
      - WebUI password. Without it no login is tried (qBittorrent set to bypass authentication for
        the controller's subnet).
      - Each failed login counts towards qBittorrent's ban of the address (5 failures by default, then HTTP 403).
      - Falls back to E(QBITTORRENT_PASSWORD).
    type: str
  validate_certs:
    description: Verify the TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  timeout:
    description: Seconds for each request; also how long a refused connection (qBittorrent still starting) is retried.
    type: int
    default: 30
notes:
  - Runs on the controller (or wherever it is delegated) and talks to the WebUI API v2 (qBittorrent 4.1 or later).
  - Set the connection options once for every qBittorrent module with
    C(module_defaults) and the action group C(group/homelab.mediastack.qbittorrent).
'''

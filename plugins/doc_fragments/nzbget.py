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
      - Base URL of NZBGet as the controller reaches it, for example V(http://nzbget.example.com:6789).
      - Falls back to E(NZBGET_URL).
    type: str
    required: true
  username:
    description: NZBGet C(ControlUsername) (full access). Falls back to E(NZBGET_USERNAME).
    type: str
    default: nzbget
  password:
    description: NZBGet C(ControlPassword). Falls back to E(NZBGET_PASSWORD).
    type: str
    required: true
  validate_certs:
    description: Verify the TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  timeout:
    description: Seconds for each request; also how long a refused connection (NZBGet reloading) is retried.
    type: int
    default: 30
notes:
  - Uses the JSON-RPC API of NZBGet (C(/jsonrpc)) with the methods C(loadconfig), C(saveconfig) and C(reload). Checked against NZBGet 21.
  - Set the connection options once with C(module_defaults) and the action group C(group/homelab.mediastack.nzbget).
'''

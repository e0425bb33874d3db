# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  api_host:
    description:
      - Proxmox VE node or cluster address for the API (port O(api_port)).
      - Falls back to the environment variable E(PROXMOX_HOST).
    type: str
    required: true
  api_port:
    description: API port. Falls back to E(PROXMOX_PORT).
    type: int
    default: 8006
  api_user:
    description:
      - User with realm, for example V(root@pam) or V(automation@pve).
      - With O(api_password) the module logs in with a ticket as this user; with
        O(api_token_id) it uses that user's API token.
      - Falls back to E(PROXMOX_USER).
    type: str
    required: true
  api_password:
    description:
      - Password of O(api_user) (ticket authentication). Needed for what Proxmox allows only
        to V(root@pam) (bind mounts, C(devN) device entries, raw C(hostpciN)), because an API
        token never counts as V(root@pam).
      - Falls back to E(PROXMOX_PASSWORD).
    type: str
  api_token_id:
    description:
      - Token name (the part after C(!)), or the full C(user@realm!name).
      - Falls back to E(PROXMOX_TOKEN_ID).
    type: str
  api_token_secret:
    description: Token secret (UUID). Falls back to E(PROXMOX_TOKEN_SECRET).
    type: str
  validate_certs:
    description: Verify the API's TLS certificate. Falls back to E(PROXMOX_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description: CA bundle to verify the API certificate with (a node's self-signed C(pve-root-ca.pem)).
    type: path
  api_timeout:
    description: Seconds for each HTTP request.
    type: int
    default: 30
requirements:
  - proxmoxer >= 2.0 (on the host that runs the module, usually the controller)
  - requests
'''

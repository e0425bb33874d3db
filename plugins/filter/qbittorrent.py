# -*- coding: utf-8 -*-
# Copyright: (c) 2026, homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for secrets that live in an app's config file (documentation in the .yml files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.mediastack.plugins.module_utils._secrets import (
    qbittorrent_pbkdf2,
    qbittorrent_pbkdf2_matches,
)


def qbittorrent_password_hash(password, salt=None, seed=None):
    try:
        return qbittorrent_pbkdf2(password, salt=salt, seed=seed)
    except ValueError as exc:
        raise AnsibleFilterError('qbittorrent_password_hash: %s' % exc)


def qbittorrent_password_matches(stored, password):
    return qbittorrent_pbkdf2_matches(password, stored)


class FilterModule(object):
    def filters(self):
        return {
            'qbittorrent_password_hash': qbittorrent_password_hash,
            'qbittorrent_password_matches': qbittorrent_password_matches,
        }

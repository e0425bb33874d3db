# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.mediastack.plugins.filter.qbittorrent import FilterModule
from ansible_collections.homelab.mediastack.plugins.module_utils._secrets import (
    is_arr_api_key,
    qbittorrent_pbkdf2,
    qbittorrent_pbkdf2_matches,
)

# The hash qBittorrent itself wrote for "adminadmin" (the value widely published as its old
# default, e.g. in container images' qBittorrent.conf): salt and key must come out the same.
QBT_ADMINADMIN = ('@ByteArray(ARQ77eY1NUZaQsuDHbIMCA==:0WMRkYTUWVT9wVvdDtHAjU9b3b7uB8NR1Gur2hmQCvCDpm39Q+'
                  'PsJRJPaCU51dEiz+dTzh8qbPsL8WkFljQYFQ==)')


def test_pbkdf2_reproduces_qbittorrents_own_value():
    assert qbittorrent_pbkdf2('adminadmin', salt='ARQ77eY1NUZaQsuDHbIMCA==') == QBT_ADMINADMIN


def test_derived_salt_is_stable_and_seeded():
    first = qbittorrent_pbkdf2('s3cret-pass', seed='qbt01')
    assert first == qbittorrent_pbkdf2('s3cret-pass', seed='qbt01')
    assert first != qbittorrent_pbkdf2('s3cret-pass', seed='qbt02')
    assert first.startswith('@ByteArray(') and first.endswith(')')
    assert qbittorrent_pbkdf2_matches('s3cret-pass', first)


def test_matches_rejects_other_password_and_garbage():
    assert qbittorrent_pbkdf2_matches('adminadmin', QBT_ADMINADMIN)
    assert qbittorrent_pbkdf2_matches('adminadmin', QBT_ADMINADMIN[len('@ByteArray('):-1])
    assert not qbittorrent_pbkdf2_matches('adminadmin2', QBT_ADMINADMIN)
    assert not qbittorrent_pbkdf2_matches('adminadmin', 'not a hash')
    assert not qbittorrent_pbkdf2_matches('adminadmin', None)


@pytest.mark.parametrize('salt', ['AAAA', 'not base64!', ''])
def test_bad_salt_is_refused(salt):
    with pytest.raises(ValueError):
        qbittorrent_pbkdf2('pw', salt=salt)


def test_filter_wraps_errors_for_ansible():
    filters = FilterModule().filters()
    assert filters['qbittorrent_password_hash']('adminadmin', 'ARQ77eY1NUZaQsuDHbIMCA==') == QBT_ADMINADMIN
    assert filters['qbittorrent_password_matches'](QBT_ADMINADMIN, 'adminadmin') is True
    with pytest.raises(AnsibleFilterError, match='must not be empty'):
        filters['qbittorrent_password_hash']('')


@pytest.mark.parametrize('value,ok', [
    ('0123456789abcdef0123456789abcdef', True),
    ('0123456789ABCDEF0123456789ABCDEF', False),
    ('0123456789abcdef', False),
    (None, False),
])
def test_arr_api_key_shape(value, ok):
    assert is_arr_api_key(value) is ok

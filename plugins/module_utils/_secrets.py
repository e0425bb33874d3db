# -*- coding: utf-8 -*-
# Copyright: (c) 2026, homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets the apps keep in their own config files, computed before the app's first start.

qBittorrent 4.2+ stores its WebUI password only as ``WebUI\\Password_PBKDF2``:
``@ByteArray(<base64 salt>:<base64 key>)``, PBKDF2-HMAC-SHA512, 100000 iterations, a 16-byte salt
and a 64-byte key (qBittorrent's src/base/utils/password.cpp). Since 4.6.1 there is no default
password at all, so writing this value before the first start is the only way that does not
involve reading a temporary password from the log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import re

QBT_ITERATIONS = 100000
QBT_SALT_BYTES = 16
QBT_KEY_BYTES = 64
_QBT_VALUE = re.compile(r'^(?:@ByteArray\()?(?P<salt>[A-Za-z0-9+/=]+):(?P<key>[A-Za-z0-9+/=]+)\)?$')
_HEX32 = re.compile(r'^[0-9a-f]{32}$')


def _to_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode('utf-8')


def qbittorrent_salt(password, seed=None):
    """A stable 16-byte salt.

    A random salt would change the config file on every run and break idempotence, so the salt
    is derived with HMAC-SHA256 from ``seed`` (for example the host name) and the password. Two
    hosts with the same password get different values when their seeds differ.
    """
    key = b'homelab.mediastack/qbittorrent-salt/' + _to_bytes(seed if seed is not None else '')
    return hmac.new(key, _to_bytes(password), hashlib.sha256).digest()[:QBT_SALT_BYTES]


def qbittorrent_pbkdf2(password, salt=None, seed=None):
    """Return qBittorrent's ``WebUI\\Password_PBKDF2`` value (with ``@ByteArray(...)``).

    ``salt`` is 16 raw bytes or their base64 form; without it the salt is derived from ``seed``
    and the password (see qbittorrent_salt).
    """
    if password is None or password == '':
        raise ValueError('qBittorrent WebUI password must not be empty')
    if salt is None:
        salt_bytes = qbittorrent_salt(password, seed)
    elif isinstance(salt, bytes):
        salt_bytes = salt
    else:
        try:
            salt_bytes = base64.b64decode(_to_bytes(salt), validate=True)
        except (ValueError, TypeError):
            raise ValueError('salt must be base64 of %d bytes' % QBT_SALT_BYTES)
    if len(salt_bytes) != QBT_SALT_BYTES:
        raise ValueError('salt must be %d bytes, got %d' % (QBT_SALT_BYTES, len(salt_bytes)))
    key = hashlib.pbkdf2_hmac('sha512', _to_bytes(password), salt_bytes, QBT_ITERATIONS, QBT_KEY_BYTES)
    return '@ByteArray(%s:%s)' % (base64.b64encode(salt_bytes).decode('ascii'),
                                  base64.b64encode(key).decode('ascii'))


def qbittorrent_pbkdf2_matches(password, stored):
    """True when ``stored`` (with or without ``@ByteArray(...)``) is the hash of ``password``.

    Lets a role keep an existing value (and its salt) instead of rewriting it.
    """
    match = _QBT_VALUE.match((stored or '').strip().strip('"'))
    if not match:
        return False
    try:
        salt = base64.b64decode(match.group('salt'), validate=True)
        expected = base64.b64decode(match.group('key'), validate=True)
    except (ValueError, TypeError):
        return False
    key = hashlib.pbkdf2_hmac('sha512', _to_bytes(password), salt, QBT_ITERATIONS, len(expected) or QBT_KEY_BYTES)
    return hmac.compare_digest(key, expected)


def is_arr_api_key(value):
    """Sonarr, Radarr, Lidarr, Prowlarr and SABnzbd API keys are 32 lowercase hex characters."""
    return bool(_HEX32.match(str(value or '')))

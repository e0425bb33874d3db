# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tautulli's link to Plex, written into its config.ini (Tautulli's API has no settings write).

From Tautulli's source (Tautulli/Tautulli):

- ``plexpy/config.py`` ``_CONFIG_DEFINITIONS``: ``pms_ip`` (str), ``pms_port`` (int), ``pms_ssl``
  (int 0/1), ``pms_token`` (str) and ``pms_identifier`` (str) live in ``[PMS]``;
  ``first_run_complete``, ``http_username``, ``http_password``, ``http_hashed_password`` and
  ``http_hash_password`` in ``[General]``. The file is read and written with ConfigObj
  (``key = value`` lines under ``[section]``).
- ``plexpy/webserve.py`` ``get_server_id``: the wizard takes the identifier from Plex's
  ``GET /identity`` (``MediaContainer`` ``machineIdentifier``); ``configUpdate`` with ``first_run``
  saves ``pms_ip``/``pms_port``/``pms_ssl``/``pms_identifier`` and sets ``first_run_complete = 1``;
  ``save_pms_token`` saves ``pms_token``. The wizard does not go on without a username and password
  (``data/interfaces/default/welcome.html`` ``validateAuthentication``).
- ``plexpy/plextv.py`` ``get_server_resources`` (run at every start when ``pms_token``, ``pms_ip``
  and ``pms_port`` are set, ``plexpy/__init__.py`` ``startup_refresh``) works out ``pms_url`` and
  ``pms_is_remote`` itself and writes them: they are left to Tautulli.
- ``lib/hashing_passwords.py``: ``http_password`` is ``PBKDF2$sha256$<cost>$<salt>$<b64 hash>``
  (``check_hash`` reads the cost and salt from the stored value).
- ``plexpy/__init__.py`` ``shutdown``: Tautulli writes its whole config from memory when it stops,
  so the file is written while Tautulli is stopped (the role stops it first).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import os

from ansible.module_utils.six.moves.urllib.parse import urlparse

MASK = '********'
# lib/hashing_passwords.py: SALT_LENGTH 16, KEY_LENGTH 24, HASH_FUNCTION sha256, COST_FACTOR 600000.
_SALT_LENGTH = 16
_KEY_LENGTH = 24
_COST = 600000
SECRET_KEYS = ('pms_token', 'http_password')


def plex_address(url):
    """(pms_ip, pms_port, pms_ssl) of the Plex URL Tautulli uses, or raise ValueError."""
    parsed = urlparse(url or '')
    if parsed.scheme not in ('http', 'https') or not parsed.hostname:
        raise ValueError('plex_url must be http(s)://host[:port] (how Tautulli reaches Plex), not %r' % url)
    if parsed.path not in ('', '/'):
        raise ValueError('plex_url must have no path (Tautulli keeps a host, a port and a TLS flag): %r' % url)
    return parsed.hostname, parsed.port or 32400, 1 if parsed.scheme == 'https' else 0


def check_hash(password, stored):
    """lib/hashing_passwords.py check_hash: True when ``stored`` is the PBKDF2 hash of ``password``."""
    parts = (stored or '').split('$')
    if len(parts) != 5 or parts[0] != 'PBKDF2':
        return False
    _algorithm, function, cost, salt, digest = parts
    try:
        expected = base64.b64decode(digest.encode('utf-8'))
        got = hashlib.pbkdf2_hmac(function, password.encode('utf-8'), salt.encode('utf-8'), int(cost), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, got)


def stable_salt(password, seed):
    """A salt of make_hash's shape (base64 of 16 bytes) that stays the same from run to run.

    For a hash the controller renders into a Kubernetes Secret, where there is no file to compare:
    a random salt would change the Secret (and roll the pod) on every run. Derived with HMAC-SHA256
    from ``seed`` (the namespace and app) and the password; Tautulli's check_hash reads the salt
    from the stored value, so any salt text without ``$`` is accepted.
    """
    key = b'homelab.mediastack/tautulli-salt/' + seed.encode('utf-8')
    return base64.b64encode(hmac.new(key, password.encode('utf-8'), hashlib.sha256).digest()[:_SALT_LENGTH])


def make_hash(password, salt=None):
    """lib/hashing_passwords.py make_hash: a random salt (base64 of 16 bytes, used as text) unless one is given."""
    salt = salt or base64.b64encode(os.urandom(_SALT_LENGTH))
    digest = hashlib.pbkdf2_hmac('sha256', password.encode('utf-8'), salt, _COST, _KEY_LENGTH)
    return 'PBKDF2$sha256$%d$%s$%s' % (_COST, salt.decode('utf-8'), base64.b64encode(digest).decode('utf-8'))


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
        return value[1:-1]
    return value


def read_ini(text):
    """{section: {key: value}} of a ConfigObj file (top-level sections only, as Tautulli writes it)."""
    found = {}
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped.startswith('[') and stripped.endswith(']') and not stripped.startswith('[['):
            section = stripped.strip('[]').strip()
            found.setdefault(section, {})
        elif '=' in stripped and section is not None:
            key, value = stripped.split('=', 1)
            found[section][key.strip()] = _unquote(value)
    return found


def set_ini(text, settings):
    """``text`` with each (section, key, value) of ``settings`` set; every other line is kept."""
    lines = text.splitlines()
    for section, key, value in settings:
        start = None
        end = len(lines)
        for index, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith('[') and stripped.endswith(']'):
                if start is not None:
                    end = index
                    break
                if stripped.strip('[]').strip() == section:
                    start = index
        new_line = '%s = %s' % (key, value)
        if start is None:
            if lines and lines[-1].strip():
                lines.append('')
            lines.extend(['[%s]' % section, new_line])
            continue
        for index in range(start + 1, end):
            stripped = lines[index].strip()
            if '=' in stripped and not stripped.startswith('#') and stripped.split('=', 1)[0].strip() == key:
                lines[index] = new_line
                break
        else:
            last = start
            for index in range(start + 1, end):
                if lines[index].strip():
                    last = index
            lines.insert(last + 1, new_line)
    return '\n'.join(lines) + '\n'


def wanted_settings(plex_url, token, identifier, username=None, password=None, current=None, salt_seed=None):
    """[(section, key, value)] of the link (and of the login with the wizard marked done).

    The stored password hash is kept while it matches ``password``; a new hash has a new salt, random
    unless ``salt_seed`` is given (stable_salt: the kubernetes runtime, which has no file to compare).
    """
    current = current or {}
    pms_ip, pms_port, pms_ssl = plex_address(plex_url)
    settings = [('PMS', 'pms_ip', pms_ip), ('PMS', 'pms_port', str(pms_port)), ('PMS', 'pms_ssl', str(pms_ssl)),
                ('PMS', 'pms_token', token), ('PMS', 'pms_identifier', identifier)]
    if password:
        stored = current.get('General', {}).get('http_password', '')
        settings += [('General', 'http_username', username),
                     ('General', 'http_password', stored if check_hash(password, stored)
                      else make_hash(password, stable_salt(password, salt_seed) if salt_seed else None)),
                     ('General', 'http_hashed_password', '1'), ('General', 'http_hash_password', '1'),
                     ('General', 'first_run_complete', '1')]
    return settings


def changes(current, settings):
    """The (section, key, value) of ``settings`` that differ from ``current``."""
    return [(s, k, v) for s, k, v in settings if current.get(s, {}).get(k) != v]


def masked_view(values, keys):
    """{section: {key: value}} of ``keys`` in ``values``, secrets masked."""
    view = {}
    for section, key in keys:
        value = values.get(section, {}).get(key)
        if value is None:
            continue
        view.setdefault(section, {})[key] = MASK if key in SECRET_KEYS and value else value
    return view


def diff(current, settings):
    """Before/after of the managed keys, secrets masked (a changed secret shows as changed)."""
    keys = [(s, k) for s, k, _v in settings]
    after_values = {}
    for section, key, value in settings:
        after_values.setdefault(section, {})[key] = value
    before = masked_view(current, keys)
    after = masked_view(after_values, keys)
    for section, key, value in changes(current, settings):
        if key in SECRET_KEYS:
            after[section][key] = MASK + ' (changed)'
    return dict(before=before, after=after)

"""Tautulli's config.ini edits (the link to Plex) as Tautulli reads them back.

Tautulli reads config.ini with ConfigObj (plexpy/config.py); configobj is not a dependency here, so
the file is read back with configparser, which parses the same top-level ``[section]`` /
``key = value`` lines. The password hash is checked with PBKDF2 written again from
lib/hashing_passwords.py's format, not with the code under test.
"""

import base64
import configparser
import hashlib

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _tautulli as tautulli

# The head of a config.ini as Tautulli writes it (ConfigObj: `key = value` under `[Section]`).
EXISTING = """[General]
api_key = 0123456789abcdef0123456789abcded
api_enabled = 1
first_run_complete = 0
[PMS]
pms_ip = 127.0.0.1
pms_port = 32400
pms_name = ""
[Monitoring]
monitoring_interval = 60
"""


def _parse(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def _matches(password, stored):
    algorithm, function, cost, salt, digest = stored.split("$")
    expected = base64.b64decode(digest)
    return algorithm == "PBKDF2" and hashlib.pbkdf2_hmac(
        function, password.encode(), salt.encode(), int(cost), len(expected)) == expected


def test_link_keeps_every_other_line():
    current = tautulli.read_ini(EXISTING)
    settings = tautulli.wanted_settings("http://plex:32400", "tok-123456", "abc123", "admin", "pw", current)
    text = tautulli.set_ini(EXISTING, tautulli.changes(current, settings))
    parser = _parse(text)
    assert dict(parser["PMS"]) == {"pms_ip": "plex", "pms_port": "32400", "pms_name": '""', "pms_ssl": "0",
                                   "pms_token": "tok-123456", "pms_identifier": "abc123"}
    assert parser["General"]["api_key"] == "0123456789abcdef0123456789abcded"
    assert parser["General"]["first_run_complete"] == "1" and parser["General"]["http_username"] == "admin"
    assert _matches("pw", parser["General"]["http_password"])
    assert parser["Monitoring"]["monitoring_interval"] == "60"
    # the same values again: nothing to change (the stored hash is kept while it matches)
    again = tautulli.read_ini(text)
    assert tautulli.changes(again, tautulli.wanted_settings("http://plex:32400", "tok-123456", "abc123",
                                                            "admin", "pw", again)) == []


def test_new_file_and_https_port():
    settings = tautulli.wanted_settings("https://plex.example.com:8443", "tok-123456", "abc123")
    parser = _parse(tautulli.set_ini("", settings))
    assert dict(parser["PMS"])["pms_ssl"] == "1" and parser["PMS"]["pms_port"] == "8443"
    assert "General" not in parser  # no login given: the wizard stays


def test_diff_masks_the_secrets():
    current = tautulli.read_ini(EXISTING)
    settings = tautulli.wanted_settings("http://plex:32400", "tok-123456", "abc123", "admin", "pw", current)
    shown = repr(tautulli.diff(current, settings))
    assert "tok-123456" not in shown and "PBKDF2" not in shown and "abc123" in shown


@pytest.mark.parametrize("url", ["plex:32400", "ftp://plex", "http://plex:32400/web", ""])
def test_bad_plex_url_refused(url):
    with pytest.raises(ValueError):
        tautulli.plex_address(url)

# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client certificate filter. Documentation is in the YAML file x509_days_left.yml beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime

from ansible.errors import AnsibleFilterError

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core itself requires cryptography
    HAS_CRYPTOGRAPHY = False


def x509_days_left(certificate, now=None):
    """Days (a float, negative once expired) until the certificate's notAfter."""
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("x509_days_left needs the Python library cryptography on the controller")
    text = certificate.decode() if isinstance(certificate, bytes) else str(certificate or "")
    text = text.strip()
    if "-----BEGIN" not in text:
        try:
            text = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise AnsibleFilterError("x509_days_left: not a PEM certificate or base64 of one")
    try:
        cert = x509.load_pem_x509_certificate(text.encode())
    except ValueError as err:
        raise AnsibleFilterError("x509_days_left: cannot read the certificate: %s" % err)
    not_after = cert.not_valid_after_utc
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (not_after - now).total_seconds() / 86400.0


class FilterModule(object):
    """Certificate filters."""

    def filters(self):
        return {"x509_days_left": x509_days_left}

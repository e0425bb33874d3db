"""x509_days_left reads a certificate's notAfter (PEM or base64 of PEM)."""

import base64
import datetime

import pytest
from ansible.errors import AnsibleFilterError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.homelab.mediastack.plugins.filter.x509 import x509_days_left

NOW = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)


def certificate(days):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "os:admin")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(NOW - datetime.timedelta(days=10))
            .not_valid_after(NOW + datetime.timedelta(days=days)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_pem_and_base64_give_the_days_left():
    pem = certificate(20)
    assert x509_days_left(pem, now=NOW) == pytest.approx(20)
    assert x509_days_left(base64.b64encode(pem.encode()).decode(), now=NOW) == pytest.approx(20)
    assert x509_days_left(certificate(-3), now=NOW) == pytest.approx(-3)


@pytest.mark.parametrize("bad", ["", "stand-in", base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnope\n").decode()])
def test_not_a_certificate_is_an_error(bad):
    with pytest.raises(AnsibleFilterError):
        x509_days_left(bad)

"""A certificate chain of the test's own in Apple's shape — a root, an intermediate marked with Apple's WWDR
extension (1.2.840.113635.100.6.2.1) and a leaf marked as the App Store's signing certificate
(1.2.840.113635.100.6.11.1), all EC P-256 — and JWS signed with it as the App Store signs transactions and
notifications (ES256, the chain in `x5c`). Boxoffice is configured to trust `root_der`, as it trusts Apple's root
in production; a chain under any other root must be refused."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

WWDR = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")
APP_STORE_SIGNING = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")]
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    marker: x509.ObjectIdentifier | None,
) -> x509.Certificate:
    now = datetime(2020, 1, 1, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if marker is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(marker, b"\x05\x00"), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class AppleChain:
    root_der: bytes
    x5c: list[str]
    leaf_key: ec.EllipticCurvePrivateKey

    def sign(self, payload: dict[str, Any]) -> str:
        return jwt.encode(payload, self.leaf_key, algorithm="ES256", headers={"x5c": self.x5c})


def make_chain(name: str = "Test Apple") -> AppleChain:
    root_key, middle_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate(f"{name} Root CA", root_key, f"{name} Root CA", root_key, ca=True, marker=None)
    middle = _certificate(f"{name} WWDR", middle_key, f"{name} Root CA", root_key, ca=True, marker=WWDR)
    leaf = _certificate(f"{name} App Store", leaf_key, f"{name} WWDR", middle_key, ca=False, marker=APP_STORE_SIGNING)
    der = [certificate.public_bytes(serialization.Encoding.DER) for certificate in (leaf, middle, root)]
    return AppleChain(der[2], [base64.b64encode(part).decode() for part in der], leaf_key)

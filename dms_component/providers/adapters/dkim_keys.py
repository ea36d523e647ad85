"""DKIM key pairs with `cryptography`: generated once per domain, then kept."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded when a key is made, not by every process that declares or checks one
    from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class DkimKeyPair:
    public_b64: str  # DER SubjectPublicKeyInfo, base64: the p= value of the DKIM record
    private_pem: str = field(repr=False)


def generate(bits: int = 2048) -> DkimKeyPair:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return DkimKeyPair(
        public_b64(key.public_key()),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
    )


def public_b64(public_key: rsa.RSAPublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")

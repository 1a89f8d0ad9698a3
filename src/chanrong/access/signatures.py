"""Batches signed by gateways and devices with their own Ed25519 keys (RFC 8032).

The signature covers the exact bytes of the request body. Headers:
  X-Chanrong-Key-Id:    the key id the platform gave when the public key was registered
  X-Chanrong-Signature: base64 of the 64-byte Ed25519 signature
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_HEADER = "x-chanrong-key-id"
SIGNATURE_HEADER = "x-chanrong-signature"


class SignatureError(ValueError):
    """A signed batch that cannot be accepted; the message says why."""


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key as base64 of its 32 raw bytes, or as PEM."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise SignatureError("the PEM key is not an Ed25519 key")
            return key
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise SignatureError(
            f"not an Ed25519 public key (base64 of 32 bytes, or PEM): {exc}"
        ) from exc


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def verify(public_key: str, body: bytes, signature: str, key_id: str) -> None:
    try:
        sig = base64.b64decode(signature, validate=True)
    except binascii.Error as exc:
        raise SignatureError(f"{SIGNATURE_HEADER} is not base64") from exc
    try:
        public_key_from_text(public_key).verify(sig, body)
    except InvalidSignature as exc:
        raise SignatureError(
            f"signature does not verify with key {key_id}: the body was changed or signed "
            "with another key (Ed25519 over the exact request body)"
        ) from exc


def sign(private_key: Ed25519PrivateKey, body: bytes) -> str:
    return base64.b64encode(private_key.sign(body)).decode()


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError("the private key is not an Ed25519 key")
    return key


def new_private_key_pem() -> tuple[bytes, str]:
    """(PEM of a new private key, its public key as base64) for `chanrong gateway keygen`."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    return pem, public_key_text(key.public_key())

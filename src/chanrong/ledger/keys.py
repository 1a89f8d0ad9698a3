"""The log's signing keys and its signed tree heads (RFC 6962 section 3.5, Ed25519 / RFC 8032).

Private keys live in a key directory beside the database (one PEM file per key, mode 0600), never
in the database; public keys and their ids are in `ledger_keys`, and every head names the key that
signed it, so a retired key still verifies the heads it signed. A key id is the first 16 hex
digits of SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def tree_head_bytes(tree_size: int, timestamp_ms: int, root: bytes) -> bytes:
    """RFC 6962 TreeHeadSignature: version v1 (0), signature_type tree_hash (1), timestamp,
    tree_size (both uint64 big-endian) and the 32-byte root hash."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    key_id: str
    signature: bytes

    def as_json(self) -> dict[str, object]:
        return {
            "tree_size": self.tree_size,
            "timestamp": datetime.fromtimestamp(self.timestamp_ms / 1000).astimezone().isoformat(),
            "timestamp_ms": self.timestamp_ms,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_json(cls, d: dict[str, object]) -> SignedHead:
        return cls(
            tree_size=int(str(d["tree_size"])),
            timestamp_ms=int(str(d["timestamp_ms"])),
            root_hash=bytes.fromhex(str(d["root_hash"])),
            key_id=str(d["key_id"]),
            signature=base64.b64decode(str(d["signature"])),
        )


def verify_head(head: SignedHead, public_raw: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            head.signature, tree_head_bytes(head.tree_size, head.timestamp_ms, head.root_hash)
        )
    except (InvalidSignature, ValueError):
        return False
    return key_id(public_raw) == head.key_id


class Keyring:
    """Private signing keys by id: files in `directory`, or in memory when there is none."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, Ed25519PrivateKey] = {}

    def generate(self) -> tuple[str, bytes]:
        key = Ed25519PrivateKey.generate()
        raw = raw_public(key)
        kid = key_id(raw)
        if self.directory is None:
            self._memory[kid] = key
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path = self.directory / f"{kid}.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        return kid, raw

    def private(self, kid: str) -> Ed25519PrivateKey | None:
        if kid in self._memory:
            return self._memory[kid]
        if self.directory is None:
            return None
        path = self.directory / f"{kid}.pem"
        if not path.exists():
            return None
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        self._memory[kid] = key
        return key

    def sign(self, kid: str, tree_size: int, timestamp_ms: int, root: bytes) -> SignedHead:
        key = self.private(kid)
        if key is None:
            where = self.directory or "memory"
            raise LookupError(f"the private key {kid} is not in {where}")
        signature = key.sign(tree_head_bytes(tree_size, timestamp_ms, root))
        return SignedHead(tree_size, timestamp_ms, root, kid, signature)

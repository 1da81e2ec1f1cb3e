"""The generic key derivation function of TS 33.220 Annex B.2.

``KDF(Key, S) = HMAC-SHA-256(Key, S)`` with ``S = FC || P0 || L0 || P1 || L1 || ...`` and
each ``Li`` the length of ``Pi`` in octets, two octets big-endian (B.2.2).
"""

from __future__ import annotations

import hmac

from .secret import Key


def kdf(key: bytes, fc: int, *params: bytes) -> Key:
    """TS 33.220 B.2.2: HMAC-SHA-256 over FC and each parameter followed by its length."""
    parts = [_FC[fc]]
    for p in params:
        parts.append(p)
        parts.append(len(p).to_bytes(2, "big"))
    # "sha256" by name goes straight to OpenSSL's one-shot HMAC (no Python hash object)
    return Key(hmac.digest(key, b"".join(parts), "sha256"))


_FC = tuple(bytes((fc,)) for fc in range(256))


def utf8(value: str) -> bytes:
    """Character strings enter the KDF as UTF-8 (TS 33.220 B.2.1.2)."""
    return value.encode("utf-8")

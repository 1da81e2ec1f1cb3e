"""Key material that cannot leak through repr, str or a log renderer.

``Key`` is a ``bytes`` subclass: every crypto function accepts and returns it like bytes,
but ``repr``/``str``/``format`` print ``<redacted>``. Logs carry keys only as ``fp(key)``
(docs/exchange-log.md).
"""

from __future__ import annotations

import hashlib

REDACTED = "<redacted>"


class Key(bytes):
    """Secret octets. Compare, slice and hash like bytes; never printed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return REDACTED

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return REDACTED


def fp(key: bytes) -> str:
    """Fingerprint of a key for logs: ``sha256(b"ue-stack-fp:" + key)[:16 hex]``
    (docs/exchange-log.md)."""
    return hashlib.sha256(b"ue-stack-fp:" + bytes(key)).hexdigest()[:16]


# Field names that are reserved for secrets in every log line (docs/exchange-log.md).
SECRET_NAMES = frozenset(
    "k op opc ck ik ck_prime ik_prime k_ausf k_seaf k_amf k_nas_int k_nas_enc k_akma k_af "
    "kausf kseaf kamf kakma kaf emsk msk".split()
)

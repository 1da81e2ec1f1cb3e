"""The SUCI a UE model sends (TS 33.501 6.12.2; TS 24.501 5.4.3.2, 5.5.1.2.2, 9.11.3.4).

A UE whose USIM holds a home network public key conceals its SUPI with ECIES profile A or
B (``crypto.suci``); without one it sends the null scheme. Each concealment uses a fresh
ephemeral key pair (TS 33.501 C.3.2) — and the model must still be reproducible: the same
trace or the same simulation seed gives the same log, byte for byte. So the ephemeral key of
the n-th concealment of a run is derived, never drawn: SHA-256 over a label, the run's seed
(simulation: ``--seed``; replay: empty), the SUPI and n. Keys differ per concealment and per
UE, as on a real UE, and repeat per run, which a real UE's do not: this is the one place
that choice lives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..crypto import suci
from .usim import msin_bcd, split_imsi, suci_null_scheme, suci_value

_LABEL = b"ue-stack SUCI ephemeral key\x00"


@dataclass(frozen=True, slots=True)
class SuciConfig:
    """What the USIM's SUCI calculation needs (``ue.suci_profile``, ``ue.hn_public``,
    ``ue.hn_key_id``), and the run's seed for the ephemeral keys."""

    scheme: int  # 1 profile A, 2 profile B
    hn_public: bytes
    hn_key_id: int = 1
    seed: bytes = field(default=b"", repr=False)

    def ephemeral_private(self, supi: str, n: int) -> bytes:
        digest = hashlib.sha256(
            _LABEL + self.seed + b"\x00" + supi.encode() + b"\x00" + n.to_bytes(4, "big")
        ).digest()
        return suci.ephemeral_private(self.scheme, digest)


def make_suci(config: SuciConfig | None, supi: str, mnc_digits: int, rid: str, n: int) -> bytes:
    """The 5GS mobile identity IE value of the SUCI for the n-th concealment of this run."""
    if config is None:
        return suci_null_scheme(supi, mnc_digits, rid)
    msin = split_imsi(supi, mnc_digits)[2]
    out = suci.conceal(config.scheme, config.hn_public, msin_bcd(msin),
                       config.ephemeral_private(supi, n))
    return suci_value(supi, mnc_digits, rid, config.scheme, config.hn_key_id, out.encode())


def same_concealed_identity(expected: bytes, sent: bytes) -> bool:
    """Whether a SUCI the model sent stands for the one a trace expects (replay, NAS-3): a
    profile A/B SUCI cannot be compared octet for octet — its scheme output is new on every
    concealment — so it matches when everything but the scheme output is equal (SUPI
    format, home PLMN, routing indicator, protection scheme, home network public key id)
    and the scheme output has the profile's shape and length (an MSIN as long). Anything
    else compares as octets."""
    if expected == sent:
        return True
    head = 8  # type octet, PLMN (3), routing indicator (2), scheme, key id
    if len(expected) <= head or len(sent) != len(expected) or expected[:head] != sent[:head]:
        return False
    if expected[0] & 0x77 != 0x01 or (expected[6] & 0x0F) not in suci.PROFILE_OF_SCHEME:
        return False
    try:
        suci.split(expected[6] & 0x0F, sent[head:])
    except suci.SuciError:
        return False
    return True


def suci_config(ue: object, seed: bytes = b"") -> SuciConfig | None:
    """The concealment a trace header's or scenario's ``ue`` asks for (``UeConfig``)."""
    profile = getattr(ue, "suci_profile", None)
    hn_public = getattr(ue, "hn_public", None)
    if profile is None or hn_public is None:
        return None
    return SuciConfig(suci.PROFILES[profile], hn_public, getattr(ue, "hn_key_id", 1), seed)

"""``--hn-key FILE``: home-network private keys for SUCI de-concealment (docs/keys.md).

CSV with a header line ``key_id,profile,private``: the home network public key identifier
(0-255, TS 23.003 2.2B), the ECIES profile (``A`` or ``B``, TS 33.501 Annex C.3) and the
private key in hex (32 octets for both profiles). Private keys are secrets: a bad row is an
``InputError`` naming file, line and column, never the value; the keys are held as ``Key``.

``supi_of`` is the SIDF of TS 33.501 6.12.2 for whoever holds the file: the importer (a
lab phone's capture) and the twin's UDM (a simulated UE that conceals).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from .crypto import suci
from .crypto.secret import Key
from .errors import InputError
from .inputs import TEXT_ENCODING, read_input
from .nas import codec

U = TypeVar("U")  # a trace header's ``UeConfig``
HnKeys = Mapping[tuple[int, int], Key]  # (protection scheme id, key id) -> private key

HEADER = ["key_id", "profile", "private"]


def load_hn_keys(path: str | Path) -> dict[tuple[int, int], Key]:
    """Read a ``--hn-key`` CSV; each private key is checked to be a key of its profile."""
    name = str(path)
    try:
        text = read_input(path, "home network key file").decode(TEXT_ENCODING)
    except UnicodeDecodeError:
        raise InputError("home network key file is not UTF-8 text", file=name) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise InputError(f"not a home network key CSV ({exc})", file=name) from None
    if not rows or [c.strip().lower() for c in rows[0]] != HEADER:
        raise InputError("header line must be 'key_id,profile,private'", file=name, line=1)
    keys: dict[tuple[int, int], Key] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 3:
            raise InputError(f"expected 3 columns, got {len(row)}", file=name, line=line)
        key_id, profile, private = (c.strip() for c in row)
        if not (key_id.isascii() and key_id.isdigit() and int(key_id) <= 255):
            raise InputError("must be an integer 0-255", file=name, line=line, field="key_id")
        if profile.upper() not in suci.PROFILES:
            raise InputError("must be A or B", file=name, line=line, field="profile")
        scheme = suci.PROFILES[profile.upper()]
        try:
            raw = bytes.fromhex(private)
            suci.public_key(scheme, raw)  # a key of this profile at all?
        except (ValueError, suci.SuciError):
            raise InputError(
                f"must be a profile {profile.upper()} private key, 64 hex digits",
                file=name, line=line, field="private",
            ) from None
        if (scheme, int(key_id)) in keys:
            raise InputError(
                f"key id {key_id} of profile {profile.upper()} is listed twice",
                file=name, line=line, field="key_id",
            )
        keys[(scheme, int(key_id))] = Key(raw)
    return keys


def concealment(value: bytes) -> tuple[int, int, bytes] | None:
    """Protection scheme id, home network public key id and scheme output of a SUCI (5GS
    mobile identity IE value, TS 24.501 9.11.3.4) of SUPI format IMSI with profile A or B;
    None for anything else."""
    if len(value) < 9 or value[0] & 0x77 != 0x01:
        return None
    scheme = value[6] & 0x0F
    if scheme not in suci.PROFILE_OF_SCHEME:
        return None
    return scheme, value[7], value[8:]


def supi_of(value: bytes, keys: HnKeys | None) -> str | None:
    """The SUPI (IMSI digits) a profile A/B SUCI conceals, when ``keys`` hold its home
    network key; None when no key is listed for it or the scheme output does not verify
    (the MAC tag protects against a wrong key: TS 33.501 C.3.3)."""
    parts = concealment(value)
    if parts is None or not keys:
        return None
    scheme, key_id, output = parts
    private = keys.get((scheme, key_id))
    if private is None:
        return None
    try:
        msin_bcd = suci.deconceal(scheme, private, output)
    except suci.SuciError:
        return None
    try:
        msin = codec.bcd_digits(msin_bcd)
        mcc, mnc = codec.decode_plmn(value[1:4])
    except codec.NasDecodeError:
        return None
    return mcc + mnc + msin if msin else None


def reveal(ue: U, keys: HnKeys | None) -> U:
    """A trace header's ``ue`` whose SUPI was concealed (``ue.suci``, replay's stand-in SUPI)
    with its real SUPI, when ``keys`` de-conceal the SUCI; its home PLMN then comes from the
    SUCI unless the header gives one, and it conceals with the SUCI's profile and key.
    Anything else comes back unchanged."""
    value: bytes | None = getattr(ue, "suci", None)
    supi = supi_of(value, keys) if value is not None else None
    if value is None or supi is None:
        return ue
    from .trace.schema import Plmn

    mcc, mnc = codec.decode_plmn(value[1:4])
    home = getattr(ue, "home_plmn", None) or Plmn(mcc, mnc)
    scheme, key_id, _ = concealment(value) or (0, 0, b"")
    # the UE conceals as the phone did: same profile, key id and (derived) public key
    hn_public = suci.public_key(scheme, keys[(scheme, key_id)]) if keys else None
    return dataclasses.replace(  # type: ignore[type-var]
        ue, supi=supi, suci=None, home_plmn=home, suci_profile=suci.PROFILE_OF_SCHEME[scheme],
        hn_public=hn_public, hn_key_id=key_id)

"""Keys taken in the network for one authentication (docs/keys.md): ``--keys`` rows
``supi,rand,kausf``, ``supi,rand,kseaf`` or ``supi,rand,kamf,abba``.

Labs without the USIM's K often log what the AUSF or AMF derived: KAUSF (5G AKA, or
EAP-AKA' EMSK[0:32]), KSEAF or KAMF, by the RAND of the challenge. Any of them gives the
KAMF of that authentication's partial 5G NAS security context (TS 33.501 A.6, A.7), so the
importer can verify MACs and decipher from its SECURITY MODE COMMAND on, like with K/OPc
(``capture.security.UeSecurity``). The RAND names the authentication: it is 128 random
bits, so one table keyed by RAND serves every UE of a capture.

``load_key_file`` reads either kind of keys file by its header line; the K/OPc kind is
``keyfile.load_keys``'s.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .crypto import aka
from .crypto.secret import Key
from .errors import InputError
from .inputs import TEXT_ENCODING, read_input
from .keyfile import Keys, load_keys

KAUSF, KSEAF, KAMF = "kausf", "kseaf", "kamf"
HEADERS = {
    ("supi", "rand", KAUSF): KAUSF,
    ("supi", "rand", KSEAF): KSEAF,
    ("supi", "rand", KAMF, "abba"): KAMF,
}
K_HEADERS = (("supi", "k", "opc"), ("supi", "k", "op"))
_SUPI = re.compile(r"[0-9]{6,15}")
_HEX = re.compile(r"^[0-9a-fA-F]*$")


@dataclass(frozen=True, slots=True)
class AuthKey:
    """One authentication's key as the network held it."""

    supi: str
    kind: str  # kausf | kseaf | kamf
    key: Key = field(repr=False)
    abba: bytes | None = None  # with kamf: the ABBA it was derived with

    def kamf(self, snn: str | None, supi: str | None, abba: bytes) -> Key | None:
        """KAMF for the partial context (TS 33.501 A.6 KSEAF from KAUSF with the serving
        network name, A.7 KAMF from KSEAF with SUPI and ABBA); None without the SNN."""
        if self.kind == KAMF:
            return self.key
        who = supi or self.supi
        if self.kind == KSEAF:
            return Key(aka.k_amf(self.key, who, abba))
        if snn is None:
            return None
        return Key(aka.k_amf(aka.k_seaf(self.key, snn), who, abba))


AuthKeys = dict[bytes, AuthKey]  # RAND -> the key of that authentication


def load_key_file(path: str | Path) -> tuple[Keys, AuthKeys]:
    """A ``--keys`` file of either kind: (SUPI -> (K, OPc), RAND -> AuthKey); one is empty."""
    name = str(path)
    try:
        text = read_input(path, "keys file").decode(TEXT_ENCODING)
    except UnicodeDecodeError:
        raise InputError("keys file is not UTF-8 text", file=name) from None
    first = text.split("\n", 1)[0]
    head = tuple(c.strip().lower() for c in first.split(","))
    if head in K_HEADERS:
        return load_keys(path), {}
    kind = HEADERS.get(head)
    if kind is None:
        raise InputError(
            "header line must be 'supi,k,opc', 'supi,k,op', 'supi,rand,kausf', "
            "'supi,rand,kseaf' or 'supi,rand,kamf,abba'", file=name, line=1)
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise InputError(f"not a keys CSV ({exc})", file=name) from None
    out: AuthKeys = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(head):
            raise InputError(f"expected {len(head)} columns, got {len(row)}", file=name,
                             line=line)
        cells = dict(zip(head, (c.strip() for c in row), strict=True))
        supi = cells["supi"].removeprefix("imsi-")
        if not _SUPI.fullmatch(supi):
            raise InputError("must be 6-15 IMSI digits", file=name, line=line, field="supi")
        rand = _hex(cells["rand"], 16, name, line, "rand")
        key = _hex(cells[kind], 32, name, line, kind)
        abba = None
        if kind == KAMF:
            abba = _hex(cells["abba"], None, name, line, "abba")
            if not 2 <= len(abba) <= 255:  # TS 24.501 9.11.3.10
                raise InputError("must be 2 to 255 octets of hex", file=name, line=line,
                                 field="abba")
        if rand in out:
            raise InputError("this RAND is listed twice", file=name, line=line, field="rand")
        out[rand] = AuthKey(supi, kind, Key(key), abba)
    return {}, out


def _hex(value: str, octets: int | None, name: str, line: int, column: str) -> bytes:
    # The value is never echoed: it may be a key.
    if not _HEX.match(value) or len(value) % 2 or (octets and len(value) != 2 * octets):
        want = f"{2 * octets} hex digits" if octets else "hex digits"
        raise InputError(f"must be {want}", file=name, line=line, field=column)
    return bytes.fromhex(value)

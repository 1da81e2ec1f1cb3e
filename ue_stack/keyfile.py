"""``--keys FILE``: subscriber credentials as CSV, one row per SUPI (docs/README.md).

The header line names the columns: ``supi,k,opc`` or ``supi,k,op`` (OPc is then computed,
TS 35.206 4.1). Used by ``import`` (to verify, decipher and infer SQN) and by ``replay``
(credentials for traces that carry none). A bad row is an ``InputError`` naming file,
line and column — never the key's value.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .crypto.milenage import compute_opc
from .crypto.secret import Key
from .errors import InputError
from .inputs import TEXT_ENCODING, read_input

if TYPE_CHECKING:
    from .trace.schema import UeConfig

_SUPI = re.compile(r"[0-9]{6,15}")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")

Keys = dict[str, tuple[bytes, bytes]]  # SUPI -> (K, OPc)


def load_keys(path: str | Path) -> Keys:
    """Read a keys CSV into SUPI -> (K, OPc)."""
    name = str(path)
    try:
        text = read_input(path, "keys file").decode(TEXT_ENCODING)
    except UnicodeDecodeError:
        raise InputError("keys file is not UTF-8 text", file=name) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InputError(f"not a keys CSV ({exc})", file=name) from None
    if not rows:
        raise InputError("keys file is empty: expected a header line supi,k,opc", file=name)
    head = [c.strip().lower() for c in rows[0]]
    if head not in (["supi", "k", "opc"], ["supi", "k", "op"]):
        raise InputError("header line must be 'supi,k,opc' or 'supi,k,op'", file=name, line=1)
    keys: Keys = {}
    first_line: dict[str, int] = {}  # SUPI -> the line that gave its keys
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 3:
            raise InputError(f"expected 3 columns, got {len(row)}", file=name, line=line)
        supi, k, o = (c.strip() for c in row)
        if supi.startswith("imsi-"):
            supi = supi[5:]
        if not _SUPI.fullmatch(supi):
            raise InputError("must be 6-15 IMSI digits", file=name, line=line, field="supi")
        for column, value in (("k", k), (head[2], o)):
            if not _HEX32.match(value):
                raise InputError("must be 32 hex digits", file=name, line=line, field=column)
        kb, ob = bytes.fromhex(k), bytes.fromhex(o)
        row_keys = (kb, compute_opc(kb, ob) if head[2] == "op" else ob)
        if supi in keys and keys[supi] != row_keys:
            # which one is right cannot be told; taking either would replay with wrong keys
            raise InputError(f"SUPI {supi} is also on line {first_line[supi]}, with other "
                             "keys: one row per subscriber", file=name, line=line,
                             field="supi")
        keys[supi] = row_keys
        first_line.setdefault(supi, line)
    return keys


def with_keys(ue: UeConfig, keys: Keys | None) -> UeConfig:
    """A trace's ``UeConfig`` with the credentials of its SUPI's row, where it has none."""
    if not keys or ue.has_credentials or ue.suci is not None or ue.supi not in keys:
        return ue
    k, opc = keys[ue.supi]
    return dataclasses.replace(ue, k=Key(k), opc=Key(opc))

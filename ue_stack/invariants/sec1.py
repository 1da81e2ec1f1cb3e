"""SEC-1: no log line holds a secret (docs/exchange-log.md: keys appear only as fingerprints).

By name: no field, at any depth, is named in ``crypto.secret.SECRET_NAMES`` — reserved
even for harmless values. By value (replay, which knows the keys): no string contains the
hex of a known key. Messages name the field, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..crypto.secret import SECRET_NAMES
from .base import Invariant, Record, Violation

MAX_LISTED = 3
_CONTAINERS = (dict, list, tuple)
_TEXT = (str, bytes, bytearray)
_SCALARS = frozenset({int, float, bool, type(None)})


class Sec1(Invariant):
    id = "SEC-1"

    def __init__(self, input: str | None = None, secret_values: Iterable[str | bytes] = ()) -> None:
        super().__init__(input)
        self._values: set[str] = set()
        self._shortest = 0  # length of the shortest known key's hex (0: none known)
        self.add_secret_values(secret_values)

    def add_secret_values(self, values: Iterable[str | bytes]) -> None:
        """Keys known to the caller (hex strings or bytes), matched case-insensitively."""
        for value in values:
            text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
            if text:
                self._values.add(text.lower())
        if self._values:
            self._shortest = min(map(len, self._values))

    def feed(self, record: Record) -> list[Violation]:
        self.checked += 1
        if _clean_flat(record, self._values, self._shortest):
            return []
        problems: list[str] = []
        _leaks(record, "", self._values, problems)
        if not problems:
            return []
        listed = ", ".join(problems[:MAX_LISTED])
        more = f" and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        return [self.at(record, f"{record.get('event')} line holds a secret: {listed}{more}")]


def _clean_flat(record: Record, secrets: set[str], shortest: int) -> bool:
    """True when a flat record (the bus writes only flat lines) holds no secret name and
    no known key: one set test, then one pass over the values. A string shorter than the
    shortest key's hex cannot hold one, so only the long ones (a PDU's hex, a note's
    text) are searched — most lines have none. Anything that is not a plain str or
    scalar, or any hit, takes the full walk (``_leaks``), which names the fields."""
    if not SECRET_NAMES.isdisjoint(record):
        return False
    for item in record.values():
        kind = type(item)  # exact types: a subclass (a Key, a str enum) takes the walk
        if kind is str:
            if secrets and len(item) >= shortest:
                text = item.lower()
                for secret in secrets:
                    if secret in text:
                        return False
        elif kind not in _SCALARS:
            return False
    return True


def _leaks(value: Any, path: str, secrets: set[str], out: list[str]) -> None:
    """Append a description of every leak in ``value`` to ``out`` (the full walk, for
    the records ``_clean_flat`` cannot clear), in document order. Iterative: a line
    nested a thousand deep costs no recursion."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            if not SECRET_NAMES.isdisjoint(value):
                names = [key for key in value if key in SECRET_NAMES]
                out.extend(f"field {_join(path, key)!r} (a secret name)" for key in names)
            items = [(_join(path, key), item) for key, item in value.items()]
        elif isinstance(value, list | tuple):
            items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
        else:
            text = value.hex() if isinstance(value, bytes | bytearray) else value.lower()
            if any(secret in text for secret in secrets):
                out.append(f"the value of {path!r} (a known key)")
            continue
        stack.extend(reversed([
            (where, item) for where, item in items
            if isinstance(item, _CONTAINERS) or (secrets and isinstance(item, _TEXT))
        ]))


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)

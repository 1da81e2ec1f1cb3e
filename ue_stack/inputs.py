"""The one place that knows how a text input may begin: a UTF-8 byte order mark.

Windows editors and spreadsheets put EF BB BF before the first line. It is no content
(Unicode 15 23.8): every text format ue-stack reads — trace, exchange log, expectation,
scenario, JSON capture, keys CSV — reads past it, through these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

BOM = b"\xef\xbb\xbf"
TEXT_ENCODING = "utf-8-sig"  # for str reads: UTF-8, a leading byte order mark dropped


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading byte order mark."""
    return data[len(BOM):] if data.startswith(BOM) else data


def lines_without_bom(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a binary file, the first without a leading byte order mark."""
    it = iter(lines)
    for first in it:
        yield without_bom(first)
        break
    yield from it

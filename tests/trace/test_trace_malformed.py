"""Every file of the malformed corpus is refused with an error naming file, line and
field (docs/trace-format.md: a malformed trace is unusable input, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ue_stack.errors import TraceFormatError
from ue_stack.trace.loader import open_trace

MALFORMED = Path(__file__).parent / "malformed"

# file -> (line, field). field None: the line is not JSON at all, so no field exists.
EXPECTED: dict[str, tuple[int, str | None]] = {
    "empty.jsonl": (1, "kind"),
    "only_comments.jsonl": (3, "kind"),
    "no_header.jsonl": (1, "kind"),
    "header_not_first.jsonl": (2, "kind"),
    "unknown_format.jsonl": (1, "format"),
    "version_2.jsonl": (1, "version"),
    "header_missing_supi.jsonl": (1, "ue.supi"),
    "header_missing_serving_plmn.jsonl": (1, "serving_plmn"),
    "header_k_15_octets.jsonl": (1, "ue.k"),
    "truncated_json.jsonl": (3, None),
    "binary_garbage.jsonl": (3, None),
    "not_an_object.jsonl": (2, None),
    "unknown_kind.jsonl": (3, "kind"),
    "missing_t.jsonl": (3, "t"),
    "t_not_a_number.jsonl": (3, "t"),
    "time_backwards.jsonl": (4, "t"),
    "rand_15_octets.jsonl": (4, "rand"),
    "autn_not_hex.jsonl": (4, "autn"),
    "ngksi_7_in_authentication_request.jsonl": (4, "ngksi"),
    "ua_id_4_octets.jsonl": (3, "ua_id"),
    "dl_before_power_on.jsonl": (2, "kind"),
    "wrong_direction.jsonl": (3, "msg"),
    "unknown_op.jsonl": (3, "op"),
    "auts_13_octets.jsonl": (3, "auts"),
    "smc_without_nia.jsonl": (4, "nia"),
    "pdu_not_hex.jsonl": (4, "pdu"),
    "kaf_request_without_app.jsonl": (3, "app"),
    "usim_inserted_without_supi.jsonl": (3, "ue.supi"),
    "cause_as_string_after_comments.jsonl": (6, "cause"),
    # ABBA is a type 4 IE, 2..255 octets (TS 24.501 9.11.3.10); a longer one went into
    # the KDF's 2-octet length field and crashed replay with a traceback
    "abba_256_octets.jsonl": (4, "abba"),
    "abba_1_octet.jsonl": (4, "abba"),
    # a SUPI (NAI) or SNN too long for a KDF input (TS 33.501 A.1, limits.MAX_NAME)
    "supi_nai_300_octets.jsonl": (1, "ue.supi"),
    "snn_300_octets.jsonl": (1, "snn"),
}


def test_corpus_index_lists_every_file():
    """The index and the folder agree, so no malformed file goes untested."""
    on_disk = {p.name for p in MALFORMED.iterdir() if p.is_file()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_trace_is_refused_naming_file_line_and_field(name: str):
    """docs/trace-format.md: a trace that breaks v1 raises TraceFormatError; its message names
    the file, the line and the field, for a one-line exit-2 message."""
    path = MALFORMED / name
    line, field = EXPECTED[name]
    with pytest.raises(TraceFormatError) as caught, open_trace(path) as trace:
        for _ in trace:
            pass
    err = caught.value
    assert (err.file, err.line, err.field) == (str(path), line, field)
    text = str(err)
    assert text.startswith(f"{path}:{line}")
    if field is not None:
        assert f"'{field}'" in text
    assert "Traceback" not in text and "\n" not in text

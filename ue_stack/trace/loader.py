"""Streaming reader of ue-stack/trace v1 files (docs/trace-format.md).

``open_trace(path)`` reads and validates the header at once and then yields one typed
``TraceRecord`` per line, lazily: a trace of any length is read in constant memory. Every
problem raises ``TraceFormatError`` naming the file, the line and the field, so the CLI can
print one line and exit 2.

What is deliberately *not* an error (docs/trace-format.md): blank lines and ``//`` lines; unknown
extra fields (compatible extensions); record kinds starting with ``x-``; a ``dl``/``ul``
``msg`` the model does not implement (5GSM, transport, other 5GMM messages) — it is passed
through with its fields as written, for replay to log and count.

PDUs: where a record carries ``pdu`` it is decoded with ``ue_stack.nas.codec.decode_pdu``
(looked up once per opened trace; while that module does not exist the raw octets are kept
and nothing is decoded). Decoded fields must agree with explicit ones.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, cast

import orjson

from ..crypto import compute_opc, serving_network_name, suci
from ..crypto.secret import Key
from ..errors import TraceFormatError, json_line_problem
from ..inputs import bounded_lines, display_name, open_input
from ..limits import MAX_DEPTH, Timeline, kdf_name, nested, too_deep
from ..nas import eap
from ..nas.messages import (
    FIELD_TYPES,
    MAC_RESULTS,
    MESSAGES,
    SHT_CIPHERED_NEW_CONTEXT,
    SHT_PLAIN,
    NasMessage,
    Protection,
    is_modelled,
)
from ..nas.states import MmState, UpdateStatus
from .schema import (
    APP_MODES,
    KAF_EXPECT,
    OPS,
    RECORD_KINDS,
    SQN_MS_DEFAULT,
    STORED_NEA,
    STORED_NIA,
    UA_ID_OCTETS,
    Plmn,
    RecordKind,
    StoredContext,
    TraceHeader,
    TraceRecord,
    UeConfig,
    stand_in_supi,
)

FORMAT = "ue-stack/trace"
VERSION = 1
CODEC_MODULE = "ue_stack.nas.codec"

_HEX = re.compile(r"[0-9a-fA-F]+")
_DIGITS = re.compile(r"[0-9]+")
_RESERVED = frozenset({"t", "kind", "msg", "pdu", "skip", "frame", "sht", "mac", "count",
                       "expect_state"})
EPD_5GMM = 0x7E  # extended protocol discriminator of 5GMM (TS 24.007 11.2.3.1.1A)
MAX_NAS_COUNT = 0xFFFFFF  # 16-bit overflow and 8-bit sequence number (TS 24.501 4.4.3.1)

# Fields a downlink message cannot be acted on without (the model needs them as input);
# uplink records are expectations and may name only the fields to compare (docs/trace-format.md).
DL_REQUIRED: dict[str, tuple[str, ...]] = {
    "authentication_request": ("ngksi",),  # and RAND/AUTN (5G AKA) or eap (EAP-AKA')
    "security_mode_command": ("ngksi", "nea", "nia"),
    "registration_reject": ("cause",),
    "authentication_result": ("eap_code",),
}
# The v1 shorthand ``eap: success|failure`` (docs/trace-format.md) is read as ``eap_code``.
EAP_SHORTHAND = ("success", "failure")
# ngKSI "111" means "no key is available": the network never names a new context with it
# in AUTHENTICATION REQUEST (TS 24.501 9.11.3.32).
NGKSI_RANGE_OVERRIDE: dict[tuple[str, str], tuple[int, int]] = {
    ("authentication_request", "ngksi"): (0, 6),
}
CAUSE_SYNCH_FAILURE = 21  # AUTS is sent only with #21 (TS 24.501 5.4.1.3.6)


class _Bad(Exception):
    """A field is wrong; the caller adds file and line."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def open_trace(path: str | Path) -> Trace:
    """Open a trace: the header is read and validated now; iterate for the records."""
    return Trace(path)


class Trace:
    """An open trace file. ``header`` is a ``TraceHeader``; iterating yields
    ``TraceRecord``s one line at a time. Use as a context manager."""

    def __init__(self, path: str | Path, data: bytes | None = None) -> None:
        """Read ``path``, or with ``data`` the trace held in memory under that name
        (the explorer's prefixes)."""
        self.path = display_name(path)
        self.records_read = 0  # records yielded so far (x- records not counted)
        self._line = 0
        self._times = Timeline()
        # docs/trace-format.md: a trace starts with the UE switched off; a dl before the first
        # `ue power_on` has no receiver.
        self._powered_on = False
        self._file: BinaryIO = (io.BytesIO(data) if data is not None
                                else open_input(path, "trace"))
        self._objects = self._read_objects()
        try:
            self._decode_pdu = _pdu_decoder()
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    # -- context manager -------------------------------------------------------------
    def __enter__(self) -> Trace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def __iter__(self) -> Iterator[TraceRecord]:
        for line, obj in self._objects:
            try:
                record = self._record(line, obj)
            except _Bad as bad:
                raise self._error(bad.message, line, bad.field) from None
            if record is not None:
                self.records_read += 1
                yield record

    # -- lines -----------------------------------------------------------------------
    def _error(self, message: str, line: int | None, field: str | None) -> TraceFormatError:
        return TraceFormatError(message, file=self.path, line=line, field=field)

    def _read_objects(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, JSON object) for every line that is not blank or a comment."""
        for raw in bounded_lines(self._file, self.path, "trace"):
            self._line += 1
            text = raw.strip()
            if not text or text.startswith(b"//"):
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise self._error(json_line_problem(text, exc), self._line, None) from None
            if not isinstance(obj, dict):
                raise self._error(
                    f"a record must be a JSON object, got {_json_type(obj)}", self._line, None
                )
            if nested(obj) and too_deep(obj):
                raise self._error(f"nested more than {MAX_DEPTH} levels deep", self._line, None)
            yield self._line, obj

    # -- header ----------------------------------------------------------------------
    def _read_header(self) -> TraceHeader:
        item = next(self._objects, None)
        if item is None:
            raise self._error(
                "empty trace: no header (the first line must have kind 'header')",
                max(self._line, 1),
                "kind",
            )
        line, obj = item
        try:
            return self._header(obj)
        except _Bad as bad:
            raise self._error(bad.message, line, bad.field) from None

    def _header(self, obj: dict[str, Any]) -> TraceHeader:
        kind = obj.get("kind")
        if kind != "header":
            raise _Bad("kind", f"the first line must be the header (kind 'header'), got {kind!r}")
        if obj.get("format") != FORMAT:
            raise _Bad("format", f"unknown format {obj.get('format')!r}, expected {FORMAT!r}")
        version = obj.get("version")
        if type(version) is not int or version != VERSION:
            raise _Bad("version", f"unsupported version {version!r}: this reader reads v1 only")
        if "ue" not in obj:
            raise _Bad("ue.supi", "missing: the header needs ue.supi")
        ue = _ue_config(obj["ue"], "ue")
        serving = None
        if _given(obj, "serving_plmn"):
            serving = _plmn(obj["serving_plmn"], "serving_plmn")
        snn = obj.get("snn")
        if snn is not None and (not isinstance(snn, str) or not snn):
            raise _Bad("snn", "must be a non-empty string (the serving network name, verbatim)")
        _name(snn, "snn")
        if serving is None and snn is None:
            raise _Bad("serving_plmn", "missing: the header needs serving_plmn or snn")
        if snn is None:
            assert serving is not None
            snn = serving_network_name(serving.mcc, serving.mnc)
        return TraceHeader(
            path=self.path,
            title=_opt_str(obj, "title"),
            source=_opt_str(obj, "source"),
            ue=ue,
            serving_plmn=serving,
            snn=snn,
            options=_options(obj.get("options")),
            expect=_expect(obj.get("expect")),
            raw=obj,
        )

    # -- records ---------------------------------------------------------------------
    def _record(self, line: int, obj: dict[str, Any]) -> TraceRecord | None:
        kind = obj.get("kind")
        if kind is None:
            raise _Bad("kind", "missing")
        if not isinstance(kind, str):
            raise _Bad("kind", f"must be a string, got {_json_type(kind)}")
        if kind.startswith("x-"):
            return None  # compatible extension: readers ignore it (docs/README.md)
        if kind == "header":
            raise _Bad("kind", "a second header: the header must be the first line only")
        if kind not in RECORD_KINDS:
            raise _Bad("kind", f"unknown record kind {kind!r} (v1 knows dl, ul, app, ue, net)")
        t = self._time(obj)
        if kind in ("dl", "ul"):
            if kind == "dl" and not self._powered_on:
                raise _Bad("kind", "a dl record before 'ue power_on': the UE is switched off")
            message, pdu, extras = self._message(kind, obj)
            if message is not None and ("sht" in obj or "mac" in obj or "count" in obj):
                message = NasMessage(message.msg, message.fields, _protection(obj, pdu))
            return TraceRecord(line=line, t=t, kind=cast(RecordKind, kind), message=message,
                               fields=extras, pdu=pdu, skip=_skip(obj), frame=_frame(obj),
                               expect_state=_expect_state(obj))
        op, fields = _op(kind, obj)
        if kind == "ue" and op == "power_on":
            self._powered_on = True
        # a `net` record an importer took from the capture's SBI has its frame too
        return TraceRecord(line=line, t=t, kind=cast(RecordKind, kind), op=op, fields=fields,
                           frame=_frame(obj), expect_state=_expect_state(obj))

    def _time(self, obj: dict[str, Any]) -> float:
        if "t" not in obj:
            raise _Bad("t", "missing: every record has t (seconds)")
        try:
            return self._times.feed(obj["t"])  # finite, non-decreasing, bounded span
        except ValueError as exc:
            raise _Bad("t", f"{exc} (seconds)") from None

    def _message(
        self, kind: str, obj: dict[str, Any]
    ) -> tuple[NasMessage | None, bytes | None, dict[str, Any]]:
        msg = obj.get("msg")
        if msg is not None and (not isinstance(msg, str) or not msg):
            raise _Bad("msg", "must be a message name (a non-empty string)")
        pdu = _hex(obj["pdu"], "pdu") if _given(obj, "pdu") else None
        if msg is None and pdu is None:
            raise _Bad("msg", f"missing: a {kind} record needs msg or pdu")
        was_decoded = pdu is not None and self._decode_pdu is not None
        decoded = self._decode(pdu)
        decoded_msg = decoded.msg if decoded is not None else None
        if msg == "ciphered":
            # The importer could not decipher it; a decoder's guess is no contradiction.
            decoded_msg = None
        elif (
            msg is not None
            and decoded_msg is not None
            and decoded_msg != msg
            and (is_modelled(msg) or is_modelled(decoded_msg))
        ):
            raise _Bad("msg", f"says {msg!r} but the pdu decodes as {decoded_msg!r}")
        name = msg or decoded_msg
        if name is None:
            # A pdu-only record: protected (what the importer calls `ciphered`), or there
            # is no codec to ask yet (then replay cannot know what it is).
            message = NasMessage("ciphered", {}) if was_decoded else None
            return message, pdu, _extras(obj)
        decoded_fields = dict(decoded.fields) if decoded_msg is not None else {}
        if name not in MESSAGES:
            # Not modelled (5GSM, transport, ...): passed through, fields as written. An
            # explicit name may differ from the decoded one here (a transport named after
            # its 5GSM payload): neither is a message the model acts on.
            fields = {**decoded_fields, **_extras(obj)}
            return NasMessage(name, fields), pdu, {}
        return self._modelled(kind, name, obj, decoded_fields, pdu, was_decoded)

    def _modelled(
        self,
        kind: str,
        name: str,
        obj: dict[str, Any],
        decoded_fields: dict[str, Any],
        pdu: bytes | None,
        was_decoded: bool,
    ) -> tuple[NasMessage, bytes | None, dict[str, Any]]:
        directions, names = MESSAGES[name]
        if kind not in directions:
            allowed = "/".join(sorted(directions))
            raise _Bad("msg", f"{name} is a {allowed} message, not {kind}")
        fields: dict[str, Any] = {}
        obj = _eap_shorthand(obj)
        for field in names:  # per record and field: no _given call (null counts as absent)
            if (value := obj.get(field)) is not None:
                fields[field] = _typed(field, value, name)
        for field, value in decoded_fields.items():
            if field not in names or value is None:
                continue
            value = _typed_decoded(field, value, name)
            if field in fields and fields[field] != value:
                raise _Bad(field, f"contradicts the pdu, which carries {_show(value)}")
            fields[field] = value
        if (
            name == "authentication_failure"
            and "auts" in fields
            and fields.get("cause", CAUSE_SYNCH_FAILURE) != CAUSE_SYNCH_FAILURE
        ):
            raise _Bad("auts", "AUTS is sent only with cause 21 (synch failure)")
        try:
            eap.describe(fields)
        except eap.EapFieldError as exc:
            raise _Bad(exc.field, str(exc)) from None
        if kind == "dl" and (pdu is None or was_decoded):
            for field in DL_REQUIRED.get(name, ()):
                if field not in fields:
                    raise _Bad(field, f"missing: a dl {name} needs {field}")
            if name == "authentication_request" and "eap" not in fields:
                for field in ("rand", "autn"):
                    if field not in fields:
                        raise _Bad(field, f"missing: a dl {name} needs {field} or eap")
        extras = {k: v for k, v in obj.items() if k not in _RESERVED and k not in names}
        return NasMessage(name, fields), pdu, extras

    def _decode(self, pdu: bytes | None) -> Any:
        if pdu is None or self._decode_pdu is None:
            return None
        try:
            return self._decode_pdu(pdu)
        except Exception as exc:  # a malformed capture must be an input error, not a crash
            raise _Bad("pdu", f"cannot be decoded: {exc}") from None


# -- the codec, written elsewhere ----------------------------------------------------------
def _pdu_decoder() -> Callable[[bytes], Any] | None:
    """``ue_stack.nas.codec.decode_pdu``, or None while that module does not exist."""
    try:
        module = importlib.import_module(CODEC_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == CODEC_MODULE:
            return None
        raise
    return getattr(module, "decode_pdu", None)


# -- header parts ---------------------------------------------------------------------------
def _ue_config(obj: Any, prefix: str) -> UeConfig:
    if not isinstance(obj, dict):
        raise _Bad(prefix, f"must be an object, got {_json_type(obj)}")
    supi = obj.get("supi")
    suci = _hex(obj["suci"], f"{prefix}.suci") if _given(obj, "suci") else None
    if supi is None and suci is not None:
        supi = stand_in_supi(suci)  # a concealed SUPI (docs/trace-format.md): replay's stand-in
    if supi is None:
        raise _Bad(f"{prefix}.supi", "missing: the USIM needs a SUPI (or ue.suci)")
    if not isinstance(supi, str) or not supi:
        raise _Bad(f"{prefix}.supi", "must be a non-empty string")
    _name(supi, f"{prefix}.supi")
    k = _key(obj, "k", prefix)
    opc = _key(obj, "opc", prefix)
    op = _key(obj, "op", prefix)
    if op is not None and k is not None:
        # OPc = E_K(OP) xor OP (TS 35.206 4.1)
        from_op = compute_opc(k, op)
        if opc is not None and opc != from_op:
            raise _Bad(f"{prefix}.opc", "does not match the OPc computed from op")
        opc = from_op
    sqn_ms = (
        _hex(obj["sqn_ms"], f"{prefix}.sqn_ms", 6) if _given(obj, "sqn_ms") else SQN_MS_DEFAULT
    )
    rid = obj.get("rid", "0")
    # Routing Indicator: 1 to 4 decimal digits (TS 23.003 2.2.2)
    if not isinstance(rid, str) or not _DIGITS.fullmatch(rid) or len(rid) > 4:
        raise _Bad(f"{prefix}.rid", f"must be a string of 1 to 4 digits, got {rid!r}")
    home = _plmn(obj["home_plmn"], f"{prefix}.home_plmn") if _given(obj, "home_plmn") else None
    sec_cap = _hex(obj["sec_cap"], f"{prefix}.sec_cap") if _given(obj, "sec_cap") else None
    ngksi = _stored_ngksi(obj["ngksi"], f"{prefix}.ngksi") if _given(obj, "ngksi") else None
    imei = _digits(obj["imei"], f"{prefix}.imei", 15) if _given(obj, "imei") else None
    imeisv = _digits(obj["imeisv"], f"{prefix}.imeisv", 16) if _given(obj, "imeisv") else None
    stored = _stored(obj["stored"], f"{prefix}.stored") if _given(obj, "stored") else None
    if stored is not None:
        if ngksi is not None and ngksi != stored.ngksi:
            raise _Bad(f"{prefix}.ngksi", f"contradicts {prefix}.stored.ngksi")
        ngksi = stored.ngksi
    return UeConfig(
        supi=supi, k=k, opc=opc, sqn_ms=sqn_ms, rid=rid, home_plmn=home, sec_cap=sec_cap,
        ngksi=ngksi, suci=suci, imei=imei, imeisv=imeisv, stored=stored,
        **_concealment(obj, prefix),
    )


KAMF_OCTETS = KAUSF_OCTETS = 32  # 256-bit keys (TS 33.501 A.2, A.7)
GUTI_OCTETS = (10, 11)  # 5G-GUTI: the 5GS mobile identity value, with or without its type


def _stored(obj: Any, prefix: str) -> StoredContext:
    """``ue.stored`` (docs/trace-format.md): a stored native 5G NAS security context with its KAMF,
    and KAUSF. Errors name the field, never a key's value (``_hex`` does not echo)."""
    if not isinstance(obj, dict):
        raise _Bad(prefix, f"must be an object, got {_json_type(obj)}")
    for name in ("ngksi", "kamf", "kausf"):
        if not _given(obj, name):
            raise _Bad(f"{prefix}.{name}", f"missing: a stored context needs {name}")
    ngksi = _stored_ngksi(obj["ngksi"], f"{prefix}.ngksi")
    kamf = Key(_hex(obj["kamf"], f"{prefix}.kamf", KAMF_OCTETS))
    kausf = Key(_hex(obj["kausf"], f"{prefix}.kausf", KAUSF_OCTETS))
    guti = _hex(obj["guti"], f"{prefix}.guti", GUTI_OCTETS) if _given(obj, "guti") else None
    ul_count = _count(obj, "ul_count", prefix, 0)
    dl_count = _count(obj, "dl_count", prefix, -1)
    nea = _algorithm(obj, "nea", prefix, STORED_NEA)
    nia = _algorithm(obj, "nia", prefix, STORED_NIA)
    return StoredContext(ngksi, kamf, kausf, guti, ul_count, dl_count, nea, nia)


def _count(obj: dict[str, Any], name: str, prefix: str, default: int) -> int:
    if not _given(obj, name):
        return default
    value = obj[name]
    if type(value) is not int or not 0 <= value <= MAX_NAS_COUNT:
        raise _Bad(f"{prefix}.{name}", f"must be a NAS COUNT 0..{MAX_NAS_COUNT}, got {value!r}")
    return value


def _algorithm(obj: dict[str, Any], name: str, prefix: str, default: int) -> int:
    if not _given(obj, name):
        return default
    value = obj[name]
    if type(value) is not int or not 0 <= value <= 7:
        raise _Bad(f"{prefix}.{name}", f"must be an algorithm number 0..7, got {value!r}")
    return value


def _concealment(obj: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``ue.suci_profile``/``hn_public``/``hn_key_id`` (docs/trace-format.md), checked together: the
    public key must be a key of the profile."""
    given = [k for k in ("suci_profile", "hn_public", "hn_key_id") if _given(obj, k)]
    if not given:
        return {}
    if "suci_profile" not in given:
        raise _Bad(f"{prefix}.suci_profile", f"missing: {prefix}.{given[0]} needs it")
    profile = obj["suci_profile"]
    if profile not in suci.PROFILES:
        raise _Bad(f"{prefix}.suci_profile", f"must be \"A\" or \"B\", got {profile!r}")
    if "hn_public" not in given:
        raise _Bad(f"{prefix}.hn_public", "missing: the home network public key (hex)")
    hn_public = _hex(obj["hn_public"], f"{prefix}.hn_public")
    try:
        suci.conceal(suci.PROFILES[profile], hn_public, b"\x00", bytes(31) + b"\x01")
    except suci.SuciError as exc:
        raise _Bad(f"{prefix}.hn_public", str(exc)) from None
    key_id = obj.get("hn_key_id", 1)
    if not isinstance(key_id, int) or isinstance(key_id, bool) or not 0 <= key_id <= 255:
        raise _Bad(f"{prefix}.hn_key_id", f"must be an integer 0-255, got {key_id!r}")
    return {"suci_profile": profile, "hn_public": hn_public, "hn_key_id": key_id}


def _digits(value: Any, name: str, count: int) -> str:
    """An IMEI (15 digits) or IMEISV (16 digits), TS 23.003 6.2."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or len(value) != count:
        raise _Bad(name, f"must be a string of {count} digits, got {_show(value)}")
    return value


_STATE_VALUES = tuple(s.value for s in MmState)
_UPDATE_STATUS_VALUES = tuple(u.value for u in UpdateStatus)


def _expect_state(obj: dict[str, Any]) -> dict[str, str] | None:
    """``expect_state`` (docs/trace-format.md): ``5gmm`` a 5GMM state in TS 24.501 spelling and/or
    ``update_status`` 5U1/5U2/5U3 — the state right after this input."""
    if not _given(obj, "expect_state"):
        return None
    value = obj["expect_state"]
    if not isinstance(value, dict) or not value:
        raise _Bad("expect_state", "must be an object with 5gmm and/or update_status")
    unknown = sorted(set(value) - {"5gmm", "update_status"})
    if unknown:
        raise _Bad(f"expect_state.{unknown[0]}", "unknown key (known: 5gmm, update_status)")
    if "5gmm" in value:
        _enum(value["5gmm"], "expect_state.5gmm", _STATE_VALUES)
    if "update_status" in value:
        _enum(value["update_status"], "expect_state.update_status", _UPDATE_STATUS_VALUES)
    return dict(value)


def _skip(obj: dict[str, Any]) -> str | None:
    """``skip``: why a dl/ul record is not fed / not expected (docs/trace-format.md), a string."""
    if not _given(obj, "skip"):
        return None
    value = obj["skip"]
    if not isinstance(value, str) or not value:
        raise _Bad("skip", "must be a non-empty string (why the record is skipped)")
    return value


def _frame(obj: dict[str, Any]) -> int | None:
    if not _given(obj, "frame"):
        return None
    value = obj["frame"]
    if type(value) is not int or value < 0:
        raise _Bad("frame", f"must be a frame number (an integer >= 0), got {value!r}")
    return value


def _protection(obj: dict[str, Any], pdu: bytes | None) -> Protection | None:
    """``sht``/``mac``/``count`` of a dl/ul record (docs/trace-format.md "Message
    protection"). Left out, the record means what the spec says (None here). A ``pdu``
    of 5GMM must carry the same security header type (TS 24.501 9.3.1)."""
    sht_value, mac, count = obj.get("sht"), obj.get("mac"), obj.get("count")
    if sht_value is None:
        if mac is not None or count is not None:
            raise _Bad("sht", "missing: mac and count describe a protected message; give sht")
        return None
    sht = sht_value
    if type(sht) is not int or not SHT_PLAIN <= sht <= SHT_CIPHERED_NEW_CONTEXT:
        raise _Bad("sht", f"must be a security header type 0..4, got {sht_value!r}")
    if pdu is not None and len(pdu) > 1 and pdu[0] == EPD_5GMM and pdu[1] & 0x0F != sht:
        raise _Bad("sht", f"contradicts the pdu, whose security header type is {pdu[1] & 0x0F}")
    if mac is not None:
        if sht == SHT_PLAIN:
            raise _Bad("mac", "a plain message (sht 0) has no MAC")
        mac = _enum(mac, "mac", MAC_RESULTS)
    if count is not None:
        if sht == SHT_PLAIN:
            raise _Bad("count", "a plain message (sht 0) has no NAS COUNT")
        if type(count) is not int or not 0 <= count <= MAX_NAS_COUNT:
            raise _Bad("count", f"must be a NAS COUNT 0..{MAX_NAS_COUNT}, got {count!r}")
    return Protection(sht, mac, count)


def _stored_ngksi(value: Any, name: str) -> int:
    """``ue.ngksi``: the ngKSI of a stored native 5G NAS security context, 0..6 — "111"
    (7) means "no key" and is said by leaving the field out (TS 24.501 9.11.3.32)."""
    if type(value) is not int:
        raise _Bad(name, f"must be an integer, got {_json_type(value)}")
    if not 0 <= value <= 6:
        raise _Bad(name, f"must be in 0..6 (leave it out for no stored context), got {value}")
    return value


def _key(obj: dict[str, Any], name: str, prefix: str) -> Key | None:
    if not _given(obj, name):
        return None
    return Key(_hex(obj[name], f"{prefix}.{name}", 16))


def _plmn(obj: Any, name: str) -> Plmn:
    if not isinstance(obj, dict):
        raise _Bad(name, f"must be an object with mcc and mnc, got {_json_type(obj)}")
    mcc, mnc = obj.get("mcc"), obj.get("mnc")
    if not isinstance(mcc, str) or not _DIGITS.fullmatch(mcc) or len(mcc) != 3:
        raise _Bad(f"{name}.mcc", f"must be a string of 3 digits, got {mcc!r}")
    if not isinstance(mnc, str) or not _DIGITS.fullmatch(mnc) or len(mnc) not in (2, 3):
        raise _Bad(f"{name}.mnc", f"must be a string of 2 or 3 digits, got {mnc!r}")
    return Plmn(mcc, mnc)


def _options(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise _Bad("options", f"must be an object, got {_json_type(obj)}")
    options: dict[str, Any] = {}
    if _given(obj, "app_mode"):
        options["app_mode"] = _enum(obj["app_mode"], "options.app_mode", APP_MODES)
    if _given(obj, "akma_defer"):
        options["akma_defer"] = _bool(obj["akma_defer"], "options.akma_defer")
    if _given(obj, "af_failure_indication"):
        options["af_failure_indication"] = _bool(obj["af_failure_indication"],
                                                  "options.af_failure_indication")
    return options


def _expect(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise _Bad("expect", f"must be an object, got {_json_type(obj)}")
    if _given(obj, "verdict"):
        _enum(obj["verdict"], "expect.verdict", ("pass", "fail"))
    violations = obj.get("violations")
    if violations is not None and (
        not isinstance(violations, list) or not all(isinstance(v, str) for v in violations)
    ):
        raise _Bad("expect.violations", "must be a list of invariant ids")
    return obj


def parse_expect(obj: Any, file: str) -> dict[str, Any] | None:
    """An ``expect`` object read on its own (an exchange log's sidecar expectation, see
    ``ue-stack check --check-expect``): the same rules as a trace header's."""
    try:
        return _expect(obj)
    except _Bad as exc:
        raise TraceFormatError(exc.message, file=file, field=exc.field) from None


def _opt_str(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(name, f"must be a string, got {_json_type(value)}")
    return value


# -- app / ue / net ops ---------------------------------------------------------------------
def _op(kind: str, obj: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    op = obj.get("op")
    if op is None:
        raise _Bad("op", f"missing: a {kind} record needs op")
    if not isinstance(op, str):
        raise _Bad("op", f"must be a string, got {_json_type(op)}")
    spec = OPS[kind].get(op)
    if spec is None:
        raise _Bad("op", f"unknown {kind} op {op!r} (known: {', '.join(OPS[kind])})")
    fields: dict[str, Any] = {}
    for name, required in spec.items():
        if not _given(obj, name):
            if required:
                raise _Bad(name, f"missing: {kind} {op} needs {name}")
            continue
        fields[name] = _op_field(name, obj[name])
    return op, fields


def _op_field(name: str, value: Any) -> Any:
    if name in ("app", "af_fqdn", "msg"):
        if not isinstance(value, str) or not value:
            raise _Bad(name, "must be a non-empty string")
        return value
    if name == "ua_id":
        return _hex(value, name, UA_ID_OCTETS)
    if name == "expect":
        return _enum(value, name, KAF_EXPECT)
    if name == "ue":
        return _ue_config(value, "ue")
    if name == "mcc" and (not isinstance(value, str) or not _DIGITS.fullmatch(value)
                          or len(value) != 3):
        raise _Bad(name, f"must be 3 digits, got {_show(value)}")
    if name == "mnc" and (not isinstance(value, str) or not _DIGITS.fullmatch(value)
                          or len(value) not in (2, 3)):
        raise _Bad(name, f"must be 2 or 3 digits, got {_show(value)}")
    if name in ("mcc", "mnc"):
        return value
    return _typed(name, value)  # registration_type, switch_off


# -- typed values ---------------------------------------------------------------------------
def _typed(name: str, value: Any, msg: str | None = None) -> Any:
    """A field's value in the type FIELD_TYPES gives it (from its JSON form)."""
    spec = FIELD_TYPES.get(name)
    if spec is None:
        return value
    kind = spec[0]
    if kind == "int":
        lo, hi = NGKSI_RANGE_OVERRIDE.get((msg or "", name), spec[1:3])
        if type(value) is not int:
            raise _Bad(name, f"must be an integer, got {_json_type(value)}")
        if not lo <= value <= hi:
            raise _Bad(name, f"must be in {lo}..{hi}, got {value}")
        return value
    if kind == "hex":
        return _hex(value, name, spec[1])
    if kind == "enum":
        return _enum(value, name, spec[1])
    if kind == "bool":
        return _bool(value, name)
    if not isinstance(value, str):
        raise _Bad(name, f"must be a string, got {_json_type(value)}")
    return value


def _typed_decoded(name: str, value: Any, msg: str) -> Any:
    """A decoded PDU field, accepted as typed (bytes/int) or in its JSON form."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).hex()
    return _typed(name, value, msg)


def _hex(value: Any, name: str, octets: int | tuple[int, int] | None = None) -> bytes:
    if not isinstance(value, str):
        raise _Bad(name, f"must be a hex string, got {_json_type(value)}")
    if not _HEX.fullmatch(value):
        raise _Bad(name, "is not hex (digits 0-9 and a-f only, no 0x, no spaces)")
    if len(value) % 2:
        raise _Bad(name, f"has an odd number of hex digits ({len(value)})")
    data = bytes.fromhex(value)
    if isinstance(octets, tuple):
        if not octets[0] <= len(data) <= octets[1]:
            raise _Bad(name, f"must be {octets[0]}..{octets[1]} octets, got {len(data)}")
    elif octets is not None and len(data) != octets:
        raise _Bad(name, f"must be {octets} octets, got {len(data)}")
    return data


def _name(value: str | None, field: str) -> None:
    if value is None:
        return
    try:
        kdf_name(value)
    except ValueError as e:
        raise _Bad(field, str(e)) from None


def _enum(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed or not isinstance(value, str):
        raise _Bad(name, f"must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(name, f"must be true or false, got {value!r}")
    return value


def _given(obj: dict[str, Any], name: str) -> bool:
    # JSON null counts as absent: writers of optional fields sometimes emit it.
    return obj.get(name) is not None


def _eap_shorthand(obj: dict[str, Any]) -> dict[str, Any]:
    """``eap: "success"|"failure"`` (v1) as ``eap_code``; an ``eap_code`` written beside
    it must say the same."""
    value = obj.get("eap")
    if not isinstance(value, str) or value not in EAP_SHORTHAND:
        return obj
    if obj.get("eap_code", value) != value:
        raise _Bad("eap_code", f"contradicts eap {value!r}")
    return {**{k: v for k, v in obj.items() if k != "eap"}, "eap_code": value}


def _extras(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in _RESERVED}


def _show(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else repr(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if type(value) in (int, float):
        return "a number"
    return names.get(type(value), type(value).__name__)

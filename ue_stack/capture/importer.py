"""Capture -> one ue-stack/trace v1 per UE session (docs/trace-format.md, docs/README.md and
docs/report.md).

Two passes. The first walks the NAS PDUs in capture order: it ties each NGAP
UE-associated connection to a UE (RAN/AMF UE NGAP IDs; then a SUPI from a null-scheme
SUCI, a 5G-GUTI / 5G-S-TMSI assigned earlier in the capture, or a concealed SUCI sent
again) and runs that UE's NAS security (``security.UeSecurity``) with its keys (``--keys``
or ``--k/--opc``), because a GUTI may only be readable after deciphering. The second pass
works per UE: ``sessions`` splits its messages into sessions, infers the USIM's SQN state
and any NAS security context the UE held before the capture, and finds the capture's
gaps; then the records are written, strict JSON with a ``frame`` on each imported message,
with the ``ue`` operations a replay needs (``power_on``/``register`` before each
session's first REGISTRATION REQUEST, ``deregister`` before a UE-initiated
DEREGISTRATION REQUEST) and, with ``--akma-probe``, ``kaf_request`` probes. With
``expect`` it also writes the header's ``expect``: what replay must find if the model
agrees with the recorded UE — ``pass``, or NAS-3 where the importer found the recorded UE
breaking a rule (explained in that record's ``note``). A UE whose SUPI stays concealed
gets ``ue.suci`` instead of ``ue.supi``; keys go into a header only with ``embed_keys``.

The records of a UE's events are made in ``import_records``; what the import found (counts,
problem lines, the import report) is ``import_report``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..authkeys import AuthKeys
from ..crypto import aka
from ..crypto import suci as ecies
from ..crypto.secret import Key
from ..errors import InputError
from ..hnkeys import HnKeys, supi_of
from ..limits import MAX_SPAN
from ..nas import codec
from ..nas.codec import DecodedPdu, decode_mobile_identity, decode_pdu, decode_plmn
from ..trace.writer import TraceWriter, header
from . import sbi
from .import_records import (
    PROBE_PLACES,
    RELEASE_PROCEDURES,
    replayed_count_deviations,
    trace_records,
)
from .import_report import (
    COUNT_NAMES,
    EXTRA_COUNT_NAMES,
    ImportResult,
    Problem,
    UeTrace,
    frame_ranges,
    problem,
    summary_notes,
)
from .ngap import NgapDecodeError, decode_ngap
from .ngap_ies import NgapFacts
from .security import ENC_NAMES, Credentials, Protection, UeSecurity
from .sessions import (
    Event,
    answer_of,
    expectation,
    find_gaps,
    forbidden_causes,
    plan_sessions,
)
from .sources import open_capture


@dataclass(frozen=True, slots=True)
class ImportOptions:
    k: bytes | None = None
    opc: bytes | None = None
    supi: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    expect: bool = False  # write the header's `expect` (see the module docstring)
    keys: dict[str, tuple[bytes, bytes]] | None = None  # --keys FILE: SUPI -> (K, OPc)
    embed_keys: bool = False  # write K/OPc into the trace header (docs/README.md)
    akma_probe: str | None = None  # after-smc | in-w1 | all
    hn_keys: HnKeys | None = None  # --hn-key FILE: de-conceal profile A/B SUCIs
    auth_keys: AuthKeys | None = None  # --keys rows per RAND: KAUSF, KSEAF or KAMF


@dataclass(eq=False, slots=True)
class Ue:
    index: int
    security: UeSecurity
    supi: str | None = None
    suci: codec.MobileIdentity | None = None
    serving_plmn: tuple[str, str] | None = None
    events: list[Event] = field(default_factory=list)
    merged_into: Ue | None = None
    concealed: bytes | None = None  # a SUCI with protection scheme A/B (never the SUPI)
    releases: list[tuple[float, int]] = field(default_factory=list)  # NGAP UE context
    # releases of the UE's connections: (time, frame)

    def resolve(self) -> Ue:
        ue = self
        while ue.merged_into is not None:
            ue = ue.merged_into
        return ue


@dataclass(slots=True)
class Conn:
    """One NGAP UE-associated logical connection (TS 38.413 8.1)."""

    index: int
    association: tuple[Any, ...]
    ran_id: int | None
    amf_id: int | None = None
    ue: Ue | None = None
    tai_plmn: bytes | None = None
    s_tmsi: bytes | None = None
    released: bool = False  # an NGAP UE context release was seen (TS 38.413 8.3.3)
    first_nas: bytes | None = None  # the NAS PDU its InitialUEMessage carried


class Importer:
    """``Importer(options).run(path) -> ImportResult``; ``write(result, outdir)``."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.credentials = (
            Credentials(Key(options.k), Key(options.opc))
            if options.k is not None and options.opc is not None
            else None
        )
        self.keys = {
            supi: Credentials(Key(k), Key(opc)) for supi, (k, opc) in (options.keys or {}).items()
        }
        self.counts: dict[str, int] = dict.fromkeys(COUNT_NAMES + EXTRA_COUNT_NAMES, 0)
        self.problems: list[Problem] = []
        self.ue_by_suci: dict[bytes, Ue] = {}
        self.ues: list[Ue] = []
        self.conns: list[Conn] = []
        self.by_ran: dict[tuple[Any, ...], Conn] = {}
        self.by_amf: dict[tuple[Any, ...], Conn] = {}
        self.ue_by_supi: dict[str, Ue] = {}
        self.ue_by_s_tmsi: dict[bytes, Ue] = {}
        self.auth_keys: AuthKeys = dict(options.auth_keys or {})  # and those the SBI showed
        self.sbi = sbi.Findings()
        self.capture_data: bytes | None = None
        self.hn_key_ids: dict[str, int] = {}  # SUPI -> key id of the SUCI --hn-key revealed
        # every NAS PDU with what security made of it: (frame, pdu, outer, protection)
        self.on_nas: Callable[[int, bytes, DecodedPdu, Protection], None] | None = None

    # -- pass 1: NGAP -> connections -> UEs, with NAS security ---------------------------

    def run(self, path: str | Path,
            progress: Callable[[int], None] | None = None) -> ImportResult:
        """Import one capture; ``progress`` (if given) gets the NGAP PDUs read so far."""
        source = open_capture(path)
        # the octets read (once: '-' is standard input), for --decipher-pcap
        self.capture_data = source.reader.data if source.reader is not None else None
        if source.reader is not None and sbi.worth_reading(source.reader.data):
            # HTTP/2 SBI beside the NGAP (capture/sbi.py)
            self.sbi = sbi.read(source.reader)
            self.auth_keys.update(
                {r: k for r, k in self.sbi.auth_keys.items() if r not in self.auth_keys})
            self.counts["sbi_messages"] = self.sbi.messages
            self.counts["sbi_keys"] = len(self.sbi.auth_keys)
        undecodable: list[int] = []  # frames whose NGAP does not decode
        for message in source.messages:
            self.counts["ngap_pdus"] += 1
            if progress is not None:
                progress(self.counts["ngap_pdus"])
            try:
                facts = decode_ngap(message.payload)
            except NgapDecodeError:
                self.counts["ngap_undecodable"] += 1
                undecodable.append(message.frame)
                continue
            conn = self._connection(message.association, facts)
            if conn is None:
                continue
            if facts.tai_plmn is not None and conn.tai_plmn is None:
                conn.tai_plmn = facts.tai_plmn
            if facts.s_tmsi is not None:
                conn.s_tmsi = facts.s_tmsi
            if facts.procedure in RELEASE_PROCEDURES and conn.ue is not None and (
                    not conn.released):
                conn.released = True  # the N1 signalling connection ends here
                conn.ue.resolve().releases.append((message.time, message.frame))
            if facts.direction is None:
                continue
            for pdu in facts.nas_pdus:
                self.counts["nas_pdus"] += 1
                self._nas(conn, message.frame, message.time, facts.direction, pdu, facts.procedure)
        self.counts["frames"] = source.stats.frames
        if undecodable:
            self.problems.append(problem(
                "error", f"{len(undecodable)} NGAP PDU(s) do not decode (APER, TS 38.413)",
                frames=undecodable))
        stats = source.stats
        if stats.ip_fragment_frames:
            self.problems.append(problem(
                "error", f"{len(stats.ip_fragment_frames)} IP fragment(s) not reassembled: "
                "any NGAP they carry is not read", frames=stats.ip_fragment_frames))
        if stats.incomplete_frames:
            self.problems.append(problem(
                "error", f"{len(stats.incomplete_frames)} SCTP user message(s) without their "
                "first part or their last part in the capture: not read",
                frames=sorted(stats.incomplete_frames)))
        name = Path(path).name
        if source.truncated:
            self.problems.append(problem(
                "error", f"capture is truncated: {source.truncated}; imported what came before"
            ))
        if self.counts["ngap_pdus"] == 0:
            detail = ""
            if source.stats.unknown_linktypes:
                detail = f" (unsupported link types {sorted(source.stats.unknown_linktypes)})"
            raise InputError(
                f"no NGAP found (no SCTP DATA with PPID 60 in {source.stats.frames} "
                f"frames){detail}",
                file=str(path),
            )
        if self.counts["nas_pdus"] == 0:
            raise InputError("NGAP found, but no NAS-PDU in it", file=str(path))
        built = [self._build(ue, name) for ue in self.ues if ue.merged_into is None]
        traces = [t for t in built if t is not None]
        self.counts["ues"] = sum(1 for t in traces if t.header is not None)
        self.problems.extend(summary_notes([t for t in traces if t.header is not None]))
        fatal = None
        wrong = [p for t in traces for p in t.problems if "wrong keys" in p["problem"]]
        if wrong:
            fatal = wrong[0]["problem"]
        return ImportResult(name, source.kind, traces, self.counts, self.problems, fatal)

    def _connection(self, association: tuple[Any, ...], facts: NgapFacts) -> Conn | None:
        ran, amf = facts.ran_ue_ngap_id, facts.amf_ue_ngap_id
        if ran is None and amf is None:
            return None  # not UE-associated
        conn = None
        if facts.procedure == "InitialUEMessage" and ran is not None and facts.nas_pdus:
            earlier = self.by_ran.get((association, ran))
            if earlier is not None and earlier.first_nas == facts.nas_pdus[0]:
                return earlier  # the same InitialUEMessage again: a duplicate in the capture
        elif facts.procedure != "InitialUEMessage":
            if ran is not None:
                conn = self.by_ran.get((association, ran))
            if conn is None and amf is not None:
                conn = self.by_amf.get((association, amf))
        if conn is None:
            conn = Conn(len(self.conns), association, ran)
            conn.first_nas = facts.nas_pdus[0] if facts.nas_pdus else None
            self.conns.append(conn)
        if ran is not None:
            conn.ran_id = ran
            self.by_ran[(association, ran)] = conn
        if amf is not None:
            conn.amf_id = amf
            self.by_amf[(association, amf)] = conn
        return conn

    def _new_ue(self) -> Ue:
        # --keys: the UE's row is found once its SUPI is known (_learn_supi)
        security = UeSecurity(None if self.keys else self.credentials, self.auth_keys)
        ue = Ue(len(self.ues) + 1, security)
        self.ues.append(ue)
        return ue

    def _ue_for(self, conn: Conn, first: DecodedPdu | None) -> Ue:
        """A new connection's UE: by the identity in its initial NAS message
        (TS 24.501 5.5.1.2.2: SUCI or 5G-GUTI; 5.6.1: 5G-S-TMSI) or the NGAP 5G-S-TMSI."""
        ident = None
        if first is not None and "mobile_identity" in first.extra:
            ident = self._identity(first.extra["mobile_identity"])
        ue = None
        if ident is not None and ident.supi is not None:
            ue = self.ue_by_supi.get(ident.supi)
        concealed = _concealed_suci(first)
        if ue is None and concealed is not None:
            ue = self.ue_by_suci.get(concealed)  # the same SUCI sent again (a retry)
        for s_tmsi in (ident.s_tmsi if ident else None, conn.s_tmsi):
            if ue is None and s_tmsi is not None:
                ue = self.ue_by_s_tmsi.get(s_tmsi)
        if ue is None:
            ue = self._new_ue()
        ue = ue.resolve()
        if ident is not None and ident.supi is not None:
            self._learn_supi(ue, ident)
        elif concealed is not None and ue.supi is None and ue.concealed is None:
            ue.concealed = concealed
            self.ue_by_suci[concealed] = ue
        return ue

    def _identity(self, value: bytes) -> codec.MobileIdentity:
        """A 5GS mobile identity; a profile A/B SUCI whose home network key ``--hn-key``
        lists names its SUPI like a null-scheme one (TS 33.501 6.12.2, the SIDF's job)."""
        ident = decode_mobile_identity(value)
        if ident.supi is None and self.options.hn_keys:
            supi = supi_of(value, self.options.hn_keys)
            if supi is not None:
                self.hn_key_ids[supi] = value[7]  # for the header's ue.hn_key_id
                return dataclasses.replace(ident, supi=supi)
        return ident

    def _concealment(self, ident: codec.MobileIdentity, supi: str | None) -> dict[str, Any]:
        """``ue.suci_profile``/``hn_public``/``hn_key_id`` of a UE whose SUCI ``--hn-key``
        revealed: replayed, the model then conceals as the phone did (docs/keys.md)."""
        key_id = self.hn_key_ids.get(supi) if supi is not None else None
        scheme = ident.protection_scheme
        if key_id is None or scheme not in ecies.PROFILE_OF_SCHEME or not self.options.hn_keys:
            return {}
        private = self.options.hn_keys[(scheme, key_id)]
        return {"suci_profile": ecies.PROFILE_OF_SCHEME[scheme],
                "hn_public": ecies.public_key(scheme, private).hex(), "hn_key_id": key_id}

    def _learn_supi(self, ue: Ue, ident: codec.MobileIdentity) -> Ue:
        """A null-scheme SUCI names the UE; merge with the UE already known by it."""
        supi = ident.supi
        assert supi is not None
        other = self.ue_by_supi.get(supi)
        if other is not None and other.resolve() is not ue:
            other = other.resolve()
            other.events.extend(ue.events)
            other.events.sort(key=lambda e: (e.time, e.frame))
            other.releases = sorted(other.releases + ue.releases)
            if ue.security.last_auth is not None or other.security.current is None:
                other.security = ue.security
            ue.merged_into = other
            for conn in self.conns:
                if conn.ue is ue:
                    conn.ue = other
            ue = other
        if ue.supi is None:
            if self.options.supi and supi != self.options.supi:
                ue.security.credentials = None  # the keys belong to another UE
            ue.supi, ue.suci = supi, ident
            ue.security.supi = supi
            if self.keys:
                ue.security.credentials = self.keys.get(supi)
            self.ue_by_supi[supi] = ue
        return ue

    def _snn(self, ue: Ue, conn: Conn) -> None:
        if ue.serving_plmn is None:
            if self.options.mcc and self.options.mnc:
                ue.serving_plmn = (self.options.mcc, self.options.mnc)
            elif conn.tai_plmn is not None:
                with contextlib.suppress(codec.NasDecodeError):
                    ue.serving_plmn = decode_plmn(conn.tai_plmn)
        if ue.serving_plmn is not None and ue.security.snn is None:
            ue.security.snn = aka.serving_network_name(*ue.serving_plmn)
        if ue.security.supi is None and self.options.supi and ue.supi is None:
            ue.security.supi = self.options.supi

    def _nas(
        self, conn: Conn, frame: int, time: float, direction: str, pdu: bytes, procedure: str
    ) -> None:
        outer = decode_pdu(pdu, null_cipher_guess=False)
        if conn.ue is None:
            conn.ue = self._ue_for(conn, outer)
        ue = conn.ue = conn.ue.resolve()
        self._snn(ue, conn)
        if outer is None:
            ev = Event(
                frame,
                time,
                direction,
                pdu,
                procedure,
                conn.index,
                None,
                Protection(None, note="not a NAS-5GS message"),
            )
            ue.events.append(ev)
            return
        prot = ue.security.protect_in(direction, outer)
        self._count_protection(prot, outer)
        if self.on_nas is not None:  # --decipher-pcap (capture/decipher.py)
            self.on_nas(frame, pdu, outer, prot)
        plain: DecodedPdu | None
        if outer.security_header == codec.SHT_PLAIN or not outer.ciphered:
            plain = outer if outer.msg is not None else None
        elif prot.plain is not None:
            try:
                plain = codec.decode_plain(prot.plain, inner=True)
            except codec.NasDecodeError:
                plain = None
                prot.note = "deciphered message does not decode"
        else:
            plain = None
        ev = Event(frame, time, direction, pdu, procedure, conn.index, plain, prot)
        if plain is not None:
            self.counts["decoded"] += 1
            ev.name = codec.transport_name(plain)
            self._learn(ue, conn, ev, plain)
            ue = conn.ue.resolve()
        ue.events.append(ev)

    def _count_protection(self, prot: Protection, outer: DecodedPdu) -> None:
        key = {
            "verified": "nia_verified",
            "failed": "nia_failed",
            "unsupported": "nia_unsupported",
            "unchecked": "nia_unchecked",
        }.get(prot.integrity)
        if key:
            self.counts[key] += 1
        if outer.ciphered:
            if prot.cipher == "nea0":
                self.counts["null_ciphered"] += 1
            elif prot.cipher is not None:
                self.counts["deciphered"] += 1
            else:
                self.counts["undecipherable"] += 1

    def _learn(self, ue: Ue, conn: Conn, ev: Event, plain: DecodedPdu) -> None:
        """Identity and security facts carried by one decoded message."""
        msg, f = plain.msg, plain.fields
        if ev.direction == "ul" and "mobile_identity" in plain.extra:
            ident = self._identity(plain.extra.get("mobile_identity", b""))
            if ident.supi is not None:
                conn.ue = self._learn_supi(ue, ident)
                self._snn(conn.ue, conn)
        ue = conn.ue.resolve() if conn.ue else ue
        if "guti" in plain.extra and ev.direction == "dl":
            s_tmsi = plain.extra["guti"][4:10]
            self.ue_by_s_tmsi[s_tmsi] = ue
        if msg == "authentication_request" and ev.direction == "dl":
            self.counts["auth_requests"] += 1
            ev.auth = ue.security.authentication_request(f)
        elif msg == "authentication_response" and ev.direction == "ul":
            self.counts["auth_responses"] += 1
            last = ue.security.last_auth
            if last is not None and last.res_star is not None and "res_star" in f:
                ok = last.res_star == f["res_star"]
                self.counts["res_star_matched" if ok else "res_star_mismatched"] += 1
        elif msg == "authentication_failure" and ev.direction == "ul":
            self.counts["auth_failures"] += 1
            if f.get("cause") == 21 and f.get("auts") is not None:
                ev.resync = ue.security.resync(f["auts"])

    # -- pass 2: one trace per UE -----------------------------------------------------

    def _build(self, ue: Ue, capture_name: str) -> UeTrace | None:
        if not ue.events:
            return None
        supi = ue.supi or self.options.supi
        problems: list[Problem] = []
        frames = sorted({e.frame for e in ue.events})
        suci = ue.concealed if supi is None else None
        label = supi or (f"SUCI {suci.hex()[:18]}..." if suci else f"#{ue.index}")
        where = f"UE {label}"
        if supi is None and suci is None:
            problems.append(problem(
                "error", f"{where}: no SUPI or SUCI in the capture (no registration seen); give "
                "--supi. No trace written", frames=frames))
            return UeTrace(None, None, [], frames, problems)
        if ue.serving_plmn is None:
            problems.append(problem(
                "error", f"{where}: serving PLMN unknown (no user location TAI); give "
                "--mcc/--mnc. No trace written", frames=frames))
            return UeTrace(supi, None, [], frames, problems)
        creds = self._credentials_of(ue, supi)
        if creds is not None:
            creds = self._check_keys(ue, creds, where, problems)
        notes: list[str] = []
        plan = plan_sessions(ue.events, with_sqn=creds is not None, notes=notes, where=where)
        problems.extend(problem("note", text) for text in notes)
        plan.deviations.extend(self._res_star_deviations(ue, creds))
        plan.deviations.extend(forbidden_causes(ue.events))
        skips = find_gaps(ue.events, plan)
        plan.deviations.extend(replayed_count_deviations(ue.events, skips.reasons))
        # a breach inside a skipped span is never compared: the expectation leaves it out
        plan.deviations = [(i, why) for i, why in plan.deviations if i not in skips.reasons]
        for start, end, text, severity in skips.gaps:
            then = "; skipped until the UE can resynchronise" if severity == "error" else (
                "; skipped")
            problems.append(problem(
                severity, f"{where}: {text}{then}",
                frames=sorted({e.frame for e in ue.events[start:end]})))
        self._unchecked(ue, creds, where, problems)
        ue_obj: dict[str, Any] = {"suci": suci.hex()} if suci is not None else {}
        if creds is not None and self.options.embed_keys:
            ue_obj["k"], ue_obj["opc"] = bytes(creds.k).hex(), bytes(creds.opc).hex()
        if ue.suci is not None and ue.suci.supi == supi:
            ue_obj["rid"] = ue.suci.routing_indicator or "0"
            ue_obj["home_plmn"] = {"mcc": ue.suci.mcc, "mnc": ue.suci.mnc}
            ue_obj.update(self._concealment(ue.suci, supi))
        elif suci is not None:
            ident = codec.decode_mobile_identity(suci)
            if ident.mcc is not None:
                ue_obj["rid"] = ident.routing_indicator or "0"
                ue_obj["home_plmn"] = {"mcc": ident.mcc, "mnc": ident.mnc}
        head_ue = dict(ue_obj)
        if plan.initial_sqn_ms is not None:
            head_ue["sqn_ms"] = f"{plan.initial_sqn_ms:012x}"
        first = min(plan.starts, default=None)
        if first in plan.stored_ngksi:
            head_ue["ngksi"] = plan.stored_ngksi[first]
        extra: dict[str, Any] = {}
        if self.options.expect:
            extra["expect"] = expectation(plan)
        mcc, mnc = ue.serving_plmn
        head = header(
            supi,
            title=f"{capture_name}: UE {label}, imported from a real capture",
            source=f"{capture_name}, frames {frame_ranges(frames, short=True)}; NGAP/NAS-5GS "
            "imported by ue-stack import",
            ue=head_ue,
            serving_plmn={"mcc": mcc, "mnc": mnc},
            **extra,
        )
        probes = PROBE_PLACES.get(self.options.akma_probe or "", frozenset())
        records = trace_records(ue.events, plan, supi, ue_obj, skips=skips.reasons, probes=probes,
                           releases=ue.releases)
        records = sbi.merge_net(records, self.sbi.net.get(supi or "", []), ue.events[0].time)
        late = [e.frame for e in ue.events if e.time - ue.events[0].time > MAX_SPAN]
        if late:  # a broken time stamp: the trace could not be read with it
            problems.append(problem(
                "error", f"{len(late)} time stamp(s) more than {MAX_SPAN:g} s after the "
                "session's first frame: written at the time of the record before",
                frames=late))
        for p in problems:  # docs/report.md: a UE's problem names the UE
            p.setdefault("ue", supi or cast(bytes, suci).hex())  # one of them is known
        return UeTrace(supi, head, records, frames, problems, suci=suci is not None,
                       keyless=creds is None and not ue.security.keyed)

    def _credentials_of(self, ue: Ue, supi: str | None) -> Credentials | None:
        """The UE's keys: its --keys row, or --k/--opc (for --supi's UE only, if given)."""
        if self.keys:
            return self.keys.get(supi) if supi is not None else None
        if self.credentials is not None and self.options.supi and self.options.supi != supi:
            return None  # the keys were given for another UE
        return self.credentials

    def _unchecked(self, ue: Ue, creds: Credentials | None, where: str,
                   problems: list[Problem]) -> None:
        """What could not be read or checked (docs/report.md): an undecodable message is an
        error; so are a MAC that fails and, where keys were given, a message not deciphered
        or an algorithm that cannot be checked. Without keys these are notes: a ciphered
        message then names its algorithm (the capture is fine, the keys are missing)."""
        unreadable, failed, unsupported = [], [], []
        ciphered: dict[str, list[int]] = {}  # algorithm -> frames not deciphered
        for ev in ue.events:
            p = ev.protection
            if p.integrity == "failed":
                failed.append(ev.frame)
            elif p.integrity == "unsupported":
                unsupported.append(ev.frame)
            if ev.plain is not None:
                continue
            if ev.pdu[:1] == b"\x7e" and ev.pdu[1:2] and ev.pdu[1] & 0x0F in (2, 4):
                alg = ("an algorithm no SECURITY MODE COMMAND in the capture names"
                       if p.nea is None else ENC_NAMES.get(p.nea, f"NEA{p.nea}"))
                ciphered.setdefault(alg, []).append(ev.frame)
            else:
                unreadable.append(ev.frame)
        keyed = "error" if creds is not None else "note"
        why = "with the given keys" if creds is not None else "without keys"
        found = [("error", unreadable, "message(s) that do not decode as NAS-5GS")]
        found.extend((keyed, frames, f"message(s) ciphered with {alg}, not deciphered {why}: "
                      "written as 'ciphered'") for alg, frames in ciphered.items())
        found.extend((
            ("error", failed, "NAS MAC(s) that do NOT verify with the given keys"),
            (keyed, unsupported, "NAS MAC(s) whose algorithm cannot be checked"),
        ))
        for severity, frames, text in found:
            if frames:
                problems.append(problem(severity, f"{where}: {len(frames)} {text}",
                                        frames=frames))

    @staticmethod
    def _res_star_deviations(ue: Ue, creds: Credentials | None) -> list[tuple[int, str]]:
        """Where the UE's RES* differs from the one K/OPc give (TS 33.501 A.4): the model
        sends the computed one, so replay reports NAS-3 there."""
        if creds is None:
            return []
        out: list[tuple[int, str]] = []
        for i, ev in enumerate(ue.events):
            if ev.auth is None or ev.auth.res_star is None:
                continue
            answer = answer_of(ue.events, i)
            if answer is None or answer.name != "authentication_response" or not answer.plain:
                continue
            got = answer.plain.fields.get("res_star")
            if got is not None and got != ev.auth.res_star:
                out.append((ue.events.index(answer), "the UE's RES* differs from the one "
                            "derived from K/OPc and this serving network name"))
        return out

    def _check_keys(self, ue: Ue, creds: Credentials, where: str,
                    problems: list[Problem]) -> Credentials | None:
        """Keys that contradict the capture are dropped from the trace (and reported):
        a USIM that accepted an AUTN whose MAC-A fails with our K/OPc has another K."""
        for i, ev in enumerate(ue.events):
            if ev.auth is None or ev.auth.mac_ok is None:
                continue
            answer = answer_of(ue.events, i)
            accepted = answer is not None and answer.name == "authentication_response"
            if accepted and not ev.auth.mac_ok:
                problems.append(problem(
                    "error", f"wrong keys for {where}: the UE accepted an AUTN whose MAC-A "
                    "does not verify with them; trace written without keys", frames=[ev.frame]))
                return None
            got = (answer.plain.fields.get("res_star")
                   if accepted and answer is not None and answer.plain else None)
            if accepted and got is not None and ev.auth.res_star not in (None, got):
                assert answer is not None  # accepted: the UE answered
                problems.append(problem(
                    "error", f"{where}: RES* differs from the one derived with serving network "
                    f"name {ue.security.snn!r}; wrong serving PLMN? (give --mcc/--mnc)",
                    frames=[answer.frame]))
        return creds

    # -- output -----------------------------------------------------------------------

    def write(self, result: ImportResult, outdir: str | Path, stem: str,
              suffix: str = "") -> list[str]:
        """One trace per UE session into ``outdir`` (an existing folder); the names
        returned, each written with ``suffix`` added (the CLI renames them when the
        import is complete)."""
        outdir = Path(outdir)
        paths: list[str] = []
        used: set[str] = set()
        for trace in result.traces:
            if trace.header is None:
                continue
            who = trace.supi or "suci"
            name = f"capture-{stem}-{who}"
            n = 2
            while name in used:
                name, n = f"capture-{stem}-{who}-{n}", n + 1
            used.add(name)
            trace.name = f"{name}.jsonl"
            path = outdir / trace.name
            with TraceWriter(f"{path}{suffix}", trace.header, "-o") as w:
                for record in trace.records:
                    w.write(record)
            paths.append(str(path))
        return paths


def _concealed_suci(first: DecodedPdu | None) -> bytes | None:
    """The SUCI of an initial message when its protection scheme hides the SUPI (scheme
    1 = profile A, 2 = profile B, or an operator scheme; TS 33.501 6.12.2, C.2)."""
    value = first.extra.get("mobile_identity") if first is not None else None
    if not value or value[0] & 0x07 != 1 or len(value) < 8:
        return None
    if (value[0] >> 4) & 0x07 != 0 or value[6] & 0x0F == 0:
        return None  # a NAI-format SUCI, or the null scheme (which names the SUPI)
    return bytes(value)

"""Replay of one ue-stack/trace v1 file through the UE model (docs/trace-format.md;
the log it writes: docs/exchange-log.md; its checks: docs/invariants.md).

The trace is streamed record by record. ``dl``, ``app``, ``ue`` and ``net`` records are
inputs, fed at their ``t`` in model time (timers fire in between). ``ul`` records are
expectations for the model's uplink (NAS-3) and never reach the model. The shadow network
follows the model's uplink, not the recorded one. Every exchange is logged by the bus and
checked online by the invariant checker, so memory stays flat on long traces.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..app.akma_client import PER_KAF
from ..bus import Bus, Layer
from ..crypto.aka import AMF_SEPARATION_BIT, AuthCheck, AutnVerification
from ..crypto.milenage import milenage_from_autn
from ..crypto.secret import Key
from ..events import AfSessionRequest
from ..hnkeys import HnKeys
from ..invariants.app1 import App1Tracker
from ..keyfile import with_keys
from ..limits import model_epoch
from ..nas.alternatives import Choice, Chooser, recorded_option
from ..nas.concealment import same_concealed_identity, suci_config
from ..nas.messages import MESSAGES, NasMessage, is_modelled
from ..nas.mm import Nas, NasConfig
from ..nas.usim import Usim, usim_of
from ..network.shadow import ShadowNetwork, plmn_of_snn
from ..sink import ExchangeSink
from ..ue import UeStack, log_network_event
from .schema import TraceHeader, TraceRecord, UeConfig

NAS3 = "NAS-3"
# What an AKMA verdict on an imported capture means, said once in the report and the HTML
AKMA_ON_CAPTURE = (
    "AKMA verdicts on a capture judge the model's upper layers on the capture's timing: a NAS "
    "capture carries no AKMA traffic, so the AKMA key requests are the model's (--akma-probe), "
    "not the recorded UE's.")
PROGRESS_EVERY = 5000


@dataclass
class ReplayStats:
    """What replay counts beyond the checker's own statistics (report ``stats``)."""

    records: int = 0  # trace records after the header
    ul_skipped: int = 0  # `ul` records not expected: with `skip`, or not modelled (5GSM)
    ul_unverified: int = 0  # `ciphered` `ul` records: one uplink whose content is unknown
    dl_skipped: int = 0  # `dl` records with `skip`: not fed to the model
    dl_passed_through: int = 0  # `dl` records of messages the model does not implement
    ciphered: int = 0  # `ciphered` records (the importer could not decipher them)
    ignored_net_ops: int = 0  # simulation-only `net` ops

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if v or k in ("records", "ul_skipped")}


@dataclass
class Options:
    """How the model under test behaves; None means "as the trace header says"."""

    app_mode: str | None = None
    akma_defer: bool | None = None
    keys: dict[str, tuple[bytes, bytes]] | None = None  # --keys: for traces without K/OPc
    hn_keys: HnKeys | None = None  # --hn-key: de-conceal a header's ue.suci


@dataclass
class _Expectation:
    line: int
    message: NasMessage
    owner: int  # index of the input record the expectation follows
    skipped: bool = False  # a `skip` record: it holds a place in the queue, never compared

    @property
    def unverified(self) -> bool:
        """A `ciphered` record: it stands for any one uplink (docs/invariants.md)."""
        return self.message.msg == "ciphered"


SPAN_UPLINK = "model uplink sent inside a skipped span: not compared"


class Nas3Matcher:
    """NAS-3 (docs/invariants.md, "How NAS-3 matches"): the trace's ``ul`` records form
    a queue in file order; each model uplink is matched to the head. Different ``msg`` or
    nothing pending: "unexpected"; a field that differs: violation naming it; an
    expectation still pending when a later input is fed, or at the end: "missing"."""

    def __init__(self, record: Callable[..., None], seq: Callable[[], int],
                 now: Callable[[], float]) -> None:
        self._record = record
        self._seq = seq
        self._now = now
        self._queue: deque[_Expectation] = deque()
        self.answering = False  # replay is feeding a downlink: the model's uplink answers it
        self.unchecked_fields: frozenset[str] = frozenset()
        # why records were not compared: reason -> trace lines (the report's not_checked)
        self.skipped: dict[str, list[int]] = {}
        # the trace line of the skipped downlink last fed, until an input resynchronises
        self.suspended_at: int | None = None

    def head(self) -> NasMessage | None:
        """The next uplink the trace expects (the stand-in USIM's oracle)."""
        return next((e.message for e in self._queue if not e.skipped), None)

    def head_line(self) -> int | None:
        return next((e.line for e in self._queue if not e.skipped), None)

    def expect(self, rec: TraceRecord, owner: int, stats: ReplayStats) -> None:
        if rec.skip is not None:
            stats.ul_skipped += 1
            self.skipped.setdefault(rec.skip, []).append(rec.line)
            self._queue.append(_Expectation(rec.line, rec.message or NasMessage(
                rec.msg or "undecodable"), owner, skipped=True))
            return
        if rec.msg == "ciphered":
            stats.ul_unverified += 1
            self.skipped.setdefault("ciphered uplink: its content is not compared",
                                    []).append(rec.line)
        elif rec.message is None or not is_modelled(rec.message.msg):
            stats.ul_skipped += 1
            return
        assert rec.message is not None  # a `ciphered` record carries a placeholder message
        self._queue.append(_Expectation(rec.line, rec.message, owner))

    def uplink(self, message: NasMessage) -> None:
        if self.answering:
            self._pass_skipped(message)
        head = self._queue[0] if self._queue else None
        span = head.line if head is not None and head.skipped else self.suspended_at
        if span is not None and (head is None or head.skipped or head.message.msg != message.msg):
            # Inside a skipped span the model's own timers still run (it may retry
            # REGISTRATION REQUEST on T3510/T3511 while the capture has a gap): what it
            # sends there is not compared, and told (docs/trace-format.md `skip`).
            self.skipped.setdefault(SPAN_UPLINK, []).append(span)
            return
        if head is None:
            self._fail(f"unexpected uplink {message.msg}: the trace expects none here")
            return
        expected = head.message
        if head.unverified:
            self._queue.popleft()
            return
        later = None if expected.msg == message.msg else self._answered_later(head, message)
        if later is not None:
            # answers to downlinks that reached the UE together: the recorded UE sent them
            # in another order (their timing, which NAS-3 does not compare)
            self._queue.remove(later)
            head, expected = later, later.message
        elif expected.msg != message.msg:
            self._fail(f"unexpected uplink: expected {expected.msg} (trace line {head.line}), "
                       f"model sent {message.msg}")
            return
        else:
            self._queue.popleft()
        diffs = [
            f"{name}: expected {_show(value)}, model {_show(message.get(name))}"
            for name, value in expected.fields.items()
            if name in MESSAGES[expected.msg][1] and name not in self.unchecked_fields
            and not _same(name, value, message.get(name))
        ]
        if diffs:
            self._fail(f"{message.msg} differs from trace line {head.line}: " + "; ".join(diffs))
        else:
            self._record(NAS3, True, self._seq(), self._now(), "")

    def _answered_later(self, head: _Expectation, message: NasMessage) -> _Expectation | None:
        """While the model answers a downlink just fed: the expectation of the same ``msg``
        among those that follow the same input as the head (the answers to a run of
        downlinks fed together), if any."""
        if not self.answering:
            return None
        for e in self._queue:
            if e.owner != head.owner:
                return None
            if not e.skipped and e.message.msg == message.msg:
                return e
        return None

    def _pass_skipped(self, message: NasMessage) -> None:
        """The model answers a downlink just fed, and skipped records stand at the head
        (an uplink the capture shows twice, a copy left unanswered) before the expected
        answer: that answer is what the model sent, so they are passed, not taken for a
        gap's span (where only the model's own timers make it send)."""
        queue = self._queue
        if not queue or not queue[0].skipped:
            return
        for n, e in enumerate(queue):
            if not e.skipped:
                if e.message.msg == message.msg:
                    for _ in range(n):
                        queue.popleft()
                return

    def missing(self, before_owner: int | None = None) -> None:
        """Report expectations that belong to inputs before ``before_owner`` (all if None)."""
        while self._queue and (before_owner is None or self._queue[0].owner < before_owner):
            head = self._queue.popleft()
            if head.unverified or head.skipped:
                continue  # counted under not_checked, never "missing" (docs/trace-format.md)
            self._fail(f"missing uplink {head.message.msg} (trace line {head.line}): "
                       "the model did not send it")

    def _fail(self, message: str) -> None:
        self._record(NAS3, False, self._seq(), self._now(), message)


def _same(name: str, expected: Any, sent: Any) -> bool:
    """One uplink field as the trace has it and as the model sent it. An ``identity`` that
    is a SUCI concealed with profile A/B is new on every concealment (a fresh ephemeral
    key), so it matches on everything but its scheme output (nas/concealment.py)."""
    if name == "identity" and isinstance(expected, bytes) and isinstance(sent, bytes):
        return same_concealed_identity(expected, sent)
    return bool(expected == sent)


def _lines(numbers: list[int]) -> str:
    """``[3, 5, 4, 9, 4]`` -> ``"3-5, 9"``: short and in file order, however many records
    were skipped (uplinks are noted as read, downlinks as fed)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _option_text(message: NasMessage) -> str:
    """``authentication_failure #20``: a message and its cause, for the report."""
    cause = message.get("cause")
    return message.msg if cause is None else f"{message.msg} #{cause}"


def _show(value: Any) -> str:
    return value.hex() if isinstance(value, bytes | bytearray) else repr(value)


@dataclass
class ShadowLink:
    """The UE's N1 and Ua* peers in replay (an ``ue.N1Link``): the shadow network on its
    own layer."""

    bus: Bus
    layer: Layer
    shadow: ShadowNetwork

    def ul(self, _ue: UeStack, message: NasMessage) -> None:
        shadow = self.shadow
        self.bus.submit(self.layer, lambda now: shadow.handle_ul(message, now))

    def af_session(self, _ue: UeStack, request: AfSessionRequest) -> None:
        shadow = self.shadow

        def session(now: float) -> None:
            shadow.handle_af_session(request, now)  # its answer goes to the outbox

        self.bus.submit(self.layer, session)

    def observe_dl(self, message: NasMessage) -> None:
        shadow = self.shadow
        self.bus.submit(self.layer, lambda now: shadow.observe_dl(message, now))

    def op(self, op: str, fields: dict[str, Any]) -> None:
        shadow = self.shadow
        self.bus.submit(self.layer, lambda now: shadow.handle_op(op, fields, now))


def evidence_of(rec: TraceRecord) -> dict[str, Any]:
    """Where a recorded message comes from, for its log line: the trace ``line``, the
    capture ``frame`` and the captured ``pdu`` (hex), each when known (docs/exchange-log.md)."""
    out: dict[str, Any] = {"line": rec.line}
    if rec.frame is not None:
        out["frame"] = rec.frame
    if rec.pdu is not None:
        out["pdu"] = rec.pdu.hex()
    return out


def home_plmn_of(header: TraceHeader) -> tuple[str, str]:
    """The A-KID realm's PLMN: ``ue.home_plmn``, else the serving PLMN, else the PLMN
    spelled in the SNN (the same rule as the shadow network's)."""
    plmn = header.home_plmn
    return (plmn.mcc, plmn.mnc) if plmn is not None else plmn_of_snn(header.snn)


def stand_in_credentials(supi: str) -> tuple[Key, Key]:
    """K/OPc that replay uses for a trace without them (a capture from a real SIM).

    The model and the shadow network share them, so the key chain on both sides is
    consistent and the AKMA invariants still show whether UE and network agree; only
    what needs the real K — the AUTN checks and the RES* value — cannot be checked."""
    digest = hashlib.sha256(b"ue-stack stand-in credentials:" + supi.encode()).digest()
    return Key(digest[:16]), Key(digest[16:])


class StandInUsim(Usim):
    """A USIM for a trace without K/OPc. It cannot check MAC-A or SQN, so where the
    recorded UE reported a MAC or synch failure (#20/#21) it takes that outcome from the
    recording; otherwise it accepts and answers with stand-in keys. The ME's separation
    bit check needs no secret and stays real."""

    def __init__(self, ue: UeConfig, expected: Callable[[], NasMessage | None]) -> None:
        k, opc = stand_in_credentials(ue.supi)
        super().__init__(ue.supi, k, opc, sqn_ms=ue.sqn_ms, rid=ue.rid,
                         stored_ngksi=ue.ngksi, stored=ue.stored)
        self._stand_in = (k, opc)
        self._expected = expected

    stand_in = True

    def verify(self, rand: bytes, autn: bytes) -> AutnVerification:
        return self.authenticate(rand, autn)  # it never takes an SQN

    def authenticate(self, rand: bytes, autn: bytes) -> AutnVerification:
        head = self._expected()
        cause = _recorded_autn_failure(head)
        if cause in (AuthCheck.MAC_FAILURE, AuthCheck.SYNCH_FAILURE):
            auts = (head.get("auts") or head.get("at_auts")) if head is not None else None
            return AutnVerification(AuthCheck(cause), sqn_ms=self.sqn_ms, auts=auts)
        m, sqn = milenage_from_autn(*self._stand_in, rand, autn)
        if not autn[6] & AMF_SEPARATION_BIT:
            return AutnVerification(AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE, self.sqn_ms)
        return AutnVerification(AuthCheck.OK, self.sqn_ms, sqn=sqn, res=m.res, ck=m.ck, ik=m.ik)


def _recorded_autn_failure(head: NasMessage | None) -> int | None:
    """The AUTN outcome the recorded UE reported: #20/#21 in AUTHENTICATION FAILURE (5G
    AKA), or AKA'-Authentication-Reject / AKA'-Synchronization-Failure (EAP-AKA')."""
    if head is None:
        return None
    if head.msg == "authentication_failure":
        cause: int | None = head.get("cause")
        return cause
    if head.msg == "authentication_response":
        return {"authentication-reject": AuthCheck.MAC_FAILURE,
                "synchronization-failure": AuthCheck.SYNCH_FAILURE}.get(head.get("eap_subtype"))
    return None


def make_usim(ue: UeConfig, expected: Callable[[], NasMessage | None]) -> Usim:
    """``usim_of``, or a ``StandInUsim`` when the trace gives no K/OPc."""
    return usim_of(ue) if ue.has_credentials else StandInUsim(ue, expected)


@dataclass
class Replay:
    """Drives one trace through NAS + upper layers + shadow network on a bus.

    ``record`` is the checker's entry for replay-computed invariants
    (``record(invariant, ok, seq, t, message)``); every exchange goes to ``run``'s
    ``sink`` (the checker among its consumers).
    """

    header: TraceHeader
    options: Options
    record: Callable[..., None]
    stats: ReplayStats = field(default_factory=ReplayStats)
    # called with the number of records read so far, every PROGRESS_EVERY records
    progress: Callable[[int], None] | None = None
    from_capture: bool = False  # a record carries a capture `frame` (an imported trace)
    # expect_state (docs/trace-format.md): how many were compared, and the ones not met
    states_checked: int = 0
    state_misses: list[dict[str, Any]] = field(default_factory=list)

    def effective_app_mode(self) -> str:
        return self.options.app_mode or self.header.options.get("app_mode") or PER_KAF

    def effective_akma_defer(self) -> bool:
        if self.options.akma_defer is not None:
            return self.options.akma_defer
        return bool(self.header.options.get("akma_defer", True))

    async def run(self, records: Any, app1: App1Tracker, sink: ExchangeSink | None) -> None:
        header = self.header
        self.app1 = app1
        # The driver's own log lines (`input`, notes) carry the UE like the layers' do.
        # every input here is followed by settle() before anything else is awaited
        records = iter(records)
        first = next(records, None)
        if first is not None:
            records = itertools.chain((first,), records)
        bus = Bus(sink, context={"ue": header.ue.supi}, driver_settles=True,
                  epoch=model_epoch(first.t) if first is not None else 0.0)
        self.bus = bus
        home_mcc, home_mnc = home_plmn_of(header)
        nas3 = Nas3Matcher(self.record, lambda: bus.seq, lambda: bus.t)
        self.make_usim: Callable[[UeConfig], Usim] = lambda ue_cfg: make_usim(
            with_keys(ue_cfg, self.options.keys), nas3.head)
        self.alternatives: list[dict[str, Any]] = []
        nas = Nas(
            NasConfig(snn=header.snn, home_mcc=home_mcc, home_mnc=home_mnc,
                      akma_defer=self.effective_akma_defer(), sec_cap=header.ue.sec_cap,
                      suci=suci_config(header.ue), imei=header.ue.imei,
                      imeisv=header.ue.imeisv),
            self.make_usim(header.ue),
        )
        nas.choose = self._follow_recording(nas3)
        ue_cfg = header.ue
        k, opc = (ue_cfg.k, ue_cfg.opc) if ue_cfg.has_credentials else stand_in_credentials(
            ue_cfg.supi)
        shadow = ShadowNetwork(ue_cfg.supi, header.snn, k=k, opc=opc, rid=ue_cfg.rid,
                               home_mcc=home_mcc, home_mnc=home_mnc,
                               af_failure_indication=bool(
                                   header.options.get("af_failure_indication", False)))
        link = ShadowLink(bus, bus.add_layer(
            "network", shadow, lambda layer, ev: log_network_event(bus, layer, ev,
                                                                   lambda _supi: ue)), shadow)
        ue = UeStack(bus, header.ue.supi, nas, app_mode=self.effective_app_mode(),
                     network=link, on_uplink=nas3.uplink)
        self.ue, self.shadow = ue, shadow  # the explorer reads the cores between records
        self.not_checked = []
        if not ue_cfg.has_credentials:
            # EAP-AKA': AT_RES and AT_MAC (and so the packet) come from the stand-in keys
            nas3.unchecked_fields = frozenset({"res_star", "eap", "at_res", "at_mac"})
            self.not_checked.append({
                "invariant": NAS3,
                "reason": "trace has no K/OPc: AUTN checks (MAC, SQN) and RES* (EAP-AKA': "
                          "AT_RES, AT_MAC) taken from the recording, not recomputed; keys on "
                          "both sides are stand-ins"})
        if ue_cfg.suci is not None:
            self.not_checked.append({
                "invariant": NAS3,
                "reason": f"SUPI concealed (ue.suci): stand-in SUPI {ue_cfg.supi}; the SUCI "
                          "the UE sends, KSEAF, the A-KID username and KAKMA depend on it"})

        last_t = bus.epoch
        # Inputs read but not yet fed, with their index. NAS-3's queue holds the `ul`
        # records in file order (docs/invariants.md), so an input is fed only once the `ul`
        # records after it are queued; a run of `dl` records is held together, since the
        # answers to a downlink sent twice in a row (a duplicated challenge) follow the
        # last copy in a capture.
        held: list[tuple[TraceRecord, int]] = []
        index = 0
        try:
            for rec in records:
                self.stats.records += 1
                if self.progress is not None and not self.stats.records % PROGRESS_EVERY:
                    self.progress(self.stats.records)
                last_t = max(last_t, rec.t)
                if rec.frame is not None:
                    self.from_capture = True
                if rec.kind == "ul":
                    nas3.expect(rec, index, self.stats)
                    continue
                index += 1
                if held and not (rec.kind == "dl" and held[-1][0].kind == "dl"):
                    for pending, at in held:
                        await self._feed(pending, at, bus, ue, link, nas3)
                    held.clear()
                held.append((rec, index))
            for pending, at in held:
                await self._feed(pending, at, bus, ue, link, nas3)
            # Timers fire only up to the last record's t; then deferred AKMA requests are
            # rejected (procedure_aborted), so every request is answered (docs/trace-format.md).
            await bus.sleep_until(last_t - bus.epoch)
            ue.nas_input(nas.end_of_run)
            await bus.settle()
            nas3.missing()
            app1.finish(bus.seq, bus.t)
        finally:
            await bus.close()
            self.not_checked.extend(
                {"invariant": NAS3, "reason": f"{reason} (trace lines {_lines(lines)})"}
                for reason, lines in nas3.skipped.items())

    def _follow_recording(self, nas3: Nas3Matcher) -> Chooser:
        """Where the spec leaves the UE a choice (nas/alternatives.py), take the one the
        recorded UE took — the trace's next expected uplink — so the model stays in step;
        each such choice is counted in the report's ``alternatives``."""

        def choose(choice: Choice) -> int:
            index = recorded_option(choice, nas3.head())
            if index:
                alt = choice.alternative
                self.alternatives.append({
                    "alternative": alt.id, "clause": alt.clause,
                    "recorded": _option_text(choice.options[index]),
                    "model": _option_text(choice.options[0]), "line": nas3.head_line()})
            return index

        return choose

    async def _feed(self, rec: TraceRecord, index: int, bus: Bus, ue: UeStack,
                    link: ShadowLink, nas3: Nas3Matcher) -> None:
        await bus.sleep_until(rec.t - bus.epoch)  # model time (limits.model_epoch)
        nas3.missing(before_owner=index)
        kind, op, f = rec.kind, rec.op, rec.fields
        if kind == "dl":
            message = rec.message
            nas3.suspended_at = rec.line if rec.skip is not None else None
            if rec.skip is not None:
                self.stats.dl_skipped += 1
                nas3.skipped.setdefault(rec.skip, []).append(rec.line)
                bus.log("note", layer="n1", text="downlink skipped: not fed to the model",
                        msg=rec.msg or "undecodable", line=rec.line)
            elif message is None or not is_modelled(message.msg):
                name = message.msg if message is not None else "undecodable"
                if name == "ciphered":
                    self.stats.ciphered += 1
                else:
                    self.stats.dl_passed_through += 1
                bus.log("note", layer="n1", text="downlink not modelled: passed through",
                        msg=name, dir="dl", **evidence_of(rec))
            else:
                link.observe_dl(message)
                protection = message.protection
                if (rec.pdu is not None and protection is not None and protection.protected
                        and self.header.ue.has_credentials):
                    # the captured octets: the UE checks the MAC with its own keys (those
                    # of the context the message names), not the recorder's word for it
                    message = NasMessage(message.msg, message.fields,
                                         replace(protection, pdu=rec.pdu))
                ue.downlink(message, **evidence_of(rec))
                nas3.answering = True  # what the model sends now answers this downlink
        elif kind == "app":
            bus.log("input", kind="app", action=op, line=rec.line, app=f["app"],
                    af_fqdn=f["af_fqdn"], ua_id=f["ua_id"].hex(), expect=f.get("expect"))
            self.app1.expect(ue.supi, f["app"], f.get("expect"), bus.seq)
            ue.kaf_request(f["app"], f["af_fqdn"], f["ua_id"])
        elif kind == "ue":
            if op != "advance":
                nas3.suspended_at = None  # a restart or a new procedure: compared again
            bus.log("input", kind="ue", action=op, line=rec.line,
                    **{k: v for k, v in f.items() if k != "ue"})
            ue.ue_op(op, f, lambda cfg: self.make_usim(cfg or self.header.ue))
            if op == "plmn_change":  # the shadow network serves under the new name too
                link.shadow.snn = ue.nas.core.config.snn
        else:  # net
            if op == "aanf_context_remove":
                bus.log("input", kind="net", action=op, line=rec.line)
                link.op(op, f)
            elif op == "aanf_registered":
                # measured in the capture (SBI, capture/sbi.py): logged where it happened;
                # the shadow network keeps registering at RES* as it models
                bus.log("input", kind="net", action=op, **evidence_of(rec),
                        **{k: v for k, v in f.items() if k == "a_kid"})
            else:
                self.stats.ignored_net_ops += 1
                bus.log("note", layer="network", text=f"net {op} is simulation only: ignored "
                        "in replay", line=rec.line)
        await bus.settle()
        nas3.answering = False
        if rec.expect_state is not None:
            self._check_state(rec, ue, bus)

    def _check_state(self, rec: TraceRecord, ue: UeStack, bus: Bus) -> None:
        """``expect_state`` (docs/trace-format.md): the state right after the input, compared; a
        mismatch is a missed expectation, listed in the report's ``expect.states``."""
        nas = ue.nas.core
        actual = {"5gmm": nas.state.value, "update_status": nas.update_status.value}
        expected = rec.expect_state or {}
        met = all(actual[k] == v for k, v in expected.items())
        self.states_checked += 1
        if not met:
            shown = {k: actual[k] for k in expected}
            self.state_misses.append({"line": rec.line, "expected": dict(expected),
                                      "actual": shown})
            bus.log("note", layer="5gmm", text="expect_state missed", line=rec.line,
                    expected=dict(expected), actual=shown)

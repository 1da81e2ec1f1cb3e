"""Writes the hand-written traces of traces/ (see traces/README.md for provenance).

Each trace's records are written here by hand from docs/behaviour.md; only the
challenge values (RAND, AUTN, RES*, AUTS) are computed, with ue_stack.crypto, which is
pinned to the TS 35.208 and 5G AKA/AKMA vectors. Run from the repository root:

    .venv/bin/python traces/make_handwritten.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from ue_stack.crypto import aka, serving_network_name
from ue_stack.crypto.secret import fp
from ue_stack.trace.writer import TraceWriter, header

HERE = Path(__file__).resolve().parent
LOGS = HERE / "logs"
SUPI = "001010000000001"
K = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")  # TS 35.208 test set 1
OPC = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
SNN = serving_network_name("001", "01")
GUTI = "00f110010040000000a1"  # PLMN 001/01, AMF region 1, set/pointer 0x0040, 5G-TMSI a1
SEC_CAP = "e0e0"
UA_TLS = "0100000007"  # Ua* shared-key TLS 1.3 (TS 33.220 Annex H)
PASS = {"verdict": "pass", "violations": []}


def fails(*invariants: str) -> dict:
    return {"verdict": "fail", "violations": list(invariants)}


def rand_for(n: int) -> bytes:
    return hashlib.sha256(b"ue_stack trace rand %d" % n).digest()[:16]


def challenge(sqn: int, n: int, *, amf: bytes = b"\x80\x00", bad_mac: bool = False):
    """(RAND, AUTN, RES*) of a 5G HE AV for SQN ``sqn`` (TS 33.501 6.1.3.2)."""
    rand = rand_for(n)
    chain = aka.aka_chain(K, OPC, rand, sqn.to_bytes(6, "big"), amf, SNN)
    autn = chain.autn
    if bad_mac:
        autn = autn[:-1] + bytes((autn[-1] ^ 0x01,))
    return rand.hex(), autn.hex(), chain.res_star.hex()


class Trace:
    def __init__(self, name: str, title: str, expect: dict, **head) -> None:
        ue = {"k": K.hex(), "opc": OPC.hex(), **head.pop("ue", {})}
        self.w = TraceWriter(HERE / f"{name}.jsonl", header(
            SUPI, title=title,
            source="hand-written from docs/behaviour.md; challenge values computed "
                   "by traces/make_handwritten.py with ue_stack.crypto",
            ue=ue, serving_plmn={"mcc": "001", "mnc": "01"}, expect=expect, **head), None)
        self.t = 0.0

    def at(self, dt: float = 0.05) -> float:
        self.t = round(self.t + dt, 3)
        return self.t

    def dl(self, msg: str, dt: float = 0.05, **fields) -> None:
        self.w.write({"t": self.at(dt), "kind": "dl", "msg": msg, **fields})

    def ul(self, msg: str, dt: float = 0.01, **fields) -> None:
        self.w.write({"t": self.at(dt), "kind": "ul", "msg": msg, **fields})

    def ue(self, op: str, dt: float = 0.05, **fields) -> None:
        self.w.write({"t": self.at(dt), "kind": "ue", "op": op, **fields})

    def app(self, dt: float = 0.5, expect: str | None = None, app: str = "mail") -> None:
        rec = {"t": self.at(dt), "kind": "app", "op": "kaf_request", "app": app,
               "af_fqdn": "af.example.com", "ua_id": UA_TLS}
        if expect:
            rec["expect"] = expect
        self.w.write(rec)

    def net(self, op: str, dt: float = 0.05, **fields) -> None:
        self.w.write({"t": self.at(dt), "kind": "net", "op": op, **fields})

    def note(self, text: str) -> None:
        self.w.comment(text)

    def answered_challenge(self, ngksi: int = 1, sqn: int = 0x42, n: int = 2,
                           dt: float = 5.0) -> tuple[str, str, str]:
        """AUTHENTICATION REQUEST and the UE's RES* (by default a re-authentication 5 s
        after the registration); returns (RAND, AUTN, RES*) for what follows."""
        rand, autn, res_star = challenge(sqn, n)
        self.dl("authentication_request", dt=dt, ngksi=ngksi, abba="0000", rand=rand,
                autn=autn)
        self.ul("authentication_response", res_star=res_star)
        return rand, autn, res_star

    def authenticate(self, ngksi: int, sqn: int, n: int, smc: bool = True, dt: float = 0.05,
                     **smc_fields):
        self.answered_challenge(ngksi, sqn, n, dt)
        if smc:
            self.dl("security_mode_command", ngksi=ngksi, nea=2, nia=2, **smc_fields)
            self.ul("security_mode_complete")

    def start_registration(self) -> None:
        """Switch on and send REGISTRATION REQUEST (SUCI, no key: ngKSI 7)."""
        self.ue("power_on", dt=0.0)
        self.ue("register")
        self.ul("registration_request", registration_type="initial", ngksi=7)

    def accept_registration(self) -> None:
        self.dl("registration_accept", guti=GUTI)
        self.ul("registration_complete")

    def register(self, sqn: int = 0x21, n: int = 1) -> None:
        self.note("switch on and register: 5G AKA, SMC, REGISTRATION ACCEPT with a 5G-GUTI")
        self.start_registration()
        self.authenticate(0, sqn, n)
        self.accept_registration()

    def close(self) -> None:
        self.w.close()


def happy_path() -> None:
    tr = Trace("happy-path", "registration, 5G AKA, SMC, one AF session",
               PASS)
    tr.register()
    tr.note("the application needs KAF: NAS derives KAKMA/A-KID from the valid KAUSF")
    tr.app(expect="ok")
    tr.close()


def reauth(name: str, title: str, expect: dict, options: dict | None = None) -> None:
    tr = Trace(name, title, expect, **({"options": options} if options else {}))
    tr.register()
    tr.app(expect="ok")
    tr.note("network-triggered re-authentication: KAUSF2 replaces KAUSF1 at SMC")
    tr.authenticate(1, 0x42, 2, dt=5.0)
    tr.note("t4 of docs/behaviour.md: a new KAF must come from KAKMA2")
    tr.app(dt=5.0)
    tr.close()


def w1(defer: bool) -> None:
    expect = (PASS if defer
              else fails("AKMA-4"))
    name = "w1-defer-on" if defer else "w1-defer-off"
    tr = Trace(name, f"window W1: AKMA request between RES* and SMC, akma_defer {defer}",
               expect, options={"akma_defer": defer})
    tr.register()
    tr.answered_challenge()
    tr.note("W1: the AAnF already holds KAKMA2 (RES* verified); the UE still has KAUSF1 valid")
    tr.app(dt=0.1)
    tr.dl("security_mode_command", dt=0.2, ngksi=1, nea=2, nia=2)
    tr.ul("security_mode_complete")
    tr.close()


def w2_smc_lost() -> None:
    tr = Trace("w2-smc-lost", "window W2: RES* accepted, SMC never arrives: UE keeps KAUSF1",
               fails("AKMA-4"))
    tr.register()
    tr.answered_challenge()
    tr.note("the SMC is lost; the deferred request is answered from KAUSF1 at T3516 expiry")
    tr.app(dt=1.0)
    tr.ue("advance", dt=40.0)
    tr.close()


def w2_smc_rejected() -> None:
    tr = Trace("w2-smc-rejected",
               "window W2: SMC rejected (#23, capability mismatch): UE keeps KAUSF1",
               fails("AKMA-4"), ue={"sec_cap": SEC_CAP})
    tr.register()
    tr.answered_challenge()
    tr.app(dt=0.1)
    tr.dl("security_mode_command", dt=0.2, ngksi=1, nea=2, nia=2, replayed_ue_sec_cap="e000")
    tr.ul("security_mode_reject", cause=23)
    tr.close()


def smc_nia0_rejected() -> None:
    tr = Trace("smc-nia0-rejected",
               "window W2: SMC selects 5G-IA0 outside an emergency: SECURITY MODE REJECT #24, "
               "UE keeps KAUSF1", fails("AKMA-4"))
    tr.register()
    tr.answered_challenge()
    tr.note("deferred until the SMC; the AAnF already moved to A-KID2 (RES* verified)")
    tr.app(dt=0.1)
    tr.note("TS 24.501 5.4.2.3, TS 33.501 5.5.2: 5G-IA0 outside an emergency is rejected #24; "
            "the pending KAUSF is dropped, the deferred request answered from KAUSF1 (W2)")
    tr.dl("security_mode_command", dt=0.2, ngksi=1, nea=0, nia=0)
    tr.ul("security_mode_reject", cause=24)
    tr.app(dt=1.0)
    tr.close()


def retransmission_stops_t3520() -> None:
    tr = Trace("retransmission-stops-t3520",
               "a retransmitted challenge while T3520 runs is a valid AUTHENTICATION REQUEST: "
               "T3520 stops, the deferred AKMA request waits for the SMC", PASS)
    tr.register()
    rand, autn, res_star = tr.answered_challenge()
    tr.note("W1: deferred while the re-authentication runs")
    tr.app(dt=0.1, expect="ok")
    rand3, autn3, _ = challenge(0x63, 3, amf=b"\x00\x00")
    tr.note("a second challenge fails (#26): T3520 starts")
    tr.dl("authentication_request", dt=1.0, ngksi=2, abba="0000", rand=rand3, autn=autn3)
    tr.ul("authentication_failure", cause=26)
    tr.note("the first challenge again while T3516 runs: the stored RES*, and T3520 stops "
            "(TS 24.501 5.4.1.3.7)")
    tr.dl("authentication_request", dt=2.0, ngksi=1, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=res_star)
    tr.note("past the 15 s T3520 would have run: no failed check, the deferral still open")
    tr.dl("security_mode_command", dt=16.0, ngksi=1, nea=2, nia=2)
    tr.ul("security_mode_complete")
    tr.app(expect="ok")
    tr.close()


def mac_failure() -> None:
    tr = Trace("mac-failure-recovery", "AUTN with a wrong MAC: #20, then a fresh challenge",
               PASS)
    tr.start_registration()
    rand, autn, _ = challenge(0x21, 1, bad_mac=True)
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_failure", cause=20)
    tr.note("MAC failure leaves SQN_MS untouched: the next challenge is still fresh")
    tr.authenticate(1, 0x21, 2)
    tr.accept_registration()
    tr.app(expect="ok")
    tr.close()


def synch_failure() -> None:
    sqn_ms = 0x400
    tr = Trace("synch-failure-resync", "stale SQN: #21 with AUTS, resynchronised challenge",
               PASS, ue={"sqn_ms": f"{sqn_ms:012x}"})
    tr.start_registration()
    rand, autn, _ = challenge(0x21, 1)
    auts = aka.build_auts(K, OPC, bytes.fromhex(rand), sqn_ms.to_bytes(6, "big"))
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_failure", cause=21, auts=auts.hex())
    tr.authenticate(0, sqn_ms + 0x21, 2)
    tr.accept_registration()
    tr.app(expect="ok")
    tr.close()


def separation_bit() -> None:
    tr = Trace("separation-bit-0", "AMF separation bit 0: #26, then a 5G challenge",
               PASS)
    tr.start_registration()
    rand, autn, _ = challenge(0x21, 1, amf=b"\x00\x00")
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_failure", cause=26)
    tr.note("the USIM accepted SQN 0x21 before the ME refused the AMF: the next must be higher")
    tr.authenticate(1, 0x42, 2)
    tr.accept_registration()
    tr.app(expect="ok")
    tr.close()


def ngksi_in_use() -> None:
    tr = Trace("ngksi-in-use", "re-authentication naming the ngKSI in use: #71, same "
               "challenge with a new ngKSI", PASS)
    tr.register()
    rand, autn, res_star = challenge(0x42, 2)
    tr.dl("authentication_request", dt=5.0, ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_failure", cause=71)
    tr.dl("authentication_request", ngksi=1, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=res_star)
    tr.dl("security_mode_command", ngksi=1, nea=2, nia=2)
    tr.ul("security_mode_complete")
    tr.app(expect="ok")
    tr.close()


def auth_reject() -> None:
    tr = Trace("auth-reject-akma-rejected",
               "AUTHENTICATION REJECT: USIM invalid, AKMA requests rejected",
               PASS)
    tr.start_registration()
    rand, autn, res_star = challenge(0x21, 1)
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=res_star)
    tr.dl("authentication_reject")
    tr.app(expect="rejected")
    tr.close()


def usim_removal() -> None:
    tr = Trace("usim-removal", "USIM removed while registered: switch-off deregistration, "
               "KAUSF deleted, AKMA rejected", PASS)
    tr.register()
    tr.app(expect="ok")
    tr.ue("usim_removed", dt=2.0)
    tr.ul("deregistration_request", switch_off=True)
    tr.app(expect="rejected")
    tr.close()


def power_cycle() -> None:
    tr = Trace("power-cycle-keeps-kausf", "KAUSF survives power-off (TS 33.501 6.2.2.2)",
               PASS)
    tr.register()
    tr.app(expect="ok")
    tr.ue("power_off", dt=2.0)
    tr.ue("power_on", dt=10.0)
    tr.note("no new authentication: KAKMA still comes from the stored KAUSF")
    tr.app(expect="ok")
    tr.close()


def aanf_removal() -> None:
    tr = Trace("aanf-context-removal", "the AAnF drops the UE's AKMA context: the AF cannot "
               "find the A-KID", fails("AKMA-4"))
    tr.register()
    tr.app(expect="ok")
    tr.net("aanf_context_remove", dt=1.0)
    tr.app()
    tr.close()


def replayed_sqn() -> None:
    tr = Trace("recorded-ue-accepts-replayed-sqn", "the recorded UE answered a replayed "
               "challenge; the model must not (NAS-3 reports the recorded UE)",
               fails("NAS-3"))
    tr.register()
    rand, autn, res_star = challenge(0x21, 1)
    tr.note("the first challenge again: its SQN is no longer fresh for a correct USIM")
    tr.dl("authentication_request", dt=5.0, ngksi=1, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=res_star)
    tr.close()


# -- negative controls: each trace breaks exactly one invariant ----------------------------
def akma1_legacy_cache() -> None:
    tr = Trace("akma-1-legacy-cache-no-reauth", "negative control for AKMA-1: legacy-cache "
               "upper layers derive the second KAF from the cached KAKMA (no re-authentication, "
               "so the AF still knows the A-KID)", fails("AKMA-1"),
               options={"app_mode": "legacy-cache"})
    tr.register()
    tr.app(expect="ok")
    tr.note("no ObtainAkmaKeyRequest before this KAF: the cached KAKMA is reused")
    tr.app(dt=2.0, expect="ok")
    tr.close()


def app1_expect_differs() -> None:
    tr = Trace("app-1-expects-ok-after-reject", "negative control for APP-1: the author "
               "expects ok after AUTHENTICATION REJECT; the model rightly rejects",
               fails("APP-1"))
    tr.start_registration()
    rand, autn, res_star = challenge(0x21, 1)
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=res_star)
    tr.dl("authentication_reject")
    tr.app(expect="ok")
    tr.close()


def nas3_res_star_differs() -> None:
    tr = Trace("nas-3-res-star-differs", "negative control for NAS-3: the recorded "
               "RES* is that of another challenge (only the field differs)", fails("NAS-3"))
    tr.start_registration()
    rand, autn, _ = challenge(0x21, 1)
    _, _, other_res_star = challenge(0x21, 9)
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    tr.ul("authentication_response", res_star=other_res_star)
    tr.dl("security_mode_command", ngksi=0, nea=2, nia=2)
    tr.ul("security_mode_complete")
    tr.accept_registration()
    tr.app(expect="ok")
    tr.close()


def nas3_cause_or_auts_differs(name: str, title: str, cause: int, auts_sqn_ms: int | None
                               ) -> None:
    """The synch-failure timeline with a recorded AUTHENTICATION FAILURE that differs from
    the model's #21 only in ``cause`` (no ``auts`` given) or only in ``auts``."""
    sqn_ms = 0x400
    tr = Trace(name, title, fails("NAS-3"), ue={"sqn_ms": f"{sqn_ms:012x}"})
    tr.start_registration()
    rand, autn, _ = challenge(0x21, 1)
    tr.dl("authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    fields: dict[str, Any] = {"cause": cause}
    if auts_sqn_ms is not None:
        auts = aka.build_auts(K, OPC, bytes.fromhex(rand), auts_sqn_ms.to_bytes(6, "big"))
        fields["auts"] = auts.hex()
    tr.ul("authentication_failure", **fields)
    tr.authenticate(0, sqn_ms + 0x21, 2)
    tr.accept_registration()
    tr.app(expect="ok")
    tr.close()


def nas3_missing() -> None:
    tr = Trace("nas-3-missing-uplink", "negative control for NAS-3: the trace expects "
               "REGISTRATION COMPLETE after an accept without a 5G-GUTI; the model sends none",
               fails("NAS-3"))
    tr.start_registration()
    tr.authenticate(0, 0x21, 1)
    tr.dl("registration_accept")
    tr.ul("registration_complete")
    tr.note("the expectation is missing when this next input is fed, not later")
    tr.app(expect="ok")
    tr.ue("advance", dt=1.0)
    tr.close()


# -- foreign exchange logs: invariants the model never breaks --------------------------------
KAUSF_1, KAUSF_2 = fp(b"foreign kausf 1"), fp(b"foreign kausf 2")
KAKMA_1, KAKMA_2 = fp(b"foreign kakma 1"), fp(b"foreign kakma 2")
A_KID_1 = "rid0.atidAAAAAAAAAAAA@5gc.mnc001.mcc001.3gppnetwork.org"
A_KID_2 = "rid0.atidBBBBBBBBBBBB@5gc.mnc001.mcc001.3gppnetwork.org"
AF_ID = f"af.example.com:{UA_TLS}"


class ForeignLog:
    """A hand-made ue-stack/xlog v1 log "from another UE implementation" that breaks one
    invariant, with its expectation beside it (``NAME.expect.json``, read by
    ``ue-stack check --check-expect``)."""

    def __init__(self, name: str, expect: dict, title: str) -> None:
        LOGS.mkdir(exist_ok=True)
        self.path = LOGS / f"{name}.jsonl"
        (LOGS / f"{name}.expect.json").write_bytes(
            orjson.dumps({"title": title, **expect}, option=orjson.OPT_INDENT_2) + b"\n")
        self.lines: list[dict[str, Any]] = []
        self.t = 0.0

    def add(self, event: str, **fields: Any) -> None:
        self.t = round(self.t + 0.05, 3)
        self.lines.append({"seq": len(self.lines) + 1, "t": self.t, "event": event, **fields})

    def n1(self, direction: str, msg: str, **fields: Any) -> None:
        self.add("n1", dir=direction, msg=msg, **fields)

    def request(self, corr: str) -> None:
        self.add("primitive", src="app:mail", dst="nas", name="ObtainAkmaKeyRequest", corr=corr)

    def confirm(self, corr: str, k_ausf_fp: str, k_akma_fp: str, a_kid: str) -> None:
        self.add("primitive", src="nas", dst="app:mail", name="ObtainAkmaKeyConfirm",
                 corr=corr, a_kid=a_kid, k_akma_fp=k_akma_fp, k_ausf_fp=k_ausf_fp)

    def kaf_session(self, corr: str, k_akma_fp: str, a_kid: str) -> None:
        """The app derives KAF from that confirm and the AF accepts it."""
        k_af = fp(b"foreign kaf " + k_akma_fp.encode())
        self.add("kaf_derived", app="mail", corr=corr, af_id=AF_ID, a_kid=a_kid,
                 k_akma_fp=k_akma_fp, k_af_fp=k_af)
        self.add("af_session", app="mail", af_id=AF_ID, a_kid=a_kid, result="ok",
                 k_af_fp_ue=k_af, k_af_fp_net=k_af)

    def obtain(self, corr: str, k_ausf_fp: str = KAUSF_1, k_akma_fp: str = KAKMA_1,
               a_kid: str = A_KID_1) -> None:
        self.request(corr)
        self.confirm(corr, k_ausf_fp, k_akma_fp, a_kid)
        self.kaf_session(corr, k_akma_fp, a_kid)

    def authenticate(self, ngksi: int, sqn: int, n: int, kausf: str, smc: bool = True) -> None:
        """5G AKA as a correct UE logs it: pending at RES*, valid at the accepted SMC."""
        rand, autn, res_star = challenge(sqn, n)
        self.n1("dl", "authentication_request", ngksi=ngksi, abba="0000", rand=rand, autn=autn)
        self.n1("ul", "authentication_response", res_star=res_star)
        self.add("kausf", action="pending", k_ausf_fp=kausf)
        if smc:
            self.smc(ngksi, kausf)

    def smc(self, ngksi: int, kausf: str) -> None:
        self.n1("dl", "security_mode_command", ngksi=ngksi, nea=2, nia=2)
        self.add("kausf", action="valid", k_ausf_fp=kausf)
        self.n1("ul", "security_mode_complete")

    def register(self) -> None:
        self.n1("ul", "registration_request", registration_type="initial", ngksi=7)
        self.authenticate(0, 0x21, 1, KAUSF_1)
        self.n1("dl", "registration_accept", guti=GUTI)
        self.n1("ul", "registration_complete")

    def close(self) -> None:
        self.path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in self.lines))


def log_akma2() -> None:
    log = ForeignLog("akma-2-confirm-from-pending-kausf", fails("AKMA-2"),
                     "a UE that answers AKMA from the pending KAUSF during re-authentication "
                     "(window W1): the confirm's KAUSF is not the valid one")
    log.register()
    log.authenticate(1, 0x42, 2, KAUSF_2, smc=False)
    log.obtain("mail-1", k_ausf_fp=KAUSF_2, k_akma_fp=KAKMA_2, a_kid=A_KID_2)
    log.smc(1, KAUSF_2)
    log.close()


def log_akma3() -> None:
    log = ForeignLog("akma-3-confirm-after-auth-reject", fails("AKMA-3"),
                     "a UE that still answers AKMA after AUTHENTICATION REJECT made its USIM "
                     "invalid (TS 24.501 5.4.1.3.5)")
    log.register()
    log.obtain("mail-1")
    log.n1("dl", "authentication_reject")
    log.add("usim", action="invalid")
    log.request("mail-2")
    log.confirm("mail-2", KAUSF_1, KAKMA_1, A_KID_1)
    log.close()


def log_xl1_unanswered() -> None:
    log = ForeignLog("xl-1-deferred-request-lost", fails("XL-1"),
                     "a UE that defers an AKMA request during re-authentication and never "
                     "answers it")
    log.register()
    log.authenticate(1, 0x42, 2, KAUSF_2, smc=False)
    log.request("mail-1")
    log.smc(1, KAUSF_2)
    log.close()


def log_xl1_corr_reused() -> None:
    log = ForeignLog("xl-1-corr-counter-stuck", fails("XL-1"),
                     "an application whose corr counter never advances: every request is "
                     "mail-1 (corr must be unique within a log)")
    log.register()
    log.obtain("mail-1")
    log.obtain("mail-1")
    log.close()


def log_nas1() -> None:
    log = ForeignLog("nas-1-kausf-valid-at-auth-response", fails("NAS-1"),
                     "a UE that takes the new KAUSF into use at AUTHENTICATION RESPONSE, "
                     "before the SMC (TS 33.501 6.2.2.2)")
    log.n1("ul", "registration_request", registration_type="initial", ngksi=7)
    rand, autn, res_star = challenge(0x21, 1)
    log.n1("dl", "authentication_request", ngksi=0, abba="0000", rand=rand, autn=autn)
    log.n1("ul", "authentication_response", res_star=res_star)
    log.add("kausf", action="valid", k_ausf_fp=KAUSF_1)
    log.n1("dl", "security_mode_command", ngksi=0, nea=2, nia=2)
    log.n1("ul", "security_mode_complete")
    log.obtain("mail-1")
    log.close()


def log_nas2() -> None:
    log = ForeignLog("nas-2-registered-without-accept", fails("NAS-2"),
                     "a UE whose 5GMM goes from DEREGISTERED straight to REGISTERED, with no "
                     "REGISTERED-INITIATED (TS 24.501 5.1.3.2)")

    def state(old: str, new: str) -> None:
        log.add("state", layer="5gmm", **{"from": old, "to": new})

    state("5GMM-NULL", "5GMM-DEREGISTERED.PLMN-SEARCH")
    state("5GMM-DEREGISTERED.PLMN-SEARCH", "5GMM-DEREGISTERED.NORMAL-SERVICE")
    log.register()
    state("5GMM-DEREGISTERED.NORMAL-SERVICE", "5GMM-REGISTERED.NORMAL-SERVICE")
    log.close()


def log_sec1() -> None:
    log = ForeignLog("sec-1-kausf-in-debug-line", fails("SEC-1"),
                     "a UE whose debug line carries the KAUSF itself (a field named "
                     "k_ausf), not its fingerprint")
    log.register()
    log.add("note", layer="nas", text="derived KAUSF", k_ausf="00" * 32)
    log.obtain("mail-1")
    log.close()


def protected_registration(log: ForeignLog) -> None:
    """Registration as a protecting UE logs it: sht/mac/count on every n1 line once the
    SMC took the context into use (docs/trace-format.md "Message protection")."""
    log.n1("ul", "registration_request", registration_type="initial", ngksi=7)
    rand, autn, res_star = challenge(0x21, 1)
    log.n1("dl", "authentication_request", sht=0, ngksi=0, abba="0000", rand=rand, autn=autn)
    log.n1("ul", "authentication_response", res_star=res_star)
    log.n1("dl", "security_mode_command", sht=3, mac="verified", count=0, ngksi=0, nea=2,
           nia=2)
    log.n1("ul", "security_mode_complete", sht=4, count=0)
    log.n1("dl", "registration_accept", sht=2, mac="verified", count=1, guti=GUTI)
    log.n1("ul", "registration_complete", sht=2, count=1)


def log_nas4() -> None:
    log = ForeignLog("nas-4-plain-deregistration-acted-on", fails("NAS-4"),
                     "a UE that acts on a plain DEREGISTRATION REQUEST #3 after security is "
                     "set up: its USIM becomes invalid, so anyone on the air can switch AKMA "
                     "off (TS 24.501 4.4.4.2)")
    protected_registration(log)
    log.n1("dl", "deregistration_request", sht=0, switch_off=False,
           re_registration_required=False, cause=3)
    log.add("usim", action="invalid")
    log.n1("ul", "deregistration_accept", sht=2, count=2)
    log.close()


def log_nas5() -> None:
    log = ForeignLog("nas-5-replayed-accept-acted-on", fails("NAS-5"),
                     "a UE that answers a replayed protected REGISTRATION ACCEPT (NAS COUNT 1 "
                     "again) with a second REGISTRATION COMPLETE (TS 24.501 4.4.3.1)")
    protected_registration(log)
    log.n1("dl", "registration_accept", sht=2, mac="verified", count=1, guti=GUTI)
    log.n1("ul", "registration_complete", sht=2, count=2)
    log.close()


def main() -> None:
    happy_path()
    reauth("reauth-between-af-sessions", "re-authentication between two AF sessions "
           "(the change request's case)", PASS)
    reauth("reauth-legacy-cache", "negative control: legacy-cache upper layers keep KAKMA1 "
           "across re-authentication", fails("AKMA-1", "AKMA-4"),
           options={"app_mode": "legacy-cache"})
    w1(True)
    w1(False)
    w2_smc_lost()
    w2_smc_rejected()
    smc_nia0_rejected()
    retransmission_stops_t3520()
    mac_failure()
    synch_failure()
    separation_bit()
    ngksi_in_use()
    auth_reject()
    usim_removal()
    power_cycle()
    aanf_removal()
    replayed_sqn()
    akma1_legacy_cache()
    app1_expect_differs()
    nas3_res_star_differs()
    nas3_cause_or_auts_differs(
        "nas-3-cause-differs", "negative control for NAS-3: the recorded UE answered #20 "
        "(MAC failure) where the model answers #21 (synch failure); only cause is compared",
        20, None)
    nas3_cause_or_auts_differs(
        "nas-3-auts-differs", "negative control for NAS-3: #21 as the model sends it, but "
        "the AUTS carries another SQN_MS", 21, 0x3FF)
    nas3_missing()
    log_akma2()
    log_akma3()
    log_xl1_unanswered()
    log_xl1_corr_reused()
    log_nas1()
    log_nas2()
    log_nas4()
    log_nas5()
    log_sec1()


if __name__ == "__main__":
    main()

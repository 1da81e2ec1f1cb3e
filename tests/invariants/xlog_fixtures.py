"""Builders of hand-made exchange logs (docs/exchange-log.md) for the invariant tests."""

from __future__ import annotations

from typing import Any

from ue_stack.crypto.secret import fp

KAUSF_1 = fp(b"kausf-1")
KAUSF_2 = fp(b"kausf-2")
KAKMA_1 = fp(b"kakma-1")
KAKMA_2 = fp(b"kakma-2")
A_KID_1 = "rid0.atidAAAA@5gc.mnc001.mcc001.3gppnetwork.org"
A_KID_2 = "rid0.atidBBBB@5gc.mnc001.mcc001.3gppnetwork.org"
AF_ID = "af.example.com:0100000007"

# A small 5GMM transition table standing in for ue_stack.nas.states (NAS-2 tests).
STATES = frozenset(
    {
        ("5GMM-NULL", "5GMM-DEREGISTERED.NORMAL-SERVICE"),
        ("5GMM-DEREGISTERED.NORMAL-SERVICE", "5GMM-REGISTERED-INITIATED"),
        ("5GMM-REGISTERED-INITIATED", "5GMM-REGISTERED.NORMAL-SERVICE"),
        ("5GMM-REGISTERED-INITIATED", "5GMM-DEREGISTERED.ATTEMPTING-REGISTRATION"),
        ("5GMM-REGISTERED.NORMAL-SERVICE", "5GMM-DEREGISTERED-INITIATED"),
        ("5GMM-DEREGISTERED-INITIATED", "5GMM-DEREGISTERED.NORMAL-SERVICE"),
    }
)


class Log:
    """Builds an exchange log: one method per event, seq and t assigned in order."""

    def __init__(self, ue: str | None = None) -> None:
        self.records: list[dict[str, Any]] = []
        self.ue = ue
        self.t = 0.0

    def add(self, event: str, **fields: Any) -> dict[str, Any]:
        self.t += 0.5
        record = {"seq": len(self.records) + 1, "t": self.t, "event": event, **fields}
        if self.ue is not None:
            record["ue"] = self.ue
        self.records.append(record)
        return record

    # primitives (docs/exchange-log.md)
    def request(self, app: str, corr: str) -> dict[str, Any]:
        return self.add("primitive", src=f"app:{app}", dst="nas",
                        name="ObtainAkmaKeyRequest", corr=corr)

    def confirm(self, app: str, corr: str, k_akma_fp: str = KAKMA_1,
                k_ausf_fp: str = KAUSF_1, a_kid: str = A_KID_1) -> dict[str, Any]:
        return self.add("primitive", src="nas", dst=f"app:{app}", name="ObtainAkmaKeyConfirm",
                        corr=corr, a_kid=a_kid, k_akma_fp=k_akma_fp, k_ausf_fp=k_ausf_fp)

    def reject(self, app: str, corr: str, cause: str = "kausf_unavailable") -> dict[str, Any]:
        return self.add("primitive", src="nas", dst=f"app:{app}", name="ObtainAkmaKeyReject",
                        corr=corr, cause=cause)

    def obtain(self, app: str, corr: str, **confirm: Any) -> None:
        self.request(app, corr)
        self.confirm(app, corr, **confirm)

    def kaf(self, app: str, corr: str | None, k_akma_fp: str = KAKMA_1,
            a_kid: str = A_KID_1) -> dict[str, Any]:
        return self.add("kaf_derived", app=app, corr=corr, af_id=AF_ID, a_kid=a_kid,
                        k_akma_fp=k_akma_fp, k_af_fp=fp(b"kaf" + k_akma_fp.encode()))

    def af_session(self, app: str, result: str = "ok", a_kid: str = A_KID_1) -> dict[str, Any]:
        return self.add("af_session", app=app, af_id=AF_ID, a_kid=a_kid, result=result,
                        k_af_fp_ue=fp(b"ue"), k_af_fp_net=fp(b"ue" if result == "ok" else b"n"))

    def n1(self, direction: str, msg: str, **fields: Any) -> dict[str, Any]:
        return self.add("n1", dir=direction, msg=msg, **fields)

    def kausf(self, action: str, k_ausf_fp: str) -> dict[str, Any]:
        return self.add("kausf", action=action, k_ausf_fp=k_ausf_fp)

    def usim(self, action: str) -> dict[str, Any]:
        return self.add("usim", action=action)

    def state(self, from_: str, to: str, layer: str = "5gmm") -> dict[str, Any]:
        return self.add("state", layer=layer, **{"from": from_, "to": to})

    # whole procedures
    def authenticate(self, new: str, *, smc: bool = True, old: str | None = None) -> None:
        """5G AKA (TS 24.501 5.4.1.3) then, if ``smc``, the SMC that takes it into use
        (5.4.2): the KAUSF is pending at RES*, valid at the SMC, the old one deleted."""
        self.n1("dl", "authentication_request", ngksi=0, abba="0000",
                rand="23553cbe9637a89d218ae64dae47bf35", autn="55f328b43577b9b94a9ffac354dfafb3")
        self.kausf("pending", new)
        self.n1("ul", "authentication_response", res_star="00" * 16)
        if smc:
            self.n1("dl", "security_mode_command", ngksi=0, nea=2, nia=2)
            if old is not None:
                self.kausf("deleted", old)
            self.kausf("valid", new)
            self.n1("ul", "security_mode_complete")

    def register(self) -> None:
        """Power-on and initial registration with 5G AKA and SMC (TS 24.501 5.5.1.2)."""
        self.usim("valid")
        self.state("5GMM-NULL", "5GMM-DEREGISTERED.NORMAL-SERVICE")
        self.n1("ul", "registration_request", registration_type="initial", ngksi=7)
        self.state("5GMM-DEREGISTERED.NORMAL-SERVICE", "5GMM-REGISTERED-INITIATED")
        self.authenticate(KAUSF_1)
        self.n1("dl", "registration_accept")
        self.state("5GMM-REGISTERED-INITIATED", "5GMM-REGISTERED.NORMAL-SERVICE")

    def kaf_session(self, app: str, corr: str, **confirm: Any) -> None:
        """per-kaf upper layers (TS 24.501 4.21): obtain, derive, open an AF session."""
        self.obtain(app, corr, **confirm)
        self.kaf(app, corr, k_akma_fp=confirm.get("k_akma_fp", KAKMA_1),
                 a_kid=confirm.get("a_kid", A_KID_1))
        self.af_session(app, a_kid=confirm.get("a_kid", A_KID_1))

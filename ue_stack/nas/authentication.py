"""Primary authentication, UE side (TS 24.501 5.4.1): 5G AKA (5.4.1.3; TS 33.501 6.1.3.2)
here, EAP-AKA' (5.4.1.2) in ``eap_aka_prime``, which gets every AUTHENTICATION
REQUEST/RESULT that carries EAP. What both share stays here: the ngKSI check, AUTHENTICATION
FAILURE with T3520 and the timers it suspends, the network failing the check,
AUTHENTICATION REJECT, and T3516 with the stored RAND/RES*."""

from __future__ import annotations

from collections.abc import Callable

from ..crypto.aka import AMF_SEPARATION_BIT, AuthCheck, k_amf, k_ausf, k_seaf, res_star
from ..errors import RemoteProtocolError
from ..events import KausfChanged
from . import alternatives, eap_aka_prime
from .context import NasSecurityContext
from .core import CAUSE_INVALID_MANDATORY_INFORMATION, MmCore, required
from .messages import CAUSE_NGKSI_ALREADY_IN_USE, NGKSI_NO_KEY, NasMessage, nas
from .states import MmState

S = MmState
MAX_AUTH_FAILURES = 3  # consecutive failed challenges before the network is deemed
# to have failed the check (5.4.1.3.7)

# Retransmission timers stopped while T3520 runs, each restarted only if the procedure it
# guards is still ongoing (5.4.1.3.7).
RETRANSMISSION_TIMERS: dict[str, MmState | None] = {
    "T3510": S.REGISTERED_INITIATED,
    "T3517": S.SERVICE_REQUEST_INITIATED,
    "T3519": None,  # not tied to a state
    "T3521": S.DEREGISTERED_INITIATED,
}


class Authentication(MmCore):
    """AUTHENTICATION REQUEST/RESPONSE/FAILURE/REJECT/RESULT."""

    # Where the spec leaves the UE a choice (nas/alternatives.py): the model's own by
    # default; replay sets a chooser that follows the recorded UE.
    choose: alternatives.Chooser = staticmethod(alternatives.model_choice)

    def _on_authentication_request(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION REQUEST, in the order of docs/behaviour.md: retransmitted RAND while
        T3516 runs -> the stored RES* (5.4.1.3.7); ngKSI already in use -> #71 before
        the USIM sees RAND (5.4.1.3.7); USIM MAC (#20) and SQN (#21 + AUTS), ME
        separation bit (#26) (5.4.1.3.6); else RES*, pending KAUSF, partial context.
        One carrying an EAP message is EAP-AKA' (5.4.1.2): ``eap_aka_prime``."""
        ngksi = required(message, "ngksi")
        if ngksi == NGKSI_NO_KEY:
            raise RemoteProtocolError(
                "authentication_request: ngKSI 111", CAUSE_INVALID_MANDATORY_INFORMATION
            )
        if eap_aka_prime.carries_eap(message):
            self._fire("authentication_request", remote=True)
            eap_aka_prime.on_authentication_request(self, message, ngksi, now)
            return
        rand = required(message, "rand", 16)
        autn = required(message, "autn", 16)
        self._fire("authentication_request", remote=True)
        usim = self.usim
        assert usim is not None  # WITH_N1 excludes NO-SUPI, the only state without one

        if rand == self._rand and self.timers.running("T3516"):
            # A retransmission is a valid AUTHENTICATION REQUEST (5.4.1.3.7).
            self._valid_challenge_received(now)
            partial = self.contexts.partial
            if partial is not None:
                partial.ngksi = ngksi
            self._send(nas("authentication_response", res_star=self._res_star))
            self._open_akma_deferral()
            return

        if self.contexts.ngksi_in_use(ngksi):
            # #71 first, unless the AUTN fails too and the chooser takes that check's cause
            # (nas/alternatives.py): then the USIM checks it below, as for any ngKSI
            failing = usim.verify(rand, autn).cause
            if failing is None or not self.choose(alternatives.Choice(
                    alternatives.NGKSI_OR_AUTN_FIRST,
                    (nas("authentication_failure", cause=CAUSE_NGKSI_ALREADY_IN_USE),
                     nas("authentication_failure", cause=failing)))):
                self._authentication_failed(now, CAUSE_NGKSI_ALREADY_IN_USE, None)
                return

        check = usim.authenticate(rand, autn)
        if check.cause is not None:
            cause, auts = check.cause, check.auts
            if cause in (AuthCheck.MAC_FAILURE, AuthCheck.SYNCH_FAILURE) and not (
                    autn[6] & AMF_SEPARATION_BIT) and self.choose(alternatives.Choice(
                        alternatives.SEPARATION_BIT_OR_USIM_FIRST,
                        (nas("authentication_failure", cause=int(cause)),
                         nas("authentication_failure",
                             cause=int(AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE))))):
                # the ME refused the AMF before the USIM saw RAND: SQN state untouched
                cause, auts = int(AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE), None
            self._authentication_failed(now, cause, auts)
            return

        # an accepted AUTN always yields CK, IK and RES (crypto.aka.AuthCheck)
        assert check.ck is not None and check.ik is not None and check.res is not None
        self._valid_challenge_received(now)
        snn = self.config.snn
        kausf = k_ausf(check.ck, check.ik, snn, autn[:6])
        abba = message.get("abba") or b"\x00\x00"
        kamf = k_amf(k_seaf(kausf, snn), usim.supi, abba)
        self.contexts.partial = NasSecurityContext(ngksi, kamf, bytes(abba))
        self.outbox.put(KausfChanged("pending", self.kausf.set_pending(kausf)))
        self._rand = bytes(rand)
        self._res_star = res_star(check.ck, check.ik, snn, rand, check.res)
        self._send(nas("authentication_response", res_star=self._res_star))
        self._start("T3516", now)
        self._open_akma_deferral()

    def _authentication_failed(self, now: float, cause: int, auts: bytes | None) -> None:
        """AUTHENTICATION FAILURE (5.4.1.3.6): stop the running retransmission timers,
        start T3520; the third consecutive #20/#21/#26 means the network failed the check
        (5.4.1.3.7). #71 does not count: the network answers it with the same challenge
        under a new ngKSI (5.4.1.3.7)."""
        self._send(nas("authentication_failure", cause=cause, auts=auts))
        for name in RETRANSMISSION_TIMERS:
            if self.timers.running(name):
                self._suspended.add(name)
                self.timers.stop(name)
        self._start("T3520", now)
        if cause != CAUSE_NGKSI_ALREADY_IN_USE:
            self._auth_failures += 1
            if self._auth_failures >= MAX_AUTH_FAILURES:
                self._network_failed_check(now, f"{MAX_AUTH_FAILURES} consecutive failures")

    def _valid_challenge_received(self, now: float) -> None:
        """A valid challenge stops T3520 and restarts the timers it suspended (5.4.1.3.7)."""
        self.timers.stop("T3520")
        self._auth_failures = 0
        self._restart_suspended(now)

    def _restart_suspended(self, now: float) -> None:
        state = self.state
        for name in sorted(self._suspended):
            guarded = RETRANSMISSION_TIMERS[name]
            if guarded is None or guarded is state:
                self._start(name, now)
        self._suspended.clear()

    def _network_failed_check(self, now: float, reason: str) -> None:
        """The network failed the authentication check (5.4.1.3.7): release the N1
        connection locally, treat the cell as barred, restart the suspended timers."""
        self.timers.stop("T3520")
        self._auth_failures = 0
        self._note("network failed the authentication check", reason=reason)
        self._note("N1 signalling connection released locally; cell barred")
        self._fire("authentication_check_failed", remote=False)
        self._restart_suspended(now)

    def _on_t3520(self, now: float) -> None:
        self._network_failed_check(now, "T3520 expiry")

    def _on_t3516(self, now: float) -> None:
        # T3516 expiry: delete RAND and RES* (5.4.1.3.2); the partial context may still
        # be taken into use by a later SMC, but a deferred AKMA request waits no longer.
        self._fire("t3516_expired", remote=False)
        self._forget_rand_res()

    def _on_authentication_reject(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION REJECT (5.4.1.3.5): delete RAND/RES*, 5G-GUTI, ngKSI (TAI list
        not modelled); 5U3; the USIM is invalid until switch-off or removal; stop T3510,
        T3516, T3517, T3519, T3520, T3521; 5GMM-DEREGISTERED (NO-SUPI: no valid USIM)."""
        self._fire("authentication_rejected", remote=True)
        self.timers.stop("T3510", "T3511", "T3502", "T3516", "T3517", "T3519", "T3520", "T3521")
        self._suspended.clear()
        self._auth_failures = 0
        self._forget_rand_res()
        self._forget_registration("AUTHENTICATION REJECT", usim_invalid=True)

    def _on_authentication_result(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION RESULT (5.4.1.2.2): EAP-Success or EAP-Failure of EAP-AKA'."""
        self._fire("authentication_result", remote=True)
        eap_aka_prime.on_authentication_result(self, message, now)


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Authentication, NasMessage, float], None]] = {
    "authentication_request": Authentication._on_authentication_request,
    "authentication_reject": Authentication._on_authentication_reject,
    "authentication_result": Authentication._on_authentication_result,
}
TIMER_HANDLERS: dict[str, Callable[[Authentication, float], None]] = {
    "T3516": Authentication._on_t3516,
    "T3520": Authentication._on_t3520,
}

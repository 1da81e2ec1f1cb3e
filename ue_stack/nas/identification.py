"""Identification, UE side (TS 24.501 5.4.3): IDENTITY REQUEST/RESPONSE."""

from __future__ import annotations

from collections.abc import Callable

from .core import MmCore, required
from .messages import NasMessage, nas

IDENTITY_SUCI, IDENTITY_GUTI = 1, 2  # 5GS identity type (9.11.3.3)
GUTI_IE_TYPE = 0xF2  # first octet of a 5G-GUTI mobile identity IE value (9.11.3.4)
NO_IDENTITY = b"\x00"


class Identification(MmCore):
    """IDENTITY REQUEST answered with the identity asked for."""

    def _on_identity_request(self, message: NasMessage, now: float) -> None:
        """IDENTITY REQUEST (5.4.3.2): SUCI with the null scheme, or the 5G-GUTI; other
        identities (IMEI, ...) are not modelled and answered as "no identity"."""
        identity_type = required(message, "identity_type")
        self._fire("identity_request", remote=True)
        usim = self.usim
        assert usim is not None
        if identity_type == IDENTITY_SUCI:
            identity = self._suci()
            self._start("T3519", now)
        elif identity_type == IDENTITY_GUTI and self.guti is not None:
            identity = self.guti if len(self.guti) == 11 else bytes((GUTI_IE_TYPE,)) + self.guti
        else:
            identity = NO_IDENTITY
        self._send(nas("identity_response", identity=identity))


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Identification, NasMessage, float], None]] = {
    "identity_request": Identification._on_identity_request,
}

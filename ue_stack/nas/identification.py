"""Identification, UE side (TS 24.501 5.4.3): IDENTITY REQUEST/RESPONSE."""

from __future__ import annotations

from collections.abc import Callable

from .core import MmCore, required
from .messages import NasMessage, nas

# 5GS identity type (9.11.3.3), the values on the wire. docs/trace-format.md lists "1 SUCI, 2 IMEI,
# 3 IMEISV, 4 5G-S-TMSI"; v1 traces, the codec and every capture use 2 for the 5G-GUTI,
# so the TS 24.501 numbering is kept (docs/trace-format.md says so).
IDENTITY_SUCI, IDENTITY_GUTI, IDENTITY_IMEI, IDENTITY_S_TMSI, IDENTITY_IMEISV = 1, 2, 3, 4, 5
GUTI_IE_TYPE = 0xF2  # first octet of a 5G-GUTI mobile identity IE value (9.11.3.4)
S_TMSI_IE_TYPE = 0xF4  # first octet of a 5G-S-TMSI: AMF set ID, AMF pointer, 5G-TMSI
NO_IDENTITY = b"\x00"


def digits_identity(digits: str, identity_type: int) -> bytes:
    """An IMEI or IMEISV as a 5GS mobile identity (9.11.3.4, the BCD layout of TS 24.008
    10.5.1.4): digit 1 in the high half of octet 1 with the odd/even bit and the type,
    then two digits an octet, low half first; an even count ends with filler 1111."""
    odd = len(digits) % 2
    first = int(digits[0]) << 4 | odd << 3 | identity_type
    rest = [int(d) for d in digits[1:]] + ([] if odd else [0xF])
    return bytes([first, *(rest[i] | rest[i + 1] << 4 for i in range(0, len(rest), 2))])


class Identification(MmCore):
    """IDENTITY REQUEST answered with the identity asked for."""

    def _on_identity_request(self, message: NasMessage, now: float) -> None:
        """IDENTITY REQUEST (5.4.3.2): the SUCI (null scheme), the 5G-GUTI, the IMEI, the
        IMEISV (the trace header's ``ue.imei``/``ue.imeisv``) or the 5G-S-TMSI (from the
        5G-GUTI); what the UE does not have is answered as "no identity"."""
        identity_type = required(message, "identity_type")
        self._fire("identity_request", remote=True)
        usim = self.usim
        assert usim is not None
        if identity_type == IDENTITY_SUCI:
            identity = self._suci()
            self._start("T3519", now)
        elif identity_type == IDENTITY_GUTI and self.guti is not None:
            identity = self.guti if len(self.guti) == 11 else bytes((GUTI_IE_TYPE,)) + self.guti
        elif identity_type == IDENTITY_S_TMSI and self.guti is not None:
            identity = bytes((S_TMSI_IE_TYPE,)) + self.guti[-6:]
        elif identity_type == IDENTITY_IMEI and self.config.imei:
            identity = digits_identity(self.config.imei, IDENTITY_IMEI)
        elif identity_type == IDENTITY_IMEISV and self.config.imeisv:
            identity = digits_identity(self.config.imeisv, IDENTITY_IMEISV)
        else:
            identity = NO_IDENTITY
        self._send(nas("identity_response", identity=identity))


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Identification, NasMessage, float], None]] = {
    "identity_request": Identification._on_identity_request,
}

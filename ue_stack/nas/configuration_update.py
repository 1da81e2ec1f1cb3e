"""Generic UE configuration update, UE side (TS 24.501 5.4.4): CONFIGURATION UPDATE
COMMAND and, when asked for or when a new 5G-GUTI comes with it, CONFIGURATION UPDATE
COMPLETE."""

from __future__ import annotations

from collections.abc import Callable

from .core import MmCore
from .messages import NasMessage, nas


class ConfigurationUpdate(MmCore):
    """CONFIGURATION UPDATE COMMAND/COMPLETE."""

    def _on_configuration_update_command(self, message: NasMessage, now: float) -> None:
        """5.4.4.3: a new 5G-GUTI is stored (the old one deleted); CONFIGURATION UPDATE
        COMPLETE is sent when the command requests acknowledgement or carries a 5G-GUTI.
        The other IEs (network name, time zone, NSSAI, ...) are not modelled."""
        guti = message.get("guti")
        self._fire("configuration_update_command", remote=True)
        if guti is not None:
            self.guti = bytes(guti)
        if message.get("ack_requested") or guti is not None:
            self._send(nas("configuration_update_complete"))
        else:
            self._note("CONFIGURATION UPDATE COMMAND: nothing to acknowledge",
                       clause="5.4.4.3")


# The downlink messages this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[ConfigurationUpdate, NasMessage, float], None]] = {
    "configuration_update_command": ConfigurationUpdate._on_configuration_update_command,
}

"""UDM/ARPF: subscription data and 5G home-environment authentication vectors.

Owns, per subscriber, K, OPc, the home network's sequence number SQN_HE, the AKMA
indication and the routing indicator (TS 33.501 6.1.3.2, TS 33.535 6.1). Builds 5G HE AVs
(RAND, AUTN, XRES*, KAUSF) and resynchronises SQN_HE from an AUTS (TS 33.102 6.3.5).

SQN scheme (TS 33.102 Annex C.1.1/C.1.2, profile with one array index): SQN = SEQ || IND
with a 5-bit IND. This twin serves every UE from one AMF, so IND is always 0 and SEQ_HE
grows by one per AV, i.e. SQN grows by 32. Such an SQN is fresh for a USIM that uses the
delta rule (the replay default) and for one that uses the Annex C SEQ/IND array.

RAND comes from an injected ``random.Random``: the same seed gives the same run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..crypto import suci
from ..crypto.aka import AMF_SEPARATION_BIT, aka_chain, resync_from_auts, sqn_is_fresh
from ..crypto.secret import Key
from ..hnkeys import supi_of

IND_BITS = 5  # TS 33.102 C.1.2: the array index occupies the 5 least significant bits
SQN_MAX = (1 << 48) - 1


@dataclass(slots=True)
class Subscriber:
    """One subscription in the UDM/ARPF. ``sqn`` is SQN_HE (the last SQN used), ``amf``
    the authentication management field put into AUTN (separation bit set by default,
    TS 33.501 Annex A.1)."""

    supi: str
    k: Key = field(repr=False)
    opc: Key = field(repr=False)
    sqn: bytes = bytes(6)
    akma: bool = True
    rid: str = "0"
    home_mcc: str = "001"
    home_mnc: str = "01"
    amf: bytes = b"\x80\x00"
    # Primary authentication method the UDM selects (TS 33.501 6.1.2): "5g-aka" or
    # "eap-aka-prime" (RFC 9048, TS 33.501 6.1.3.1).
    auth_method: str = "5g-aka"

    def __post_init__(self) -> None:
        self.k = Key(self.k)
        self.opc = Key(self.opc)
        for name, size in (("k", 16), ("opc", 16), ("sqn", 6), ("amf", 2)):
            if len(getattr(self, name)) != size:
                raise ValueError(f"subscriber {self.supi}: {name} must be {size} octets")


@dataclass(frozen=True, slots=True)
class HeAv:
    """A 5G home-environment authentication vector (TS 33.501 6.1.3.2 step 3)."""

    rand: bytes
    autn: bytes
    xres_star: bytes
    k_ausf: Key = field(repr=False)
    sqn: bytes = b""
    # What EAP-AKA' needs besides (TS 33.501 6.1.3.1 step 2; RFC 9048 3.3): XRES, CK, IK
    xres: bytes = b""
    ck: Key | None = field(default=None, repr=False)
    ik: Key | None = field(default=None, repr=False)


# Faults the twin can inject into the next AVs of a subscriber (simulation only).
AV_FAULTS = ("mac", "separation_bit")


class Udm:
    """The UDM/ARPF of the network twin (no outbox: it emits nothing of its own)."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng if rng is not None else random.Random(0)
        # The SIDF's home network private keys (TS 33.501 6.12.2): the Annex C.4 pairs
        self.hn_keys: dict[tuple[int, int], Key] = {
            (suci.PROFILES[p], suci.ANNEX_C4_KEY_ID): Key(bytes.fromhex(private))
            for p, (private, _) in suci.ANNEX_C4_KEYS.items()
        }
        self._subscribers: dict[str, Subscriber] = {}
        self._faults: dict[str, list[str]] = {}

    # -- provisioning --------------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        self._subscribers[subscriber.supi] = subscriber

    def subscriber(self, supi: str) -> Subscriber:
        try:
            return self._subscribers[supi]
        except KeyError:
            raise KeyError(f"no subscriber {supi}") from None

    def __contains__(self, supi: str) -> bool:
        return supi in self._subscribers

    def corrupt_next(self, supi: str, fault: str, count: int = 1) -> None:
        """Make the next ``count`` AVs of ``supi`` faulty (simulation only): ``mac`` flips
        MAC-A (the UE answers #20), ``separation_bit`` clears the AMF separation bit as for
        a non-5G AV (the UE answers #26)."""
        if fault not in AV_FAULTS:
            raise ValueError(f"unknown AV fault {fault!r}; expected one of {AV_FAULTS}")
        self.subscriber(supi)
        self._faults.setdefault(supi, []).extend([fault] * count)

    # -- Nudm_UEAuthentication_Get -------------------------------------------------------

    def next_sqn(self, supi: str) -> bytes:
        """SQN of the next AV: SEQ_HE + 1 with IND 0 (TS 33.102 C.1.1, C.1.2)."""
        seq = int.from_bytes(self.subscriber(supi).sqn, "big") >> IND_BITS
        value = ((seq + 1) << IND_BITS) & SQN_MAX
        return value.to_bytes(6, "big")

    def generate_av(self, supi: str, snn: str) -> HeAv:
        """Build a 5G HE AV for ``supi`` in serving network ``snn`` (TS 33.501 6.1.3.2
        steps 2-3): fresh SQN, RAND, AUTN with the subscriber's AMF, XRES* and KAUSF."""
        sub = self.subscriber(supi)
        sqn = self.next_sqn(supi)
        sub.sqn = sqn  # SQN_HE advances with every AV handed out (TS 33.102 C.1.1)
        rand = self.rng.randbytes(16)
        faults = self._faults.get(supi)
        fault = faults.pop(0) if faults else None
        amf = sub.amf
        if fault == "separation_bit":
            amf = bytes((amf[0] & ~AMF_SEPARATION_BIT & 0xFF,)) + amf[1:]
        chain = aka_chain(sub.k, sub.opc, rand, sqn, amf, snn)
        autn = chain.autn
        if fault == "mac":
            # A corrupted MAC-A: the USIM must answer #20 and leave its SQN untouched.
            autn = autn[:8] + bytes(b ^ 0xFF for b in autn[8:])
        return HeAv(rand=rand, autn=autn, xres_star=chain.res_star, k_ausf=chain.k_ausf,
                    sqn=sqn, xres=chain.res, ck=chain.milenage.ck, ik=chain.milenage.ik)

    # -- resynchronisation ---------------------------------------------------------------

    def resynchronise(self, supi: str, rand: bytes, auts: bytes) -> bool:
        """Re-synchronise SQN_HE from an AUTS (TS 33.102 6.3.5, TS 33.501 6.1.3.3.2).

        Returns False when MAC-S does not verify (SQN_HE then stays). Otherwise, if the next
        SQN this UDM would use is not fresh for SQN_MS, SQN_HE is reset to SQN_MS so that the
        next AV is accepted; an acceptable SQN_HE is kept.
        """
        sub = self.subscriber(supi)
        resync = resync_from_auts(sub.k, sub.opc, rand, auts)
        if not resync.mac_s_ok:
            return False
        if not sqn_is_fresh(self.next_sqn(supi), resync.sqn_ms):
            seq_ms = int.from_bytes(resync.sqn_ms, "big") >> IND_BITS
            sub.sqn = (seq_ms << IND_BITS).to_bytes(6, "big")
        return True

    def sidf(self, suci_value: bytes) -> str | None:
        """The SIDF (TS 33.501 6.12.2): the SUPI a profile A/B SUCI conceals, when it was
        concealed with one of this home network's public keys; else None."""
        return supi_of(suci_value, self.hn_keys)

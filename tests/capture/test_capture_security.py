"""The importer's view of one UE's NAS security (TS 24.501 4.4, 5.4.2; TS 33.102 6.3.5):
``UeSecurity`` on hand-built PDUs."""

from __future__ import annotations

from ue_stack.capture.security import Credentials, NasCount, UeSecurity
from ue_stack.crypto import aka_chain
from ue_stack.crypto.aka import build_auts
from ue_stack.crypto.secret import Key
from ue_stack.nas.codec import decode_pdu, protected_pdu

# The pycrate AuC chain of tests/data/vectors/5g-aka-akma-chains.json (K, OPc).
K = bytes.fromhex("0123456789abcdef0123456789abcdef")
OPC = bytes.fromhex("e61f7be621ff52a5e55de40eb8711adc")
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
IDENTITY_REQUEST = bytes.fromhex("7e005b01")
# From the gnbsim/free5GC capture (tests/data/captures/gnbsim-free5gc-ngap.json): NIA2, NEA0.
SMC = bytes.fromhex("7e036c2b24e2007e005d02000480a00000e1360100")


def keyless(pdu: bytes):
    return decode_pdu(pdu, null_cipher_guess=False)


def test_an_integrity_protected_message_before_any_smc_is_read_but_unchecked():
    """TS 24.501 4.4.4: without a security context no MAC can be checked; a message that is
    not ciphered is still read."""
    out = UeSecurity(None).protect_in("dl", keyless(protected_pdu(1, bytes(4), 0,
                                                                     IDENTITY_REQUEST)))
    assert (out.plain, out.integrity) == (IDENTITY_REQUEST, "unchecked")
    assert out.note == "no security context seen"


def test_an_integrity_protected_message_after_the_smc_gives_its_plain_inner_message():
    """TS 24.501 4.4.5 / 5.4.2.2: after the SMC took a context into use, a message with
    security header type 1 (integrity protected, not ciphered) carries its plain message."""
    security = UeSecurity(None)
    security.protect_in("dl", keyless(SMC))
    out = security.protect_in("dl", keyless(protected_pdu(1, bytes(4), 1, IDENTITY_REQUEST)))
    assert out.plain == IDENTITY_REQUEST and out.nia == "NIA2"


def test_resync_recovers_sqn_ms_from_the_auts_of_the_last_challenge():
    """TS 33.102 6.3.5: SQN_MS = (AUTS[0:6]) xor AK*(RAND of the last challenge); MAC-S
    verifies."""
    chain = aka_chain(K, OPC, bytes(range(16)), (64).to_bytes(6, "big"), b"\x80\x00", SNN)
    security = UeSecurity(Credentials(Key(K), Key(OPC)))
    security.authentication_request({"rand": chain.rand, "autn": chain.autn, "ngksi": 0})
    sqn_ms = (4096).to_bytes(6, "big")
    resync = security.resync(build_auts(K, OPC, chain.rand, sqn_ms))
    assert resync.sqn_ms == sqn_ms and resync.mac_s_ok


def test_nas_count_starts_at_zero_so_the_first_message_is_tried_with_count_0_first():
    """TS 24.501 4.4.3.1: the NAS COUNT of a new context starts at 0 (overflow 0, SQN 0);
    the receiver's estimate for the first sequence number is therefore that number."""
    assert NasCount().candidates(0)[0] == 0
    assert NasCount().candidates(5)[0] == 5

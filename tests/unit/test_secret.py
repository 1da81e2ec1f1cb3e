"""Key material cannot leak through repr, str or formatting (docs/exchange-log.md: no
secret ever enters the log; keys appear only as fingerprints)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import pytest

from ue_stack.crypto import aka_chain, k_akma, milenage
from ue_stack.crypto.eap_aka_prime import ck_ik_prime, master_keys
from ue_stack.crypto.secret import REDACTED, SECRET_NAMES, Key, fp

RAW = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY = Key(RAW)
# Everything that would give the octets away if it appeared in text.
LEAKS = (RAW.hex(), RAW.hex().upper(), repr(RAW), str(RAW), "\\x11\\x22")


def _assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text


def test_key_repr_and_str_are_redacted() -> None:
    assert repr(KEY) == str(KEY) == REDACTED


@pytest.mark.parametrize(
    "render",
    [
        lambda k: f"{k}",
        lambda k: f"{k!r}",
        lambda k: f"{k!s}",
        lambda k: f"{k:>40}",
        lambda k: "{}".format(k),  # noqa: UP032 - the old spelling is the point
        lambda k: "%s" % (k,),  # noqa: UP031
        lambda k: "%r" % (k,),  # noqa: UP031
        lambda k: str([k, {"k_ausf": k}]),
        lambda k: repr((k,)),
    ],
    ids=["f", "f-r", "f-s", "f-spec", "format", "percent-s", "percent-r", "container", "tuple"],
)
def test_key_is_redacted_in_every_text_rendering(render) -> None:
    text = render(KEY)
    assert REDACTED in text
    _assert_no_leak(text)


def test_key_is_redacted_in_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """A careless ``log.info("%s", key)`` prints the redaction, not the key."""
    with caplog.at_level(logging.INFO):
        logging.getLogger("ue_stack.test").info("kausf=%s %r", KEY, KEY)
    assert caplog.messages == [f"kausf={REDACTED} {REDACTED}"]


def test_key_still_behaves_as_the_bytes_it_holds() -> None:
    """Crypto code uses a Key like bytes: equality, hashing, slicing, concatenation."""
    assert KEY == RAW and hash(KEY) == hash(RAW)
    assert KEY[:4] == RAW[:4] and KEY + b"x" == RAW + b"x"
    assert bytes(KEY) == RAW and KEY.hex() == RAW.hex()
    assert isinstance(KEY, bytes)


@dataclass(frozen=True)
class _Context:
    supi: str
    k_ausf: Key = field(repr=False)


@dataclass(frozen=True)
class _CarelessContext:
    k_ausf: Key  # repr=True by mistake: the Key itself still redacts


def test_dataclass_with_repr_false_key_field_hides_it() -> None:
    text = repr(_Context("001010000000001", KEY))
    assert "k_ausf" not in text and "001010000000001" in text
    _assert_no_leak(text)


def test_dataclass_with_repr_true_key_field_still_redacts() -> None:
    text = repr(_CarelessContext(KEY))
    assert f"k_ausf={REDACTED}" in text
    _assert_no_leak(text)


def test_fingerprint_follows_formats_md_and_is_not_the_key() -> None:
    """docs/exchange-log.md: fp(key) = sha256(b"ue-stack-fp:" + key).hexdigest()[:16]."""
    assert fp(KEY) == hashlib.sha256(b"ue-stack-fp:" + RAW).hexdigest()[:16]
    assert fp(KEY) == fp(RAW) and len(fp(KEY)) == 16
    assert fp(KEY) not in RAW.hex()


def test_crypto_results_that_are_secrets_are_keys() -> None:
    """Every secret the crypto package returns is a Key, so it redacts wherever it goes."""
    k, opc, rand = RAW, bytes(16), bytes(16)
    chain = aka_chain(k, opc, rand, bytes(6), b"\x80\x00", "5G:mnc001.mcc001.3gppnetwork.org")
    m = milenage(k, opc, rand)
    ck_p, ik_p = ck_ik_prime(m.ck, m.ik, "WLAN", bytes(6))
    mk = master_keys(ck_p, ik_p, "0555444333222111")
    secrets = {
        "ck": m.ck, "ik": m.ik, "ak": m.ak, "k_ausf": chain.k_ausf, "k_seaf": chain.k_seaf,
        "k_akma": k_akma(chain.k_ausf, "001010000000001"), "ck_prime": ck_p,
        "ik_prime": ik_p, "msk": mk.msk, "emsk": mk.emsk, "kausf (EAP)": mk.k_ausf,
    }
    for name, value in secrets.items():
        assert isinstance(value, Key), name
        assert str(value) == REDACTED, name


def test_result_reprs_do_not_show_key_material() -> None:
    """MilenageOutput / AkaChain / EapAkaPrimeKeys declare their keys repr=False."""
    chain = aka_chain(RAW, bytes(16), bytes(16), bytes(6), b"\x80\x00", "x")
    m = chain.milenage
    text = repr(chain) + repr(m)
    for secret in (chain.k_ausf, chain.k_seaf, m.ck, m.ik, m.ak, m.ak_star):
        assert bytes(secret).hex() not in text and repr(bytes(secret)) not in text
    ck_p, ik_p = ck_ik_prime(m.ck, m.ik, "WLAN", bytes(6))
    assert repr(master_keys(ck_p, ik_p, "id")) == "EapAkaPrimeKeys()"


def test_secret_names_cover_the_formats_md_list() -> None:
    """docs/exchange-log.md reserves these field names for secrets in every log line."""
    assert {
        "k", "op", "opc", "ck", "ik", "ck_prime", "ik_prime", "k_ausf", "k_seaf", "k_amf",
        "k_nas_int", "k_nas_enc", "k_akma", "k_af", "kausf", "kseaf", "kamf", "kakma", "kaf",
        "emsk", "msk",
    } <= SECRET_NAMES

"""SUCI concealment and de-concealment: the ECIES protection schemes of TS 33.501 6.12.2
and Annex C.3 (profile A: X25519; profile B: secp256r1), on ``cryptography``'s primitives.

Both profiles (C.3.4.1, C.3.4.2) are the same pipeline:
- ECDH between the UE's ephemeral key and the home network public key gives the shared
  secret Z (profile B: the x-coordinate; its cofactor is 1, so the cofactor primitive of
  SEC 1 3.3.2 is plain ECDH);
- ANSI X9.63 KDF with SHA-256, SharedInfo1 = the ephemeral public key as sent (profile B
  compressed, C.3.4.2 "point compression"), 64 octets out: encryption key (16), initial
  counter block (16), MAC key (32), in that order (C.3.3);
- AES-128-CTR over the scheme input; HMAC-SHA-256 over the ciphertext, truncated to 64 bits.

The scheme output is ephemeral public key || ciphertext || MAC tag (C.3.3). Pinned to the
Annex C.4.3 (A) and C.4.4 (B) test data in tests/data/vectors/ts33501-annex-c4-suci.json.

An uncompressed profile-B ephemeral key (0x04...) is accepted on de-concealment, with the
KDF fed its compressed form: that is what the shared test data of free5GC carries (the same
ciphertext and MAC under either form). TS 33.514 has a core reject it; we accept it because
a capture reader should read what a lab UE sent, and say so here in one place.
"""

from __future__ import annotations

import hmac as _hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _chmac
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# Protection scheme identifiers (TS 33.501 Annex C.1 / TS 24.501 9.11.3.4).
SCHEME_NULL = 0
SCHEME_PROFILE_A = 1
SCHEME_PROFILE_B = 2
PROFILES = {"A": SCHEME_PROFILE_A, "B": SCHEME_PROFILE_B}
PROFILE_OF_SCHEME = {v: k for k, v in PROFILES.items()}

_ENC_KEY, _ICB, _MAC_KEY, _MAC_TAG = 16, 16, 32, 8

# The home network key pairs of the Annex C.4 test data (C.4.3 profile A, C.4.4 profile B):
# lab cores ship them, built-in scenarios conceal with profile A's, and the twin's UDM holds
# both private keys (test keys, published: not secrets). (private, public) hex.
ANNEX_C4_KEYS = {
    "A": ("c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d",
          "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650"),
    "B": ("f1ab1074477ebcc7f554ea1c5fc368b1616730155e0041ac447d6301975fecda",
          "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1"),
}
ANNEX_C4_KEY_ID = 1  # the key id built-in scenarios and the twin use for them


class SuciError(ValueError):
    """A key or scheme output that cannot be used. The message never carries key material."""


@dataclass(frozen=True, slots=True)
class SchemeOutput:
    """The profile A/B scheme output (TS 33.501 C.3.3)."""

    ephemeral_public: bytes
    ciphertext: bytes
    mac: bytes

    def encode(self) -> bytes:
        return self.ephemeral_public + self.ciphertext + self.mac


def profile_scheme(profile: str) -> int:
    """``"A"``/``"B"`` (any case) -> protection scheme id 1/2."""
    try:
        return PROFILES[profile.upper()]
    except KeyError:
        raise SuciError(f"unknown SUCI profile {profile!r} (expected A or B)") from None


def public_key(scheme: int, private: bytes) -> bytes:
    """The public key of a private key: profile A raw 32 octets, profile B compressed."""
    if scheme == SCHEME_PROFILE_A:
        return _x25519_private(private).public_key().public_bytes_raw()
    return _p256_private(private).public_key().public_bytes(
        Encoding.X962, PublicFormat.CompressedPoint
    )


# The order of secp256r1's base point (SEC 2 2.4.2): a private key is 1 .. n-1.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def ephemeral_private(scheme: int, seed: bytes) -> bytes:
    """A valid ephemeral private key from 32 octets of randomness: as they are for profile A
    (X25519 clamps any 32 octets, RFC 7748 5), reduced into 1 .. n-1 for profile B. The
    caller chooses the randomness: ``os.urandom`` for a real UE, the run's seeded RNG in
    simulation (so a seed gives the same SUCIs every run)."""
    if len(seed) != 32:
        raise SuciError(f"ephemeral key seed must be 32 octets, got {len(seed)}")
    if scheme == SCHEME_PROFILE_B:
        d = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
        return d.to_bytes(32, "big")
    return seed


def fresh_ephemeral_private(scheme: int) -> bytes:
    """A fresh random ephemeral private key (TS 33.501 C.3.2: one per concealment)."""
    return ephemeral_private(scheme, os.urandom(32))


def conceal(
    scheme: int, hn_public: bytes, scheme_input: bytes, ephemeral_private: bytes
) -> SchemeOutput:
    """Encrypt ``scheme_input`` (for an IMSI: the MSIN in BCD) for the home network
    (TS 33.501 C.3.2, C.3.4). ``ephemeral_private`` is the UE's fresh key for this
    concealment: the caller draws it (random, or from a seeded RNG in simulation)."""
    if scheme == SCHEME_PROFILE_A:
        eph = _x25519_private(ephemeral_private)
        shared = _x25519_exchange(eph, _x25519_public(hn_public))
        eph_public = eph.public_key().public_bytes_raw()
    elif scheme == SCHEME_PROFILE_B:
        eph_b = _p256_private(ephemeral_private)
        shared = eph_b.exchange(ec.ECDH(), _p256_public(hn_public, "home network public key"))
        eph_public = eph_b.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    else:
        raise SuciError(f"protection scheme {scheme} is not profile A or B")
    enc_key, icb, mac_key = _derive(shared, eph_public)
    ciphertext = _ctr(enc_key, icb, scheme_input)
    return SchemeOutput(eph_public, ciphertext, _tag(mac_key, ciphertext))


def split(scheme: int, output: bytes) -> SchemeOutput:
    """Split a scheme output into its parts (C.3.3); the length of the ephemeral key comes
    from the profile (B: from its first octet, 0x02/0x03 compressed, 0x04 uncompressed)."""
    if scheme == SCHEME_PROFILE_A:
        key_len = 32
    elif scheme == SCHEME_PROFILE_B:
        if not output:
            raise SuciError("empty scheme output")
        key_len = {0x02: 33, 0x03: 33, 0x04: 65}.get(output[0], 0)
        if not key_len:
            raise SuciError("profile B ephemeral public key must start with 02, 03 or 04")
    else:
        raise SuciError(f"protection scheme {scheme} is not profile A or B")
    if len(output) <= key_len + _MAC_TAG:
        raise SuciError(
            f"scheme output of {len(output)} octets is too short for profile "
            f"{PROFILE_OF_SCHEME[scheme]} ({key_len}-octet key, {_MAC_TAG}-octet MAC, "
            "at least one octet of ciphertext)"
        )
    return SchemeOutput(output[:key_len], output[key_len:-_MAC_TAG], output[-_MAC_TAG:])


def deconceal(scheme: int, hn_private: bytes, output: bytes) -> bytes:
    """The scheme input (C.3.3, the SIDF's side): raises ``SuciError`` when the MAC tag does
    not verify (wrong key, or not this profile) or the ephemeral key is not a valid point."""
    parts = split(scheme, output)
    if scheme == SCHEME_PROFILE_A:
        shared = _x25519_exchange(
            _x25519_private(hn_private), _x25519_public(parts.ephemeral_public)
        )
        info = parts.ephemeral_public
    else:
        eph = _p256_public(parts.ephemeral_public, "ephemeral public key")
        shared = _p256_private(hn_private).exchange(ec.ECDH(), eph)
        # SharedInfo1 is the key as profile B sends it: compressed (see the module notes).
        info = eph.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    enc_key, icb, mac_key = _derive(shared, info)
    if not _hmac.compare_digest(_tag(mac_key, parts.ciphertext), parts.mac):
        raise SuciError("MAC tag does not verify (another home network key?)")
    return _ctr(enc_key, icb, parts.ciphertext)


# --- primitives ---------------------------------------------------------------------------


def _derive(shared: bytes, shared_info: bytes) -> tuple[bytes, bytes, bytes]:
    """ANSI X9.63 KDF, SHA-256 (SEC 1 3.6.1), split per TS 33.501 C.3.3."""
    kdf = X963KDF(algorithm=hashes.SHA256(), length=_ENC_KEY + _ICB + _MAC_KEY,
                  sharedinfo=shared_info)
    k = kdf.derive(shared)
    return k[:_ENC_KEY], k[_ENC_KEY:_ENC_KEY + _ICB], k[_ENC_KEY + _ICB:]


def _ctr(key: bytes, icb: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CTR(icb)).encryptor()
    return enc.update(data) + enc.finalize()


def _tag(mac_key: bytes, ciphertext: bytes) -> bytes:
    h = _chmac.HMAC(mac_key, hashes.SHA256())
    h.update(ciphertext)
    return h.finalize()[:_MAC_TAG]


def _x25519_private(raw: bytes) -> x25519.X25519PrivateKey:
    if len(raw) != 32:
        raise SuciError(f"profile A private key must be 32 octets, got {len(raw)}")
    return x25519.X25519PrivateKey.from_private_bytes(raw)


def _x25519_public(raw: bytes) -> x25519.X25519PublicKey:
    if len(raw) != 32:
        raise SuciError(f"profile A public key must be 32 octets, got {len(raw)}")
    return x25519.X25519PublicKey.from_public_bytes(raw)


def _x25519_exchange(private: x25519.X25519PrivateKey, public: x25519.X25519PublicKey) -> bytes:
    try:
        return private.exchange(public)
    except ValueError:  # an all-zero shared secret: a low-order point (RFC 7748 6.1)
        raise SuciError("profile A public key is a low-order point") from None


def _p256_private(raw: bytes) -> ec.EllipticCurvePrivateKey:
    if len(raw) != 32:
        raise SuciError(f"profile B private key must be 32 octets, got {len(raw)}")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError:
        raise SuciError("profile B private key is out of range for secp256r1") from None


def _p256_public(raw: bytes, what: str) -> ec.EllipticCurvePublicKey:
    if len(raw) not in (33, 65):
        raise SuciError(f"profile B {what} must be 33 (compressed) or 65 octets, got {len(raw)}")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, InvalidKey):
        raise SuciError(f"profile B {what} is not a point of secp256r1") from None

"""Every key derivation ue_stack needs, bit-exact (docs/keys.md). Pure functions."""

from .aka import (
    AuthCheck,
    AutnVerification,
    aka_chain,
    build_autn,
    build_auts,
    hxres_star,
    k_amf,
    k_ausf,
    k_nas_enc,
    k_nas_int,
    k_seaf,
    res_star,
    resync_from_auts,
    serving_network_name,
    sqn_is_fresh,
    supi_for_kdf,
    verify_autn,
)
from .akma import a_kid, a_tid, af_id, k_af, k_akma
from .kdf import kdf
from .milenage import MilenageOutput, compute_opc, milenage
from .nas_security import nea1, nea2, nea3, nia1, nia2, nia3
from .secret import Key, fp

__all__ = [
    "AuthCheck",
    "AutnVerification",
    "Key",
    "MilenageOutput",
    "a_kid",
    "a_tid",
    "af_id",
    "aka_chain",
    "build_autn",
    "build_auts",
    "compute_opc",
    "fp",
    "hxres_star",
    "k_af",
    "k_akma",
    "k_amf",
    "k_ausf",
    "k_nas_enc",
    "k_nas_int",
    "k_seaf",
    "kdf",
    "milenage",
    "nea1",
    "nea2",
    "nea3",
    "nia1",
    "nia2",
    "nia3",
    "res_star",
    "resync_from_auts",
    "serving_network_name",
    "sqn_is_fresh",
    "supi_for_kdf",
    "verify_autn",
]

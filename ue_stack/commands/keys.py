"""``ue-stack keys``: the key calculator of docs/README.md.

Prints one JSON object with the docs/keys.md names of every value whose inputs were given,
in the order of ``OUTPUT_ORDER``. Inputs are never echoed: ``opc`` appears only when it was
computed from ``--op``, ``sqn_ms`` only when it was recovered from ``--auts``.

Choices the contract leaves open, made here:
- The A-KID realm is the home PLMN (``--home-mcc/--home-mnc``), else the serving PLMN
  (``--mcc/--mnc``), else the PLMN named by a well-formed ``--snn``
  (``5G:mnc<3 digits>.mcc<3 digits>.3gppnetwork.org``); an odd SNN names no PLMN and
  ``a_kid`` is then omitted with a note.
- With ``--method eap-aka-prime`` there is no RES*/HXRES* (EAP-AKA' carries RES), and
  KAUSF is EMSK[0:32], so it and everything below it need ``--identity``. With the
  identity it also prints what a capture shows of the AKA'-Challenge (compatible
  additions to the contract's list): ``k_aut``, ``at_res``, and the request and response
  packets as this model's AUSF and UE build them (``eap_request``/``eap_response``, EAP
  identifier ``--eap-id``, network name = the SNN) with their ``at_mac_request`` /
  ``at_mac_response``. A core that adds attributes (AT_RESULT_IND, ...) has another
  AT_MAC: verify its packet with ``k_aut`` instead.
- A requested output (``--af``, ``--nea``, ``--nia``, ``--identity``, ``--op``) that the
  other inputs cannot reach is omitted with a one-line note on stderr per output, exit
  status 0 (stdout stays pure JSON).
  Exit 2 is kept for a malformed value, ``--auts``/``--sqn-ms`` without ``--rand``, and
  an invocation from which nothing at all can be computed (docs/README.md).

This command prints keys: that is its job (test credentials). It never logs them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from .. import hnkeys
from ..crypto import aka, akma, eap_aka_prime, suci
from ..crypto.milenage import compute_opc, milenage
from ..crypto.secret import Key
from ..errors import InputError
from ..limits import kdf_name
from ..nas import eap
from ..nas.usim import msin_bcd, suci_value

METHOD_5G_AKA = "5g-aka"
METHOD_EAP_AKA_PRIME = "eap-aka-prime"

# Output names in the order the key calculator prints them.
OUTPUT_ORDER = (
    "opc mac_a mac_s res ck ik ak ak_star autn res_star hxres_star k_ausf k_seaf k_amf "
    "k_nas_int k_nas_enc k_akma a_tid a_kid k_af auts sqn_ms mac_s_ok ck_prime ik_prime emsk "
    "k_aut at_res eap_request at_mac_request eap_response at_mac_response "
    "suci ephemeral_public suci_ciphertext suci_mac supi"
).split()

# A well-formed SNN (TS 24.501 9.12.1); anything else is used verbatim but names no PLMN.
_SNN_RE = re.compile(r"5G:mnc(?P<mnc>[0-9]{3})\.mcc(?P<mcc>[0-9]{3})\.3gppnetwork\.org")
_HEX_RE = re.compile(r"[0-9a-fA-F]*")


@dataclass(frozen=True)
class KeyInputs:
    """Validated inputs of the calculator. PLMNs are ``(mcc, mnc)`` digit strings."""

    k: bytes | None = field(default=None, repr=False)
    opc: bytes | None = field(default=None, repr=False)
    op: bytes | None = field(default=None, repr=False)
    rand: bytes | None = None
    sqn: bytes | None = None
    amf: bytes = b"\x80\x00"
    snn: str | None = None
    serving_plmn: tuple[str, str] | None = None
    home_plmn: tuple[str, str] | None = None
    supi: str | None = None
    abba: bytes = b"\x00\x00"
    rid: str = "0"
    afs: tuple[tuple[str, bytes], ...] = ()
    sqn_ms: bytes | None = None
    auts: bytes | None = None
    nea: int | None = None
    nia: int | None = None
    method: str = METHOD_5G_AKA
    identity: str | None = None
    eap_id: int = 1
    suci_scheme: int | None = None  # --suci-profile A/B as protection scheme id 1/2
    hn_public: bytes | None = None
    hn_key_id: int = 1
    ephemeral_private: bytes | None = field(default=None, repr=False)
    hn_private: bytes | None = field(default=None, repr=False)
    suci: bytes | None = None


@dataclass
class KeyResult:
    """``outputs`` is JSON-ready (hex strings, a bool, the ``k_af`` dict) in
    ``OUTPUT_ORDER``; ``notes`` says why a requested output is missing."""

    outputs: dict[str, Any]
    notes: list[str]


def compute(inp: KeyInputs) -> KeyResult:
    """Every value of docs/keys.md reachable from ``inp``: Milenage (TS 35.206 4.1), AUTN/AUTS
    (TS 33.102 6.3), the 5G AKA chain (TS 33.501 A.2-A.8) or EAP-AKA' (RFC 9048 3.3,
    TS 33.501 A.3), and AKMA (TS 33.535 A.2-A.4, A-KID by the docs/keys.md convention)."""
    out: dict[str, Any] = {}
    notes: list[str] = []

    opc = inp.opc
    if inp.op is not None:
        if inp.k is None:
            notes.append("opc omitted: needs --k")
        else:
            opc = compute_opc(inp.k, inp.op)
            out["opc"] = opc.hex()

    snn = inp.snn
    if snn is None and inp.serving_plmn is not None:
        snn = aka.serving_network_name(*inp.serving_plmn)

    # Which options the KAUSF still lacks, for the notes of outputs below it.
    lacking = [
        name
        for name, present in (
            ("--k", inp.k is not None),
            ("--opc or --op", opc is not None),
            ("--rand", inp.rand is not None),
            ("--sqn", inp.sqn is not None),
            ("--snn or --mcc/--mnc", snn is not None),
        )
        if not present
    ]
    if inp.method == METHOD_EAP_AKA_PRIME and inp.identity is None:
        lacking.append("--identity")

    kausf = None
    if inp.k is not None and opc is not None and inp.rand is not None:
        m = milenage(inp.k, opc, inp.rand, inp.sqn, inp.amf if inp.sqn is not None else None)
        autn = None
        if inp.sqn is not None:
            assert m.mac_a is not None and m.mac_s is not None  # given SQN and AMF
            out["mac_a"] = m.mac_a.hex()
            out["mac_s"] = m.mac_s.hex()
            autn = aka.build_autn(inp.sqn, m.ak, inp.amf, m.mac_a)
        out.update(res=m.res.hex(), ck=m.ck.hex(), ik=m.ik.hex())
        out.update(ak=m.ak.hex(), ak_star=m.ak_star.hex())
        if autn is not None:
            out["autn"] = autn.hex()
        if snn is not None and inp.method == METHOD_5G_AKA:
            xres_star = aka.res_star(m.ck, m.ik, snn, inp.rand, m.res)
            out["res_star"] = xres_star.hex()
            out["hxres_star"] = aka.hxres_star(inp.rand, xres_star).hex()
            if autn is not None:
                kausf = aka.k_ausf(m.ck, m.ik, snn, autn[:6])
        elif snn is not None and autn is not None:
            ck_p, ik_p = eap_aka_prime.ck_ik_prime(m.ck, m.ik, snn, autn[:6])
            out.update(ck_prime=ck_p.hex(), ik_prime=ik_p.hex())
            if inp.identity is not None:
                mk = eap_aka_prime.master_keys(ck_p, ik_p, inp.identity)
                out["emsk"] = mk.emsk.hex()
                kausf = mk.k_ausf
                _eap_packets(inp, m.res, autn, snn, mk.k_aut, out)

    if kausf is not None:
        assert snn is not None  # KAUSF is derived for a serving network name
        out["k_ausf"] = kausf.hex()
        kseaf = aka.k_seaf(kausf, snn)
        out["k_seaf"] = kseaf.hex()
        if inp.supi is not None:
            _akma_and_nas(inp, kausf, kseaf, snn, out, notes)
    if kausf is None or inp.supi is None:
        needs = ", ".join([*lacking, *([] if inp.supi else ["--supi"])])
        for requested, what in (
            (inp.nia is not None, "k_nas_int"),
            (inp.nea is not None, "k_nas_enc"),
            (bool(inp.afs), "k_af"),
        ):
            if requested:
                notes.append(f"{what} omitted: needs {needs}")
    if inp.method == METHOD_EAP_AKA_PRIME and inp.identity is None and "ck_prime" in out:
        notes.append("emsk and k_ausf omitted: --method eap-aka-prime needs --identity")

    if inp.identity is not None and inp.method != METHOD_EAP_AKA_PRIME:
        notes.append("--identity ignored: it is used only with --method eap-aka-prime")

    # AUTS is bound to a RAND (TS 33.102 6.3.3); the command line insists on --rand.
    if inp.k is not None and opc is not None and inp.rand is not None:
        if inp.sqn_ms is not None:
            out["auts"] = aka.build_auts(inp.k, opc, inp.rand, inp.sqn_ms).hex()
        if inp.auts is not None:
            resync = aka.resync_from_auts(inp.k, opc, inp.rand, inp.auts)
            out.update(sqn_ms=resync.sqn_ms.hex(), mac_s_ok=resync.mac_s_ok)

    if inp.suci_scheme is not None:
        _suci(inp, out)

    return KeyResult({name: out[name] for name in OUTPUT_ORDER if name in out}, notes)


def _suci(inp: KeyInputs, out: dict[str, Any]) -> None:
    """SUCI concealment (``--hn-public``) or de-concealment (``--hn-private``) with ECIES
    profile A or B (TS 33.501 6.12.2, Annex C.3; the IE of TS 24.501 9.11.3.4)."""
    assert inp.suci_scheme is not None
    if inp.hn_public is not None:
        assert inp.supi is not None
        plmn = inp.home_plmn or inp.serving_plmn
        assert plmn is not None
        supi = inp.supi.removeprefix("imsi-")
        if not supi.startswith(plmn[0] + plmn[1]):
            raise InputError(
                f"does not start with the home MCC and MNC {plmn[0]}{plmn[1]}", field="--supi"
            )
        msin = supi[len(plmn[0] + plmn[1]):]
        eph = inp.ephemeral_private
        if eph is None:
            eph = suci.fresh_ephemeral_private(inp.suci_scheme)
        else:
            try:  # a key of the profile at all? (else conceal() would blame --hn-public)
                suci.public_key(inp.suci_scheme, eph)
            except suci.SuciError as exc:
                raise InputError(str(exc), field="--ephemeral-private") from None
        try:
            parts = suci.conceal(inp.suci_scheme, inp.hn_public, msin_bcd(msin), eph)
        except suci.SuciError as exc:
            raise InputError(str(exc), field="--hn-public") from None
        out["suci"] = suci_value(
            supi, len(plmn[1]), inp.rid, inp.suci_scheme, inp.hn_key_id, parts.encode()
        ).hex()
        out.update(
            ephemeral_public=parts.ephemeral_public.hex(),
            suci_ciphertext=parts.ciphertext.hex(),
            suci_mac=parts.mac.hex(),
        )
    if inp.hn_private is not None and inp.suci is not None:
        parts_of = hnkeys.concealment(inp.suci)
        if parts_of is None:
            raise InputError(
                "not a SUCI of SUPI format IMSI with protection scheme 1 (profile A) or 2 "
                "(profile B)", field="--suci",
            )
        if parts_of[0] != inp.suci_scheme:
            raise InputError(
                f"names protection scheme {parts_of[0]}, not that of --suci-profile",
                field="--suci",
            )
        revealed = hnkeys.supi_of(inp.suci, {(parts_of[0], parts_of[1]): Key(inp.hn_private)})
        if revealed is None:
            raise InputError(
                "does not de-conceal with --hn-private (MAC tag not verified, or the "
                "ephemeral key or MSIN is malformed)", field="--suci",
            )
        out["supi"] = revealed


def _eap_packets(
    inp: KeyInputs, res: bytes, autn: bytes, snn: str, k_aut: bytes, out: dict[str, Any]
) -> None:
    """The AKA'-Challenge as a capture shows it (RFC 9048 3; AT_MAC = HMAC-SHA-256-128
    with K_aut, 3.4.1)."""
    assert inp.rand is not None  # AUTN was built for it
    request = eap.challenge_request(inp.eap_id, inp.rand, autn, snn, k_aut)
    response = eap.challenge_response(inp.eap_id, res, k_aut)
    out.update(
        k_aut=k_aut.hex(),
        at_res=res.hex(),
        eap_request=request.hex(),
        at_mac_request=eap.decode(request)["at_mac"].hex(),
        eap_response=response.hex(),
        at_mac_response=eap.decode(response)["at_mac"].hex(),
    )


def _akma_and_nas(
    inp: KeyInputs, kausf: bytes, kseaf: bytes, snn: str, out: dict[str, Any], notes: list[str]
) -> None:
    """KAMF and NAS keys (TS 33.501 A.7, A.8), then AKMA (TS 33.535 A.2-A.4, 6.1)."""
    assert inp.supi is not None
    kamf = aka.k_amf(kseaf, inp.supi, inp.abba)
    out["k_amf"] = kamf.hex()
    if inp.nia is not None:
        out["k_nas_int"] = aka.k_nas_int(kamf, inp.nia).hex()
    if inp.nea is not None:
        out["k_nas_enc"] = aka.k_nas_enc(kamf, inp.nea).hex()
    kakma = akma.k_akma(kausf, inp.supi)
    out["k_akma"] = kakma.hex()
    a_tid = akma.a_tid(kausf, inp.supi)
    out["a_tid"] = a_tid.hex()
    realm = inp.home_plmn or inp.serving_plmn or _plmn_from_snn(snn)
    if realm is not None:
        out["a_kid"] = akma.a_kid(inp.rid, a_tid, *realm)
    else:
        notes.append(
            "a_kid omitted: needs --home-mcc/--home-mnc or --mcc/--mnc "
            "(the --snn given names no PLMN)"
        )
    if inp.afs:
        out["k_af"] = {
            f"{fqdn}:{ua_id.hex()}": akma.k_af(kakma, akma.af_id(fqdn, ua_id)).hex()
            for fqdn, ua_id in inp.afs
        }


def _plmn_from_snn(snn: str) -> tuple[str, str] | None:
    match = _SNN_RE.fullmatch(snn)
    return (match["mcc"], match["mnc"]) if match else None


# --- command line ----------------------------------------------------------------------


def register(sub: Any) -> None:
    p = sub.add_parser(
        "keys",
        description="Compute every key whose inputs are given (TS 35.206, TS 33.501 Annex A, "
        "TS 33.535 Annex A; docs/keys.md); print one JSON object. Hex is case-insensitive, "
        "without 0x or spaces.",
    )
    p.add_argument("--k", help="subscriber key K, 32 hex digits")
    opc = p.add_mutually_exclusive_group()
    opc.add_argument("--opc", help="OPc, 32 hex digits")
    opc.add_argument("--op", help="OP, 32 hex digits (OPc is computed and printed)")
    p.add_argument("--rand", help="RAND, 32 hex digits")
    p.add_argument("--sqn", help="SQN, 12 hex digits")
    p.add_argument("--amf", default="8000", help="AMF, 4 hex digits (default 8000)")
    p.add_argument("--snn", help="serving network name, used verbatim")
    p.add_argument("--mcc", help="serving PLMN MCC (builds the SNN unless --snn is given)")
    p.add_argument("--mnc", help="serving PLMN MNC, 2 or 3 digits")
    p.add_argument("--home-mcc", help="home PLMN MCC for the A-KID realm (default: serving)")
    p.add_argument("--home-mnc", help="home PLMN MNC for the A-KID realm")
    p.add_argument("--supi", help="SUPI: IMSI digits, imsi-<digits> or nai-<NAI>")
    p.add_argument("--abba", default="0000", help="ABBA, hex (default 0000)")
    p.add_argument("--rid", default="0", help="routing indicator, 1-4 digits (default 0)")
    p.add_argument(
        "--af",
        action="append",
        default=[],
        metavar="FQDN:UAID",
        help="AF FQDN and 5-octet Ua* protocol id in hex, e.g. af.example.com:0100000007 "
        "(repeatable)",
    )
    resync = p.add_mutually_exclusive_group()
    resync.add_argument("--sqn-ms", help="USIM SQN, 12 hex digits: print the AUTS for it")
    resync.add_argument("--auts", help="AUTS, 28 hex digits: print sqn_ms and mac_s_ok")
    p.add_argument("--nea", help="NAS ciphering algorithm id 0-7: print k_nas_enc")
    p.add_argument("--nia", help="NAS integrity algorithm id 0-7: print k_nas_int")
    p.add_argument(
        "--method",
        choices=(METHOD_5G_AKA, METHOD_EAP_AKA_PRIME),
        default=METHOD_5G_AKA,
        help="primary authentication method (default 5g-aka)",
    )
    p.add_argument("--identity", help="EAP-AKA' identity for MK (RFC 9048 3.3)")
    p.add_argument(
        "--eap-id",
        default="1",
        help="EAP identifier of the AKA'-Challenge packets printed with --identity "
        "(0-255, default 1)",
    )
    p.add_argument(
        "--suci-profile",
        choices=("A", "B", "a", "b"),
        help="SUCI protection scheme, ECIES profile A (X25519) or B (secp256r1), TS 33.501 "
        "Annex C.3: with --supi and --hn-public conceal the SUPI; with --hn-private and "
        "--suci de-conceal it",
    )
    p.add_argument("--hn-public", help="home network public key, hex (B: compressed or not)")
    p.add_argument(
        "--hn-key-id", default="1", help="home network public key identifier 0-255 (default 1)"
    )
    p.add_argument(
        "--ephemeral-private",
        help="the UE's ephemeral private key, 64 hex digits: for test vectors only (a fresh "
        "random key otherwise)",
    )
    p.add_argument("--hn-private", help="home network private key, 64 hex digits")
    p.add_argument("--suci", help="SUCI: 5GS mobile identity IE value, hex (TS 24.501 9.11.3.4)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = inputs_from_args(args)
    result = compute(inputs)
    if not result.outputs:
        raise InputError(f"keys: nothing to compute: give {_first_missing(inputs)}")
    for note in result.notes:
        print(f"ue-stack: keys: note: {note}", file=sys.stderr)
    sys.stdout.write(json.dumps(result.outputs, indent=2) + "\n")
    return 0


def _first_missing(inp: KeyInputs) -> str:
    missing = [
        name
        for name, present in (
            ("--k", inp.k is not None),
            ("--opc (or --op)", inp.opc is not None or inp.op is not None),
            ("--rand", inp.rand is not None),
        )
        if not present
    ] or ["--k, --opc (or --op)", "--rand"]
    return missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]


def inputs_from_args(args: argparse.Namespace) -> KeyInputs:
    """Validate every option; a malformed one raises ``InputError`` naming it."""
    rand = _hex(args.rand, "--rand", 16)
    sqn_ms = _hex(args.sqn_ms, "--sqn-ms", 6)
    auts = _hex(args.auts, "--auts", 14)
    for option, value in (("--sqn-ms", sqn_ms), ("--auts", auts)):
        if value is not None and rand is None:
            raise InputError("needs --rand (AUTS is bound to the RAND it answers)", field=option)
    amf = _hex(args.amf, "--amf", 2)
    assert amf is not None  # --amf has a default
    return KeyInputs(
        k=_hex(args.k, "--k", 16),
        opc=_hex(args.opc, "--opc", 16),
        op=_hex(args.op, "--op", 16),
        rand=rand,
        sqn=_hex(args.sqn, "--sqn", 6),
        amf=amf,
        snn=_snn(args.snn),
        serving_plmn=_plmn(args.mcc, args.mnc, "--mcc", "--mnc"),
        home_plmn=_plmn(args.home_mcc, args.home_mnc, "--home-mcc", "--home-mnc"),
        supi=_supi(args.supi),
        abba=_abba(args.abba),
        rid=_rid(args.rid),
        afs=tuple(_af(value) for value in args.af),
        sqn_ms=sqn_ms,
        auts=auts,
        nea=_alg(args.nea, "--nea"),
        nia=_alg(args.nia, "--nia"),
        method=args.method,
        identity=_identity(args.identity),
        eap_id=_eap_id(args.eap_id),
        **_suci_inputs(args),
    )


def _suci_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """The SUCI options, checked together (docs/keys.md)."""
    given = [
        opt for opt, value in (
            ("--hn-public", args.hn_public), ("--ephemeral-private", args.ephemeral_private),
            ("--hn-private", args.hn_private), ("--suci", args.suci),
        ) if value is not None
    ]
    if args.suci_profile is None:
        if given:
            raise InputError("needs --suci-profile A or B", field=given[0])
        return {}
    scheme = suci.profile_scheme(args.suci_profile)
    out: dict[str, Any] = {"suci_scheme": scheme}
    if args.hn_public is None and args.hn_private is None:
        raise InputError(
            "needs --hn-public (with --supi: conceal) or --hn-private (with --suci: "
            "de-conceal)", field="--suci-profile",
        )
    if args.hn_public is not None:
        if args.supi is None:
            raise InputError("needs --supi (the SUPI to conceal)", field="--hn-public")
        if _plmn(args.home_mcc, args.home_mnc, "--home-mcc", "--home-mnc") is None and (
            _plmn(args.mcc, args.mnc, "--mcc", "--mnc") is None
        ):
            raise InputError(
                "needs --home-mcc/--home-mnc or --mcc/--mnc (where the MSIN starts)",
                field="--hn-public",
            )
        out["hn_public"] = _hex_octets(args.hn_public, "--hn-public")
        out["ephemeral_private"] = _hex(args.ephemeral_private, "--ephemeral-private", 32)
        key_id = args.hn_key_id
        if not (key_id.isascii() and key_id.isdigit() and int(key_id) <= 255):
            raise InputError(f"expected an integer 0-255, got {key_id!r}", field="--hn-key-id")
        out["hn_key_id"] = int(key_id)
    elif args.ephemeral_private is not None:
        raise InputError("needs --hn-public (it conceals)", field="--ephemeral-private")
    if args.hn_private is not None:
        if args.suci is None:
            raise InputError("needs --suci (the SUCI to de-conceal)", field="--hn-private")
        out["hn_private"] = _hex(args.hn_private, "--hn-private", 32)
        out["suci"] = _hex_octets(args.suci, "--suci")
    elif args.suci is not None:
        raise InputError("needs --hn-private", field="--suci")
    return out


def _hex_octets(value: str, option: str) -> bytes:
    # The value itself is not echoed: it may be a key.
    if not _HEX_RE.fullmatch(value):
        raise InputError("not hex (expected hex digits only, without 0x or spaces)", field=option)
    if len(value) % 2:
        raise InputError(f"odd number of hex digits ({len(value)})", field=option)
    return bytes.fromhex(value)


def _hex(value: str | None, option: str, octets: int) -> bytes | None:
    if value is None:
        return None
    raw = _hex_octets(value, option)
    if len(raw) != octets:
        raise InputError(
            f"expected {2 * octets} hex digits ({octets} octets), got {len(value)}", field=option
        )
    return raw


def _abba(value: str) -> bytes:
    raw = _hex_octets(value, "--abba")
    if not 2 <= len(raw) <= 255:
        # TS 24.501 9.11.3.10: the ABBA contents are 2 to 255 octets
        raise InputError(f"expected 4 to 510 hex digits, got {len(value)}", field="--abba")
    return raw


def _plmn(
    mcc: str | None, mnc: str | None, mcc_opt: str, mnc_opt: str
) -> tuple[str, str] | None:
    if mcc is None and mnc is None:
        return None
    if mcc is None:
        raise InputError(f"needs {mcc_opt} too", field=mnc_opt)
    if mnc is None:
        raise InputError(f"needs {mnc_opt} too", field=mcc_opt)
    if not (mcc.isascii() and mcc.isdigit() and len(mcc) == 3):
        raise InputError(f"expected 3 digits, got {mcc!r}", field=mcc_opt)
    if not (mnc.isascii() and mnc.isdigit() and len(mnc) in (2, 3)):
        raise InputError(f"expected 2 or 3 digits, got {mnc!r}", field=mnc_opt)
    return mcc, mnc


def _snn(value: str | None) -> str | None:
    if value is not None and not value:
        raise InputError("empty serving network name", field="--snn")
    return _name(value, "--snn")


def _supi(value: str | None) -> str | None:
    if value is None:
        return None
    if not aka.supi_for_kdf(value) or any(c.isspace() for c in value):
        raise InputError(f"not a SUPI: {value!r}", field="--supi")
    return _name(value, "--supi")


def _name(value: str | None, option: str) -> str | None:
    try:
        return None if value is None else kdf_name(value)
    except ValueError as e:
        raise InputError(str(e), field=option) from None


def _rid(value: str) -> str:
    # TS 23.003 2.2B: the routing indicator is 1 to 4 decimal digits
    if not (value.isascii() and value.isdigit() and 1 <= len(value) <= 4):
        raise InputError(f"expected 1 to 4 digits, got {value!r}", field="--rid")
    return value


def _alg(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and int(value) <= 7):
        raise InputError(f"expected an algorithm id 0-7, got {value!r}", field=option)
    return int(value)


def _eap_id(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) > 255:
        raise InputError("must be an integer 0-255", field="--eap-id")
    return int(value)


def _identity(value: str | None) -> str | None:
    if value is not None and not value:
        raise InputError("empty identity", field="--identity")
    return value


def _af(value: str) -> tuple[str, bytes]:
    fqdn, sep, ua_id = value.rpartition(":")
    if not sep:
        raise InputError(f"expected FQDN:UAID, got {value!r} (no ':')", field="--af")
    if not fqdn:
        raise InputError(f"empty FQDN in {value!r}", field="--af")
    if not (_HEX_RE.fullmatch(ua_id) and len(ua_id) == 2 * akma.UA_ID_LENGTH):
        raise InputError(
            f"Ua* protocol id must be {2 * akma.UA_ID_LENGTH} hex digits, got {ua_id!r}",
            field="--af",
        )
    return fqdn, bytes.fromhex(ua_id)

"""Scenarios: a timeline of UE, application and network events for ``ue-stack simulate``,
in TOML (read with ``tomllib``), and the library of built-in scenarios shipped here.

Format (every table but ``[ue]`` optional; unknown keys are errors, to catch typos)::

    name = "reauth-between-af-sessions"        # kebab-case, the --list name
    description = "one line"
    [ue]          # as a trace header's ue object (docs/trace-format.md); hex strings
    supi = "001010000000001"
    k = "<32 hex>"
    opc = "<32 hex>"           # or op = "<32 hex>"
    sqn_ms = "000000000000"    # USIM SQN state; default zero
    rid = "0"                  # routing indicator
    home_plmn = {mcc = "001", mnc = "01"}   # A-KID realm; default the serving PLMN
    sec_cap = "f0f0"           # UE security capability (the AMF replays it in SMC)
    suci_profile = "A"         # SUCI: ECIES profile "A" (default) or "B", or "null"
    hn_public = "<hex>"        # home network public key; default the Annex C.4 key of
    hn_key_id = 1              #   the profile, which the twin's UDM holds (key id 1)
    [network]     # the twin; all optional
    mcc = "001"                # serving PLMN (SNN of TS 24.501 9.12.1)
    mnc = "01"
    snn = "..."                # overrides mcc/mnc verbatim
    sqn = "000000000000"       # the UDM's SQN_HE; default the USIM's sqn_ms
    akma = true                # AKMA subscription
    seed = 0                   # RAND generator seed
    replay_sec_cap = true      # replay [ue].sec_cap in SECURITY MODE COMMAND
    bad_mac_avs = 0            # the first N AVs carry a wrong MAC-A (UE: #20)
    separation_bit_off_avs = 0 # the first N AVs have AMF separation bit 0 (UE: #26)
    auth_failure_limit = 2     # #20/#26 failures before AUTHENTICATION REJECT
    nea = 2                    # algorithms the AMF selects in SECURITY MODE COMMAND;
    nia = 2                    # nia = 0 (5G-IA0) is rejected by the UE (#24)
    kaf_lifetime = 3600.0
    auth_method = "5g-aka"     # or "eap-aka-prime" (the UDM's choice, TS 33.501 6.1.2)
    eap_success_in = "security_mode_command"   # or "authentication_result"
    hn_reauth_period = 600.0   # the home network re-authenticates on its own timer
    visited_afs = ["af.visited.example"]   # AFs in the visited network (via the NEF)
    [options]     # as a trace header's options; the command line overrides them
    app_mode = "per-kaf"       # or "legacy-cache"
    akma_defer = true
    af_failure_indication = false   # AFs answer a stale A-KID with a failure indication
    [expect."per-kaf"]         # what `simulate` should conclude, per app mode
    verdict = "pass"
    violations = []
    [[step]]                   # one per event; sorted by t (stable for equal t)
    t = 0.0
    kind = "ue"                # ue | app | net
    op = "power_on"            # + the op's fields

``ue`` and ``app`` ops and their fields are those of the trace format (docs/trace-format.md);
``usim_inserted``'s ``ue`` is an inline table or a ``[step.ue]`` table after its step.
``net`` ops: the trace's ``aanf_context_remove``, ``reauthenticate`` and ``drop_next``
(``msg``, optional ``count``), and, in simulation only, ``duplicate_next`` (``msg``,
``count``), ``delay_next`` (``msg``, ``seconds``, ``count``), the attacker's
``plain_next`` and ``bad_mac_next`` (``msg``, ``count``: the next downlinks of that name
arrive unprotected, or with a MAC that fails) and ``replay_protected`` (``msg``: the last
protected downlink of that name is sent again, its NAS COUNT already taken; TS 24.501
4.4.4.2, 4.4.3.1), ``deregister`` (network
initiated; optional ``cause`` and ``re_registration_required``, TS 24.501 5.5.2.3.2),
``reuse_ngksi_next`` (the next challenge names the ngKSI in use: #71),
``sec_cap_mismatch_next`` (the next SMC replays a wrong UE security capability: #23),
``nia0_next`` (the next SMC selects 5G-IA0: #24), ``reject_next_registration``
(``cause``: REGISTRATION REJECT once RES* is verified) and ``corrupt_next_av`` (``fault``
= ``mac`` | ``separation_bit``, ``count``), ``aanf_service_disable`` and
``aanf_service_enable`` (Release 18: AKMA service withdrawn and restored; docs/akma-rel18.md).

Errors are ``InputError`` naming the file, the line where it can be found, and the field
(``step[3].ua_id`` counts steps from 1 in file order).

The package reads top-down: ``model`` (what a scenario is), ``fields`` (what each key may
hold, the tables of ops and keys), ``parse`` (a TOML file -> ``Scenario``), ``library``
(the built-ins shipped here, ``load_scenario``), ``schema`` (the JSON Schema from the same
tables).
"""

from __future__ import annotations

from .fields import OPS
from .library import LIBRARY, builtin_names, builtin_scenarios, builtin_text, load_scenario
from .model import (
    APP_MODES,
    AUTH_METHODS,
    INVARIANT_IDS,
    VERDICTS,
    Expect,
    NetworkSpec,
    Scenario,
    Step,
)
from .parse import parse_scenario

__all__ = [
    "APP_MODES",
    "AUTH_METHODS",
    "INVARIANT_IDS",
    "LIBRARY",
    "OPS",
    "VERDICTS",
    "Expect",
    "NetworkSpec",
    "Scenario",
    "Step",
    "builtin_names",
    "builtin_scenarios",
    "builtin_text",
    "load_scenario",
    "parse_scenario",
]

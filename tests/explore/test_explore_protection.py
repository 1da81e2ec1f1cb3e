"""`explore --attacker forge`: an attacker without keys injects network messages plain or
with a MAC that fails, and replays protected ones (TS 24.501 4.4.4.2, 4.4.3.1). At depth 6
the model acts on none of them (NAS-4, NAS-5); with its protection boundary switched off
the same search finds both — so the search can see what it claims to rule out.

The alphabet is cut to the moves that matter for protection (switch on, register, the
network's challenge, SMC, REGISTRATION ACCEPT, DEREGISTRATION REQUEST #3 and IDENTITY
REQUEST, with every attacker move on them) so depth 6 stays a few thousand transitions."""

from __future__ import annotations

import pytest

from ue_stack.explore import alphabet
from ue_stack.explore.search import Settings, explore
from ue_stack.nas import protection

KEEP = frozenset({"challenge", "smc-nia2", "registration-accept", "network-deregistration-3",
                  "identity-request"})


@pytest.fixture
def protection_alphabet(monkeypatch):
    every = alphabet.network_moves
    monkeypatch.setattr(alphabet, "network_moves",
                        lambda net: (m for m in every(net) if m[0] in KEEP))
    monkeypatch.setattr(alphabet, "UE_OPS", tuple(
        op for op in alphabet.UE_OPS if op[0] in ("power_on", "register")))
    monkeypatch.setattr(alphabet, "APPS", ())


def test_forging_attacker_at_depth_6_makes_the_ue_act_on_nothing_it_must_not(
        protection_alphabet):
    result = explore(6, Settings(attacker="forge"))
    assert result.transitions > 1000
    assert not [f for f in result.findings if f[0] in ("NAS-4", "NAS-5")], result.findings


def test_with_the_boundary_switched_off_the_search_finds_nas_4_and_nas_5(
        protection_alphabet, monkeypatch):
    monkeypatch.setattr(protection.Boundary, "admit", lambda self, m, state, contexts: None)
    result = explore(4, Settings(attacker="forge"))
    found = {invariant for invariant, _ in result.findings}
    assert {"NAS-4", "NAS-5"} <= found


def test_forge_moves_are_what_an_attacker_without_keys_can_send():
    """Plain and bad-MAC copies of the network's messages, and protected replays with the
    context's first COUNT — never a verified MAC on a message the network did not make."""
    names = [m.name for m, _ in alphabet.moves(alphabet.NetView(), "forge",
                                               "5GMM-REGISTERED.NORMAL-SERVICE", ())]
    assert "inject-plain-network-deregistration-3" in names
    assert "inject-bad-mac-smc-nia2" in names and "replay-protected-smc-nia2" in names
    for move, _ in alphabet.forged_moves(alphabet.NetView()):
        record = move.record
        assert record is not None
        if move.name.startswith("inject-plain"):
            assert record["sht"] == 0 and "mac" not in record
        elif move.name.startswith("inject-bad-mac"):
            assert record["mac"] == "failed"
        else:
            assert record["count"] in (0, 1) and record["mac"] == "verified"
    assert not [n for n in names if n.startswith("inject")] or "forge" in alphabet.ATTACKERS
    none = [m.name for m, _ in alphabet.moves(alphabet.NetView(), "drop+replay",
                                              "5GMM-REGISTERED.NORMAL-SERVICE", ())]
    assert not [n for n in none if n.startswith(("inject", "replay-protected"))]

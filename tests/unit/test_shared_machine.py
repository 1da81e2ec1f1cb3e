"""Many UEs share one transition table (issue 12): building a UE's NAS or a twin's AMF
builds no ``transitions.Machine``, and each instance keeps its own state."""

from __future__ import annotations

import transitions
from nas_harness import make_nas

from ue_stack.nas.states import MmState
from ue_stack.network.amf import Amf, AmfState
from ue_stack.network.ausf import Ausf
from ue_stack.network.udm import Udm


def test_a_thousand_nas_cores_build_no_machine_and_move_independently(monkeypatch):
    built = []
    real = transitions.Machine.__init__
    monkeypatch.setattr(transitions.Machine, "__init__",
                        lambda self, *a, **kw: built.append(1) or real(self, *a, **kw))
    cores = [make_nas() for _ in range(1000)]
    assert built == []
    cores[0].power_on(0.0)
    assert cores[0].state is not MmState.NULL
    assert {c.state for c in cores[1:]} == {MmState.NULL}


def test_amfs_of_many_ues_share_one_table():
    ausf = Ausf(Udm(), None)
    amfs = [Amf(f"0010100000000{i:02d}", ausf, "5G:mnc001.mcc001.3gppnetwork.org")
            for i in range(3)]
    amfs[1]._fire("common_procedure_started")
    assert [a.state for a in amfs] == [AmfState.DEREGISTERED, AmfState.COMMON_PROCEDURE_INITIATED,
                                       AmfState.DEREGISTERED]

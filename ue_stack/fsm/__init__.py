"""The model as a reference state machine (``ue-stack fsm``, docs/fsm.md): the UE model's
complete, minimal Mealy machine over a state-machine learner's abstract alphabet, computed
by driving the real NAS core, and its comparison with a machine learned from a device."""

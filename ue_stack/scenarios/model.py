"""What a scenario is once read: its network, UEs, steps and expectation (the values
``parse`` builds and ``simulation`` runs), and the names the scenario format knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..network.aanf import KAF_LIFETIME
from ..network.amf import AmfConfig
from ..network.twin import NetworkTwin
from ..network.udm import Subscriber
from ..trace.schema import Plmn, UeConfig

APP_MODES = ("per-kaf", "legacy-cache")
AUTH_METHODS = ("5g-aka", "eap-aka-prime")
VERDICTS = ("pass", "fail")
INVARIANT_IDS = (
    "AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4", "APP-1", "XL-1",
    "NAS-1", "NAS-2", "NAS-3", "NAS-4", "NAS-5", "SEC-1",
)


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """The ``[network]`` table: how the twin is provisioned and behaves."""

    mcc: str = "001"
    mnc: str = "01"
    snn: str = ""  # filled from mcc/mnc when not given
    sqn: bytes | None = None
    akma: bool = True
    seed: int = 0
    replay_sec_cap: bool = True
    bad_mac_avs: int = 0
    separation_bit_off_avs: int = 0
    auth_failure_limit: int = 2
    kaf_lifetime: float = KAF_LIFETIME
    auth_method: str = "5g-aka"
    eap_success_in: str = "security_mode_command"
    nea: int = 2
    nia: int = 2
    hn_reauth_period: float | None = None  # TS 33.501 6.1.5 timer; None: the HN never does
    visited_afs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Expect:
    verdict: str
    violations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline event. ``fields`` are typed: ``ua_id`` bytes, ``ue`` a UeConfig,
    ``count`` int, ``seconds`` float, the rest as written."""

    t: float
    kind: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    ue: UeConfig
    network: NetworkSpec
    options: dict[str, Any]
    expect: dict[str, Expect]
    steps: tuple[Step, ...]
    path: str = ""

    @property
    def serving_plmn(self) -> Plmn:
        return Plmn(self.network.mcc, self.network.mnc)

    @property
    def home_plmn(self) -> Plmn:
        return self.ue.home_plmn or self.serving_plmn

    def expect_for(self, app_mode: str) -> Expect | None:
        return self.expect.get(app_mode)

    def provision(self, twin: NetworkTwin, ue: UeConfig, *, av_faults: bool) -> None:
        """Give ``ue`` a subscription at the twin's UDM and an attached AMF; with
        ``av_faults``, its first AVs carry the scenario's MAC / separation-bit faults."""
        n = self.network
        home = ue.home_plmn or self.serving_plmn
        assert ue.k is not None and ue.opc is not None  # a scenario's UE has K and OPc
        twin.add_subscriber(Subscriber(
            ue.supi, ue.k, ue.opc, n.sqn if n.sqn is not None else ue.sqn_ms,
            akma=n.akma, rid=ue.rid, home_mcc=home.mcc, home_mnc=home.mnc,
            auth_method=n.auth_method,
        ))
        twin.attach(ue.supi)
        if av_faults and n.bad_mac_avs:
            twin.udm.corrupt_next(ue.supi, "mac", n.bad_mac_avs)
        if av_faults and n.separation_bit_off_avs:
            twin.udm.corrupt_next(ue.supi, "separation_bit", n.separation_bit_off_avs)

    def build_twin(self) -> NetworkTwin:
        """A network twin provisioned for this scenario: the UE's subscription (and that
        of any USIM a ``usim_inserted`` step brings), AV faults, and an attached AMF."""
        n = self.network
        twin = NetworkTwin(
            n.mcc, n.mnc, snn=n.snn, seed=n.seed, kaf_lifetime=n.kaf_lifetime,
            amf_config=AmfConfig(
                replayed_ue_sec_cap=self.ue.sec_cap if n.replay_sec_cap else None,
                auth_failure_limit=n.auth_failure_limit,
                eap_success_in=n.eap_success_in,
                nea=n.nea,
                nia=n.nia,
                protect_n1=True,
            ),
            hn_reauth_period=n.hn_reauth_period,
            visited_afs=n.visited_afs,
            af_failure_indication=bool(self.options.get("af_failure_indication", False)),
        )
        ues = [self.ue] + [s.fields["ue"] for s in self.steps if "ue" in s.fields]
        for ue in ues:
            if ue.supi not in twin.udm:
                self.provision(twin, ue, av_faults=ue is self.ue)
        return twin

"""Fixtures for the invariant tests: hand-made exchange logs."""

from __future__ import annotations

import pytest
from xlog_fixtures import A_KID_2, KAKMA_2, KAUSF_1, KAUSF_2, Log


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def healthy() -> Log:
    """Registration, two KAFs, a re-authentication, a third KAF: every invariant holds."""
    log = Log()
    log.register()
    log.kaf_session("mail", "c1")
    log.kaf_session("chat", "c2")
    log.authenticate(KAUSF_2, old=KAUSF_1)
    log.kaf_session("mail", "c3", k_akma_fp=KAKMA_2, k_ausf_fp=KAUSF_2, a_kid=A_KID_2)
    return log

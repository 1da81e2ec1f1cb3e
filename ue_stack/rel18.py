"""AKMA after Release 17: what the twin and the upper layers follow, what text this project
could not read, and the choice made in its place — kept in this one module, so that a
reader with the Release 18 documents can check every assumption here and change it here.

Read (clause titles and service tables only):

- TS 33.535 (Rel-18) 7.2, the AAnF services: ``Naanf_AKMA_ApplicationKey_Get`` takes an
  optional *Service Disable URI* and answers KAF, its expiration time and the SUPI (or
  GPSI) **or a failure indication**; ``Naanf_AKMA_ServiceDisableNotification`` (input:
  A-KID) tells a consumer that AKMA service was disabled for that A-KID.
- TR 33.737 (AKMA phase 2) table of contents: key issue #1, AKMA roaming; solution #2, an
  AF in the visited PLMN asking for the AKMA application key *via the NEF*.
- TS 33.501 6.1.5, home-network-triggered primary authentication (title only), and TR
  33.741, which studies refreshing KAF that way (its key issue: the signalling cost).

Not available: the procedure text of all three. So the following are this project's
choices (``docs/akma-rel18.md`` explains them for people):

1. **HN-triggered re-authentication** (``network/hn_reauth.py``): the home network runs a
   periodic timer per UE, started at the UE's first successful primary authentication and
   not restarted by later ones (a fixed rate, so KAUSF changes every period); at expiry
   the AMF starts a primary authentication as for a network-initiated one (TS 24.501
   5.4.1.1). If the AMF is busy or the UE not registered, that period is skipped.
2. **Service disable** (``network/aanf.py``): disabling starts at the UDM (the AKMA
   subscription is withdrawn, so the AUSF registers no new anchor key); the AAnF deletes
   the UE's context and sends ``Naanf_AKMA_ServiceDisableNotification`` (A-KID) to every
   consumer that gave a Service Disable URI in ``ApplicationKey_Get`` for that A-KID. The
   AF then releases its AKMA context for the A-KID. Enabling again restores the
   subscription; the AAnF holds a context again after the next primary authentication.
3. **Failure indication** (``network/af.py``): the AAnF's answer for an A-KID it does not
   hold. An AF that passes it on to the UE (option ``af_failure_indication``, in a
   scenario and a trace header) answers the Ua* request with it instead of failing the
   session (a ``note``, not an ``af_session``: the session is still being set up); the
   application tries again after ``RETRY_DELAY_S`` — ``per-kaf`` asks NAS for KAKMA/A-KID
   first, ``legacy-cache`` uses its cache — and after ``MAX_RETRIES`` indications the AF
   fails the session (``af_session``, AKMA-4).
4. **Roaming** (``network/nef.py``): the NEF relays the AF's request to the AAnF of the
   A-KID's realm — the home network's, as the UE derives it (``crypto.akma.a_kid``) — and
   answers a failure indication for a realm it has no AAnF for.
"""

from __future__ import annotations

HN_REAUTH_CLAUSE = "TS 33.501 6.1.5"
SERVICE_DISABLE_CLAUSE = "TS 33.535 7.2 (Rel-18), Naanf_AKMA_ServiceDisableNotification"
FAILURE_INDICATION_CLAUSE = "TS 33.535 7.2 (Rel-18), Naanf_AKMA_ApplicationKey_Get"
ROAMING_CLAUSE = "TR 33.737 key issue #1, solution #2 (AF in the VPLMN via the NEF)"

# The application's retry after a failure indication (choice 3): one second is a Ua*
# round trip and a NAS answer with room to spare; three tries bound the extra signalling.
RETRY_DELAY_S = 1.0
MAX_RETRIES = 3

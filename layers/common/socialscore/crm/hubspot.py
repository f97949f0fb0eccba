"""HubSpot as the CRM (`CrmAdapter=hubspot`), through a private app token.

- In: deals changed since the checkpoint, less a margin for the search index's lag (CRM search
  on `hs_lastmodifieddate`, inclusive), with their contacts (v4 association batch read):
  `hubspot_read`.
- Out: contact scores and erasures as contact properties, the influence headline as deal
  properties, the breakdown as `socialscore_influence` custom object records upserted by `key`
  and associated to their deal, retired records archived: `hubspot_push`; hot leads as tasks
  and complaints as tickets on the contact, each once: `hubspot_tasks`. Every call carries up
  to 100 records, and 207 answers are read record by record.
- Limits and failures (`hubspot_http`): TEN_SECONDLY 429s wait and go on; a DAILY 429, a
  refused token, a HubSpot that stays down or a redirect stop the run with `CrmStopped`, whose
  outcome names every record key not written, so crm_sync keeps their digests and its checkpoint.

The property group, properties and custom object come from `setup` (socialscore_local), once.
Activities (each interaction on the contact's timeline) go through the socialscore public app's
timeline events: `hubspot_timeline`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import urllib3

from socialscore.aws.logs import logger
from socialscore.crm import hubspot_push, hubspot_read, hubspot_tasks
from socialscore.crm.base import CrmStopped, Push, PushOutcome, Tracker
from socialscore.crm.hubspot_http import DEFAULT_BASE_URL, HubSpotApi
from socialscore.crm.hubspot_timeline import BATCH as TIMELINE_BATCH
from socialscore.crm.hubspot_timeline import HubSpotTimeline
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import RecordKey

ACCOUNT_DETAILS = "/account-info/v3/details"


class HubSpotCrm:
    name = "hubspot"
    activity_batch = TIMELINE_BATCH

    def __init__(
        self,
        token: Callable[[bool], str],
        base_url: str = DEFAULT_BASE_URL,
        *,
        gdpr_delete: bool = False,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        time_left: Callable[[], float] = lambda: math.inf,
        timeline: HubSpotTimeline | None = None,
    ) -> None:
        """`time_left`: seconds the run may still spend pushing (crm_sync's budget): a GDPR
        delete, one call a contact, is made only while one fits. `timeline`: the public app's
        events, for the activities (None: not set up, every activity fails so)."""
        # Refuses a base URL that is not https (or http on loopback) before any call is made.
        self.api = HubSpotApi(token, base_url, pool=pool, sleep=sleep)
        self.gdpr_delete = gdpr_delete
        self._time_left = time_left
        self._clock = clock
        self._company_currency: str | None = None
        self.timeline = timeline

    @property
    def calls(self) -> int:
        """API calls this adapter made, reads included."""
        return self.api.calls

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        deals = hubspot_read.changed_deals(self.api, since)
        contacts = hubspot_read.contacts_of(self.api, [str(d["id"]) for d in deals])
        return [
            hubspot_read.to_opportunity(d, contacts.get(str(d["id"]), []), self.company_currency)
            for d in deals
        ]

    def push(self, push: Push) -> PushOutcome:
        run = Tracker(push.keys())
        start = self.api.calls
        outcome = run.through(lambda: self._push(run, push), lambda: self.api.calls - start)
        run.log("HubSpot push", outcome, daily_remaining=self.api.daily_remaining)
        return outcome

    def _push(self, run: Tracker, push: Push) -> None:
        erased = hubspot_push.contacts(self.api, run, push.scores, push.erased)
        if self.gdpr_delete:
            hubspot_push.pending_delete(run, sorted(erased))
        hubspot_push.deals(self.api, run, push.influences)
        hubspot_push.records(self.api, run, push.records)
        hubspot_push.retired(self.api, run, push.retired)
        hubspot_tasks.hot_leads(self.api, run, push.hot_leads, self._clock())
        hubspot_tasks.complaints(self.api, run, push.complaints)
        if self.gdpr_delete:
            # Last: a run out of time among them has everything else written, and keeps
            # the contacts deleted so far (crm_sync takes them off the pending erasures).
            hubspot_push.gdpr_delete(self.api, run, sorted(erased), self._time_left)

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        if self.timeline is None:
            return _not_set_up(rk.activity(a.id) for a in activities)
        return self.timeline.push_activities(activities)

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        if self.timeline is None:
            return _not_set_up(rk.activity(r.id) for r in removals)
        return self.timeline.remove_activities(removals)

    def company_currency(self) -> str:
        """The account's company currency: a deal without `deal_currency_code` is in it. Read
        once per adapter, and only when such a deal turns up."""
        if self._company_currency is None:
            answer = self.api.call("GET", ACCOUNT_DETAILS)
            document = answer.document if isinstance(answer.document, dict) else {}
            currency = str(document.get("companyCurrency") or "")
            if answer.status != 200 or len(currency) != 3:
                logger().error(
                    "HubSpot account details unreadable", extra={"status": answer.status}
                )
                raise CrmStopped(f"account_details_http_{answer.status}")
            self._company_currency = currency.upper()
        return self._company_currency


def _not_set_up(keys: Iterable[RecordKey]) -> PushOutcome:
    return PushOutcome(failed=dict.fromkeys(keys, "timeline_not_configured"))

"""Marketo Engage as the target (`CrmAdapter=marketo`), through a LaunchPoint custom service's
client credentials.

- In: nothing. Marketo is not the system of record for opportunities (its opportunity objects
  are synced from the CRM), so `changed_opportunities` is empty: attribution credits no
  opportunity through Marketo, and a push's influence headlines, breakdown records and
  retirements have nowhere to go in it (done, logged with their count).
- Out, on the lead (`marketo_push`): scores, buckets and last organic touch as lead fields; a
  hot lead as `socialscoreHotLead` turning true; a complaint as the `socialscoreComplaint*`
  fields; an erasure empties them all. Each interaction as a custom activity on the lead, a
  retraction or an erasure as a withdrawal activity (`marketo_activities`).
- Limits (`marketo_http`): paced under the instance's 20 s window, one call at a time, within a
  daily budget read from the instance's usage today (`daily_ceiling`: the run stops before the
  instance's calls today pass it); 606/615 wait and go on, 607 stops the run, 601/602 renew the
  token. A stopped push's outcome names every record key not written.

The lead fields and the activity type come from `crm-setup marketo` (socialscore_local), once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import urllib3

from socialscore.aws.logs import logger
from socialscore.crm import marketo_activities, marketo_push
from socialscore.crm.base import Push, PushOutcome, Tracker
from socialscore.crm.marketo_http import MarketoApi, codes
from socialscore.crm.marketo_write import BATCH
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import RecordKey

USAGE = "/rest/v1/stats/usage.json"
# What the run may leave the instance's calls today at, by default: 40,000 of the 50,000 most
# subscriptions get, the rest kept for the instance's other integrations.
DEFAULT_DAILY_CEILING = 40_000


class MarketoCrm:
    name = "marketo"
    activity_batch = BATCH

    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        *,
        daily_ceiling: int = DEFAULT_DAILY_CEILING,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        window_calls: int = 50,
        time_left: Callable[[], float] = lambda: math.inf,
    ) -> None:
        """`time_left`: seconds the run may still spend pushing (crm_sync's budget); no wait
        goes past it (`marketo_http`)."""
        self.api = MarketoApi(
            credentials,
            pool=pool,
            sleep=sleep,
            clock=monotonic,
            window_calls=window_calls,
            time_left=time_left,
        )
        self.daily_ceiling = daily_ceiling
        self._clock = clock

    @property
    def calls(self) -> int:
        """REST calls this adapter made (the usage read included; token requests apart)."""
        return self.api.calls

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        return []

    def push(self, push: Push) -> PushOutcome:
        run = Tracker(push.keys())
        unheld = [
            *(RecordKey.of(i) for i in push.influences),
            *(RecordKey.of(r) for r in push.records),
            *map(rk.retired, push.retired),
        ]
        if unheld:
            run.ok(unheld)
            logger().info("Marketo holds no opportunity credit", extra={"records": len(unheld)})
        return self._run(
            run,
            lambda: marketo_push.leads(
                self.api, run, push.scores, push.erased, push.hot_leads, push.complaints
            ),
            "Marketo push",
        )

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        run = Tracker(rk.activity(a.id) for a in activities)
        return self._run(
            run, lambda: marketo_activities.push(self.api, run, activities), "Marketo activities"
        )

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        run = Tracker(rk.activity(r.id) for r in removals)
        return self._run(
            run,
            lambda: marketo_activities.withdraw(self.api, run, removals, self._clock),
            "Marketo withdrawals",
        )

    def _run(self, run: Tracker, work: Callable[[], None], what: str) -> PushOutcome:
        start = self.api.calls

        def budgeted() -> None:
            if set(run.keys) - run.written:
                self._budget()
                work()

        outcome = run.through(budgeted, lambda: self.api.calls - start)
        run.log(what, outcome, daily_left=self.api.daily_left)
        return outcome

    def _budget(self) -> None:
        """Once per adapter (a run): what the run may spend today, from the instance's usage
        (`GET /rest/v1/stats/usage.json`: today's `total` over every API user, reset at
        12:00 AM CST: experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/
        lead-database/usage)."""
        if self.api.daily_left is not None:
            return
        answer = self.api.call("GET", USAGE)
        document = answer.document if isinstance(answer.document, dict) else {}
        days = document.get("result") or []
        total = days[0].get("total") if days and isinstance(days[0], dict) else None
        if codes(answer) or not isinstance(total, int):
            # Unreadable usage (the API user's role may lack it): the ceiling counts this run's
            # calls alone; Marketo's own 607 still stops the run at the quota.
            logger().warning("Marketo usage unreadable", extra={"codes": codes(answer)})
            total = 0
        self.api.daily_left = max(self.daily_ceiling - total, 0)

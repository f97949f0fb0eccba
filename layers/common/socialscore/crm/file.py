"""A CRM in two files: opportunities from a JSON list, pushes appended to a JSON-lines outbox.

For the local runtime only (the template refuses it on AWS, where /tmp does not last)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from socialscore.crm.base import Push, PushOutcome
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import Opportunity

_OPPORTUNITIES = TypeAdapter(list[Opportunity])


class FileCrm:
    name = "file"
    activity_batch = 1_000  # a line each, appended in one write: no API limit to meet

    def __init__(self, opportunities: Path, outbox: Path) -> None:
        self.opportunities = opportunities
        self.outbox = outbox

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        if not self.opportunities.exists():
            return []
        every = _OPPORTUNITIES.validate_json(self.opportunities.read_bytes())
        return [o for o in every if since is None or o.modified_at >= since]

    def push(self, push: Push) -> PushOutcome:
        lines = [
            *({"type": "contact_score", **s.model_dump(mode="json")} for s in push.scores),
            *(
                {"type": "opportunity_influence", **i.model_dump(mode="json")}
                for i in push.influences
            ),
            *({"type": "influence_record", **r.model_dump(mode="json")} for r in push.records),
            *({"type": "retired_influence_record", "key": key} for key in push.retired),
            *({"type": "erased_contact", "contact_id": c} for c in push.erased),
            *({"type": "hot_lead_task", **h.model_dump(mode="json")} for h in push.hot_leads),
            *({"type": "complaint_case", **c.model_dump(mode="json")} for c in push.complaints),
        ]
        self._append(lines)
        return PushOutcome(calls=1)

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        self._append([{"type": "activity", **a.model_dump(mode="json")} for a in activities])
        return PushOutcome(calls=math.ceil(len(activities) / self.activity_batch))

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        gone = [
            {"type": "removed_activity", "id": r.id, "contact_id": r.contact_id} for r in removals
        ]
        self._append(gone)
        return PushOutcome(calls=math.ceil(len(removals) / self.activity_batch))

    def _append(self, lines: list[dict[str, Any]]) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a") as out:
            out.writelines(json.dumps(line, sort_keys=True) + "\n" for line in lines)

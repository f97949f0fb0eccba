"""A CRM in two files: opportunities from a JSON list, pushes appended to a JSON-lines outbox."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter

from socialscore.domain.opportunity import ContactScore, Opportunity, OpportunityInfluence

_OPPORTUNITIES = TypeAdapter(list[Opportunity])


class FileCrm:
    name = "file"

    def __init__(self, opportunities: Path, outbox: Path) -> None:
        self.opportunities = opportunities
        self.outbox = outbox

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        if not self.opportunities.exists():
            return []
        every = _OPPORTUNITIES.validate_json(self.opportunities.read_bytes())
        return [o for o in every if since is None or o.modified_at >= since]

    def push(self, scores: list[ContactScore], influences: list[OpportunityInfluence]) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        lines = [{"type": "contact_score", **s.model_dump(mode="json")} for s in scores] + [
            {"type": "opportunity_influence", **i.model_dump(mode="json")} for i in influences
        ]
        with self.outbox.open("a") as out:
            out.writelines(json.dumps(line, sort_keys=True) + "\n" for line in lines)

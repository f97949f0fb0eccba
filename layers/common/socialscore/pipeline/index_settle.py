"""How long a global secondary index is given to show a write before a reader counts on it:
the identities table's `by_contact` (a link or an unlink) and the ledger's `by_own_post` (the
acts a deleted post made, swept again a minute later).

DynamoDB updates a global secondary index asynchronously: "Changes to the table data are
propagated to the global secondary indexes within a fraction of a second, under normal
conditions. However, in some unlikely failure scenarios, longer propagation delays might occur"
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes). A link is also
written up to a resolve invocation's 30 s timeout (template.yaml, Globals) after the batch's
clock, which is the time its change mark carries. A minute covers both with about 30 s to spare
for a slow index, and costs little: crm_sync reads the last minute's marks again at its next
run, and an erasure by contact looks for the contact's identities a second time a minute later.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

INDEX_SETTLE = timedelta(seconds=60)
# A second sweep (a deleted post's acts, an erasure by contact's identities) comes this many
# seconds after the first, as an SQS delay.
SECOND_SWEEP_DELAY = int(INDEX_SETTLE.total_seconds())


def second_sweep(mid: str, first: BaseModel) -> tuple[str, str, int]:
    """(message id, body, delay) of the second sweep a first sweep's message calls for."""
    return mid, first.model_copy(update={"sweep": 2}).model_dump_json(), SECOND_SWEEP_DELAY

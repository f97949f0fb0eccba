"""How long the identities table's `by_contact` index is given to show a link or an unlink
before a reader counts on it.

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

INDEX_SETTLE = timedelta(seconds=60)

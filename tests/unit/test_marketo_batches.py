"""A Marketo write is cut into batches of at most 300 records and under 1 MB (Adobe's limits for
a call, cited in socialscore.crm.marketo_write), whatever the records' sizes. Moved from
tests/integration/test_marketo_limits.py (a pure rule: no stub needed)."""

from __future__ import annotations

from socialscore.crm.marketo_write import Input, batches


def test_a_batch_is_cut_at_300_records_and_under_one_megabyte() -> None:
    small = [Input({"n": n}, ()) for n in range(650)]
    assert [len(b) for b in batches(small)] == [300, 300, 50]
    big = [Input({"text": "x" * 400_000}, ()) for _ in range(3)]
    assert [len(b) for b in batches(big)] == [2, 1]

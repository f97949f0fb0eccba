"""The delays the pipeline asks of SQS stay within its message timer (0 to 900 seconds): a post
lookup rate limited until a reset a day away puts its records off by 900 seconds, SQS's longest
delay, and they are looked up again then (pipeline.rehydration.MAX_DELAY_SECONDS). The memory
queue refuses any other delay as SQS does (socialscore_local.memory.queue; the same refusals on
moto: tests/integration/test_queue_contract.py)."""

from __future__ import annotations

from socialscore.pipeline.rehydration import Rehydrator
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MAX_DELAY_SECONDS, MemoryQueue
from tests.unit.test_rehydrate_stage import run
from tests.unit.test_rehydrate_x_rules import OTHER, TARGET, Clock, again, delivered, x_posts
from tests.unit.test_rehydration import act

DAY = 86_400


def test_a_lookup_limited_for_a_day_puts_its_records_off_by_sqs_s_longest_delay() -> None:
    clock = Clock()
    x = x_posts(clock, quota=1, window_seconds=DAY)  # the window resets a day from now
    rehydrator = Rehydrator(MemoryPostCache(), x, clock=clock)
    run([delivered("m-1", act(1, TARGET))], rehydrator, MemoryQueue(), MemoryQueue())
    later = MemoryQueue()

    answer = run([delivered("m-2", act(2, OTHER))], rehydrator, MemoryQueue(), later)

    assert answer == {"batchItemFailures": []}  # put off, not failed
    assert [(m.id, m.delay, m.deferrals) for m in later.sent] == [("m-2", MAX_DELAY_SECONDS, 1)]
    assert x.calls == 1  # nothing asked before the reset

    clock.now += MAX_DELAY_SECONDS  # delivered again after the delay: the limit still holds
    later_again = MemoryQueue()
    answer = run(again(later.sent), rehydrator, MemoryQueue(), later_again)

    assert answer == {"batchItemFailures": []}
    assert [(m.delay, m.deferrals) for m in later_again.sent] == [(MAX_DELAY_SECONDS, 2)]
    assert x.calls == 1

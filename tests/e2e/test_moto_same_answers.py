"""moto with the local runtime's fixes (moto_costs: parse once, copy from the kept tree, checks
once per expression, a walker's handler found by the node's class, plain AttributeValues parsed
and written directly, a Query reading its partition, key sorts on converted values, items rolled
back instead of tables, items copied and sized value by value, a handler's methods listed once,
JSON errors without their XML) answers our DynamoDB calls byte for byte as moto without them:
items, old and new values, a failed condition's ALL_OLD item, a cancelled transaction's reasons,
refusals (an item past the size limit), every update clause and operand, pages in both
directions on a table and an index, Scans, numbers' order, consumed capacity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e import moto_calls


def test_moto_answers_our_calls_as_it_does_without_the_fixes() -> None:
    script = Path(moto_calls.__file__)
    plain = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    )

    fixed = moto_calls.answers(fixed=True)

    assert fixed == json.loads(plain.stdout)
    # The calls reach what they are here for: refusals, a cancelled transaction's reasons with
    # the ALL_OLD items, a failed condition's item, binary values (moto's own serializer).
    bodies = [answer["body"] for answer in fixed]
    assert sum(answer["status"] == 400 for answer in fixed) == 14
    assert any('"CancellationReasons"' in body and '"Item"' in body for body in bodies)
    assert any("ConditionalCheckFailed" in body and '"Item"' in body for body in bodies)
    assert any('"BS"' in body for body in bodies)

"""`socialscore report --link` before the report function wrote any page: one line. The link
to a written page is proven on the demo's stack (tests/ops/test_report_grants.py)."""

from __future__ import annotations

from tests.ops.conftest import DeployedStack


def test_no_page_written_yet_is_one_line(fresh_stack: DeployedStack) -> None:
    answer = fresh_stack.socialscore("report", "--link")
    assert answer.code == 2
    assert answer.err == (
        "socialscore: no report written yet: pass --refresh, or wait for the schedule "
        "(ReportSchedule)\n"
    )

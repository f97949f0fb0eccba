"""The ops CLI's arguments refused before any stack is looked for: a window, a date or a period
that is not one is told in the usage's error line, exit 2. The CLI is pointed at a port where
nothing answers, so that an argument let through would fail on the connection instead."""

from __future__ import annotations

from tests.unit.cli_answers import Answer, socialscore

NOWHERE = ("--local", "http://127.0.0.1:9")  # the discard port: nothing listens there


def refused(*args: str) -> Answer:
    answer = socialscore(*args, *NOWHERE)
    assert answer.code == 2
    assert answer.out == ""
    assert "nothing answers" not in answer.err
    return answer


def test_a_window_that_is_no_window_is_one_line_and_status_2() -> None:
    assert "not a window" in refused("refusals", "--since", "yesterday").err


def test_a_report_date_or_period_that_is_none_is_refused() -> None:
    answer = refused("report", "--as-of", "last tuesday")
    assert "argument --as-of: not a date: 'last tuesday' (e.g. 2026-11-01)" in answer.err
    answer = refused("report", "--period", "14")
    assert "argument --period: invalid choice: 14 (choose from 7, 30, 90)" in answer.err

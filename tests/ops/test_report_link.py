"""`socialscore report --link`: the report function writes the page to the private bucket, and
the link the CLI signs opens that page, to anyone holding it, until it expires."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from socialscore.report import LATEST_KEY
from socialscore_local.ops_bridge import outputs
from tests.ops.conftest import DeployedStack


def test_no_page_written_yet_is_one_line(fresh_stack: DeployedStack) -> None:
    answer = fresh_stack.socialscore("report", "--link")
    assert answer.code == 2
    assert answer.err == (
        "socialscore: no report written yet: pass --refresh, or wait for the schedule "
        "(ReportSchedule)\n"
    )


def test_the_link_opens_the_page_the_report_function_wrote(demo_stack: DeployedStack) -> None:
    written = demo_stack.rt.run_schedule("ReportFunction")
    bucket = outputs(demo_stack.rt)["ReportBucketName"]
    assert written == {"bucket": bucket, "key": LATEST_KEY, "bytes": written["bytes"]}
    answer = demo_stack.socialscore("report", "--link", "--expires", "600", "--json")
    assert answer.code == 0, answer.err
    url = answer.json()["url"]
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["600"]
    assert urlparse(url).path.endswith(f"/{LATEST_KEY}")
    stored = demo_stack.rt.client("s3").get_object(Bucket=bucket, Key=LATEST_KEY)
    page = stored["Body"].read()
    assert len(page) == written["bytes"]
    assert stored["ContentType"] == "text/html; charset=utf-8"
    assert b"<svg" in page


@pytest.mark.parametrize("seconds", ["0", "604801"])
def test_a_link_lives_one_second_to_seven_days(demo_stack: DeployedStack, seconds: str) -> None:
    answer = demo_stack.socialscore("report", "--link", "--expires", seconds)
    assert answer.code == 2
    assert answer.err == f"socialscore: --expires takes 1 to 604800 seconds, not {seconds}\n"

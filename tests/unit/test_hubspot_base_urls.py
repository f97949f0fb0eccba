"""HubSpot's base URL is taken only over HTTPS, or plain HTTP to this machine (the stub): the
token never travels in clear or to a host hidden behind credentials in the URL. Checked when the
adapter is made, before any request. Moved from tests/integration/test_hubspot.py (no call is
made: no stub needed)."""

from __future__ import annotations

import pytest

from socialscore.aws.config import ConfigurationError
from socialscore.crm.hubspot import HubSpotCrm
from tests.integration.test_hubspot import Token


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.hubapi.com",
        "https://api.hubapi.com/",
        "http://127.0.0.1:8080",
        "http://localhost:9",
        "http://[::1]:9",
    ],
)
def test_https_or_loopback_base_urls_are_taken(base_url: str) -> None:
    assert HubSpotCrm(Token("t"), base_url).api.base_url == base_url.rstrip("/")


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.hubapi.com",
        "ftp://api.hubapi.com",
        "api.hubapi.com",
        "http://127.0.0.1.nip.io",
        "https://user:secret@api.hubapi.com",
    ],
)
def test_other_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="must be https"):
        HubSpotCrm(Token("t"), base_url)

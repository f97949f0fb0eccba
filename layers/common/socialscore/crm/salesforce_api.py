"""The Salesforce REST API as the adapter calls it: SOQL followed to the last page, sObject
Collections, and the limits and errors that end a run.

- A 401 `INVALID_SESSION_ID` renews the session (the secret read afresh, as after a rotation)
  and tries again, once.
- 403 (`REQUEST_LIMIT_EXCEEDED`, or any refusal of the whole org or user) ends the run at once:
  no retry, no further call. 5xx and transport failures are tried `attempts` times with
  backoff, then end the run; a create (POST) is never sent twice, as it may have been applied:
  the next run finds what it created. Another 4xx refuses that one call (`Refused`): the caller
  fails the records it carried and goes on.
- `Sforce-Limit-Info` (`api-usage=used/limit`) is read off every answer, for `log_usage`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import urllib3

from socialscore.aws.http import TRANSPORT_ERRORS, backoff
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped
from socialscore.crm.salesforce_auth import (
    Answer,
    Auth,
    Exchange,
    error_of,
    read_json,
    refuse_redirect,
)
from socialscore.crm.salesforce_records import CURRENCY_PROBE, ORG_CURRENCY

_USAGE = re.compile(r"(?:^|[\s;,])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class OrgCurrency:
    multi: bool  # a multi-currency org: records carry CurrencyIsoCode
    default: str | None  # the org's currency, read only where records carry none


# Per container, like the session, by domain and client id: an org's currencies do not change
# between runs (multi-currency, once on, cannot be turned off).
_ORGS: dict[tuple[str, str], OrgCurrency] = {}


class Refused(Exception):
    """Salesforce refused one call (a 4xx but auth and limits): its records fail, nothing else."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


class SalesforceApi:
    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        api_version: str,
        *,
        pool: urllib3.PoolManager,
        sleep: Callable[[float], None],
        timeout: urllib3.Timeout,
        attempts: int = 3,
        backoff_seconds: float = 1.0,
    ) -> None:
        self.data_path = f"/services/data/{api_version}"
        self._exchange = Exchange(pool, timeout)
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self.auth = Auth(credentials, self._exchange, attempts=attempts, pause=self._pause)
        self.calls = 0  # REST API requests, retries included: what the daily limit counts
        self.usage: tuple[int, int] | None = None  # (used, limit) from the latest answer

    # --- what the adapter asks -----------------------------------------------------------
    def query(self, soql: str, *, all_rows: bool = False) -> list[dict[str, Any]]:
        """Every row, following `nextRecordsUrl` to the end (and a child list's, if paged).
        `all_rows` asks QueryAll, which also answers the records deleted (a merge's loser among
        them) and the archived Tasks that Query leaves out:
        https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html"""
        rows: list[dict[str, Any]] = []
        resource = "queryAll" if all_rows else "query"
        page = self.call("GET", f"{self.data_path}/{resource}?{urlencode({'q': soql})}")
        while True:
            for row in page.get("records") or []:
                for value in row.values():
                    if isinstance(value, dict) and "records" in value:
                        value["records"] = self._rest_of(value)
                rows.append(row)
            if page.get("done", True):
                return rows
            page = self.call("GET", self._next(page.get("nextRecordsUrl")))

    def _rest_of(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        records = list(page.get("records") or [])
        while not page.get("done", True):
            page = self.call("GET", self._next(page.get("nextRecordsUrl")))
            records += page.get("records") or []
        return records

    def collection(self, method: str, path: str, records: list[dict[str, Any]]) -> list[Any]:
        """One sObject Collections call, allOrNone=false: one result per record, in order."""
        body = {"allOrNone": False, "records": records}
        url = f"{self.data_path}/composite/sobjects{path}"
        # A create may have been applied when its answer was lost: never sent twice.
        return _results(self.call(method, url, body, idempotent=method != "POST"), len(records))

    def delete(self, ids: list[str]) -> list[Any]:
        query = urlencode({"ids": ",".join(ids), "allOrNone": "false"}, safe=",")
        answer = self.call("DELETE", f"{self.data_path}/composite/sobjects?{query}")
        return _results(answer, len(ids))

    def org_currency(self) -> OrgCurrency:
        """Whether records carry CurrencyIsoCode (a multi-currency org), else the org's own
        currency: asked once per container (one call; two in a single-currency org)."""
        self.auth.session()
        assert self.auth.key is not None  # the credentials were read for the session
        org = self.auth.key
        if org not in _ORGS:
            try:
                self.query(CURRENCY_PROBE)
                _ORGS[org] = OrgCurrency(multi=True, default=None)
            except Refused as refused:
                if refused.code != "INVALID_FIELD":  # the field a single-currency org lacks
                    raise
                rows = self.query(ORG_CURRENCY)
                default = rows[0].get("DefaultCurrencyIsoCode") if rows else None
                _ORGS[org] = OrgCurrency(multi=False, default=default)
        return _ORGS[org]

    def log_usage(self) -> None:
        if self.usage is not None:
            used, limit = self.usage
            logger().info(
                "Salesforce API usage",
                extra={"api_used": used, "api_limit": limit, "api_remaining": limit - used},
            )

    # --- one call ------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, idempotent: bool = True) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        return read_json(self.send(method, path, payload, headers, idempotent=idempotent).body)

    def send(
        self,
        method: str,
        path: str,
        payload: bytes | None,
        headers: dict[str, str],
        *,
        idempotent: bool = True,
    ) -> Answer:
        """One API call, its body as given (JSON, or a Bulk job's CSV), the answer as it came."""
        renewed, attempt = False, 0
        while True:
            session = self.auth.session()
            self.calls += 1
            bearer = headers | {"Authorization": f"Bearer {session.access_token}"}
            try:
                answer = self._exchange.send(method, session.instance_url + path, payload, bearer)
            except TRANSPORT_ERRORS as err:
                problem = f"transport_{type(err).__name__}"
            else:
                self._note_usage(answer)
                if answer.status < 300:
                    return answer
                code, message = error_of(answer)
                if answer.status == 401 and not renewed:
                    self.auth.renew()  # an expired session, or a rotated secret
                    renewed = True
                    continue
                if answer.status < 500:
                    _stop_or_refuse(answer, code, message)
                problem = f"http_{answer.status}_{code}"
            attempt += 1
            if not idempotent or attempt >= self._attempts:
                logger().error("Salesforce unavailable", extra={"problem": problem})
                raise CrmStopped(problem)
            logger().warning(
                "Salesforce call failed", extra={"problem": problem, "attempt": attempt}
            )
            self._pause(attempt)

    def _pause(self, attempt: int) -> None:
        self._sleep(backoff(self._backoff, attempt))

    def _note_usage(self, answer: Answer) -> None:
        found = _USAGE.search(answer.headers.get("sforce-limit-info", ""))
        if found:
            self.usage = (int(found.group(1)), int(found.group(2)))

    def _next(self, url: object) -> str:
        """A next page's URL: a path on this instance's data API, never another host."""
        parts = urlsplit(str(url or ""))
        if parts.scheme or parts.netloc or not parts.path.startswith(f"{self.data_path}/query"):
            logger().error("Salesforce named an unexpected next page: not followed")
            raise CrmStopped("unexpected_next_records_url")
        return str(url)


def _stop_or_refuse(answer: Answer, code: str, message: str) -> NoReturn:
    if 300 <= answer.status < 400:
        refuse_redirect(answer)
    if answer.status in (401, 403):
        # The daily limit, or the org or user refused as a whole: no retry, no further call.
        logger().error("Salesforce stopped the run", extra={"status": answer.status, "code": code})
        raise CrmStopped(code or f"http_{answer.status}")
    raise Refused(answer.status, code or f"http_{answer.status}", message)


def _results(answer: Any, expected: int) -> list[Any]:
    """One result per record sent, or the answer is unreadable: no record can be said written."""
    if not isinstance(answer, list) or len(answer) != expected:
        logger().error("Salesforce collection answer unreadable", extra={"expected": expected})
        raise CrmStopped("unreadable_answer")
    return [r if isinstance(r, dict) else {} for r in answer]

"""A stub of the Salesforce REST API on 127.0.0.1, for the tests and `make demo --crm salesforce`.

It behaves like the real API where socialscore depends on it:
- `POST /services/oauth2/token` (client credentials): the app's id and secret checked, else 400
  `invalid_client`; `expire_tokens` makes every call a 401 `INVALID_SESSION_ID` until renewed;
- `GET /services/data/vXX.X/query?q=`: the SOQL of `salesforce_soql` on an in-memory org whose
  custom fields are the repository's metadata, `page_size` rows a page behind `nextRecordsUrl`;
  archived Tasks and deleted records (a merge's loser among them) are left out, and
  `queryAll?q=` answers them too (IsDeleted, IsArchived);
- sObject Collections (`salesforce_collections`): update by Id, create, upsert by External ID,
  delete; more than 200 records a 400 `EXCEEDED_ID_LIMIT`, each record answered on its own
  (a Unique field's value taken: `DUPLICATE_VALUE`; a deleted or merged record:
  `ENTITY_IS_DELETED`); Cases as well as the metadata's objects;
- Bulk API 2.0 ingest jobs (`salesforce_bulk`): created, uploaded, closed, then committed
  `bulk.chunk` rows (10,000, Salesforce's batch) every `bulk.polls` polls, an abort keeping the
  chunks committed; results and failures as CSV;
- `Sforce-Limit-Info: api-usage=used/limit` on every API answer, 403 `REQUEST_LIMIT_EXCEEDED`
  past `api_limit`; on demand, `fail_next` (403, 503 `SERVER_UNAVAILABLE`, 500),
  `lose_next_answer` (applied, unanswered), `redirect_next` and `reject` (a record refused);
  `latency` seconds before each answer, as a real org's round trip; the token endpoint's own
  `token_latency` (small by default: an OAuth round trip) and `lose_next_token` (a token
  issued, its answer lost). Both are taken through `sleep`: a test hands a simulated clock's.

    with SalesforceStub() as sf:
        sf.seed(opportunities)
        crm = SalesforceCrm(lambda refresh: sf.credentials)
        ...
        sf.influence()  # what landed, by Key__c
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from socialscore_local.crm_stubs.salesforce_bulk import BulkJobs
from socialscore_local.crm_stubs.salesforce_collections import Collections, Failure
from socialscore_local.crm_stubs.salesforce_org import Org
from socialscore_local.crm_stubs.salesforce_seed import Seeding
from socialscore_local.crm_stubs.salesforce_server import (
    DROPPED,
    FAILURES,
    Call,
    LoopbackJsonServer,
    errors,
    read_json,
)
from socialscore_local.crm_stubs.salesforce_soql import Pages, SoqlError


@dataclass
class SalesforceStub(Seeding, LoopbackJsonServer):
    # A client id of its own: a warm adapter's session and org facts (per domain and client id)
    # never carry over to the next stub, even on a port the last one had.
    client_id: str = field(default_factory=lambda: f"stub-client-{secrets.token_hex(6)}")
    client_secret: str = "stub-client-secret"  # noqa: S105 (the stub's own)
    api_version: str = "v62.0"
    page_size: int = 2000
    child_page_size: int | None = None  # None: a child list comes whole
    multi_currency: bool = True
    default_currency: str = "USD"
    api_limit: int = 15_000  # daily API requests
    default_owner: str = "005000000000001AAA"
    instance_url: str | None = None  # what the token answer names; None: the stub itself
    latency: float = 0.0  # seconds each API answer takes
    token_latency: float = 0.01  # seconds each token answer takes
    sleep: Callable[[float], None] = time.sleep  # how latency is taken
    api_used: int = 0
    calls: list[Call] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    users: set[str] = field(default_factory=set)
    _tokens: set[str] = field(default_factory=set)
    # The next API calls' fates: None answers normally, a status refuses the call before any
    # work, DROPPED does the work and loses the answer.
    _failures: list[int | None] = field(default_factory=list)
    _redirects: list[tuple[int, str]] = field(default_factory=list)
    _tokens_lost: list[bool] = field(default_factory=list)  # the next token requests' fates
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.org = Org(multi_currency=self.multi_currency, default_currency=self.default_currency)
        self.users.add(self.default_owner)
        self.collections = Collections(self.org, self.users)
        self.pages = Pages(self.data_path)
        self.bulk = BulkJobs(self.org, self.collections, self.api_version, self.default_owner)

    # --- control -------------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        """The secret JSON an operator would put in CrmCredentials, for this stub."""
        return {
            "domain": self.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def fail_next(self, status: int = 503, times: int = 1, after: int = 0) -> None:
        """Answer `status` to `times` API calls, once `after` more were answered normally."""
        with self._lock:
            self._failures.extend([None] * after + [status] * times)

    def redirect_next(self, status: int, location: str, times: int = 1) -> None:
        """Answer the next requests with a redirect, before any check (a wrong domain, or
        something between the client and Salesforce, answers so)."""
        with self._lock:
            self._redirects.extend([(status, location)] * times)

    def lose_next_answer(self, times: int = 1, after: int = 0) -> None:
        """Do the work of `times` API calls (once `after` more were answered), then close the
        connection unanswered: the client cannot tell whether they were applied."""
        with self._lock:
            self._failures.extend([None] * after + [DROPPED] * times)

    def lose_next_token(self, times: int = 1, after: int = 0) -> None:
        """Issue the token of `times` token requests (once `after` more were answered), then
        close the connection unanswered: a session the client never hears of."""
        with self._lock:
            self._tokens_lost.extend([False] * after + [True] * times)

    def reject(self, value: str, code: str, message: str) -> None:
        """Refuse every record written that carries `value` (its Id, external id or a lookup),
        e.g. reject(key, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Amount must be positive")."""
        with self._lock:
            self.collections.rejects[value] = (code, message)

    # --- reading back --------------------------------------------------------------------
    def records(self, sobject: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.org.records[sobject].values()]

    def record(self, record_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self.org.find(record_id)
            return dict(found[1]) if found else None

    def contact(self, contact_id: str) -> dict[str, Any] | None:
        return self.record(contact_id)

    def opportunity(self, opportunity_id: str) -> dict[str, Any] | None:
        return self.record(opportunity_id)

    def influence(self) -> dict[str, dict[str, Any]]:
        """The Social_Influence__c records by Key__c."""
        return {r["Key__c"]: r for r in self.records("Social_Influence__c")}

    def tasks(self) -> list[dict[str, Any]]:
        return self.records("Task")

    def cases(self) -> list[dict[str, Any]]:
        return self.records("Case")

    def calls_of(self, kind: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.kind == kind]

    @property
    def data_path(self) -> str:
        return f"/services/data/{self.api_version}"

    # --- the API -------------------------------------------------------------------------
    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        document = (
            read_json(body)
            if headers.get("content-type", "").startswith("application/json")
            else None
        )
        pause = self.token_latency if parts.path.endswith("/oauth2/token") else self.latency
        if pause:
            self.sleep(pause)  # outside the lock: calls in flight overlap, as they do
        with self._lock:
            authorization = headers.get("authorization", "")
            self.calls.append(Call(method, parts.path, query, document, authorization))
            if self._redirects:
                status, location = self._redirects.pop(0)
                answer: tuple[int, Any, dict[str, str]] = (status, [], {"Location": location})
            elif parts.path == "/services/oauth2/token" and method == "POST":
                status, document = self._token(parse_qs(body.decode()))
                lost = self._tokens_lost.pop(0) if self._tokens_lost else False
                answer = (DROPPED if lost else status, document, {})
            else:
                status, document = self._api(
                    method, parts.path, query, (document, body), authorization
                )
                usage = {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_limit}"}
                answer = (status, document, usage)
            self.statuses.append(answer[0])
            return answer

    def _token(self, form: dict[str, list[str]]) -> tuple[int, Any]:
        def value(name: str) -> str:
            return (form.get(name) or [""])[0]

        if value("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant type not supported",
            }
        if (value("client_id"), value("client_secret")) != (self.client_id, self.client_secret):
            return 400, {
                "error": "invalid_client",
                "error_description": "invalid client credentials",
            }
        token = f"00DSTUB!{secrets.token_urlsafe(24)}"
        self._tokens.add(token)
        return 200, {
            "access_token": token,
            "instance_url": self.instance_url or self.url,
            "id": f"{self.url}/id/00D000000000001AAA/{self.default_owner}",
            "token_type": "Bearer",
            "issued_at": str(int(datetime.now().timestamp() * 1000)),
            "signature": "stub",
            "scope": "api",
        }

    def _api(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: tuple[Any, bytes],
        authorization: str,
    ) -> tuple[int, Any]:
        if authorization.removeprefix("Bearer ") not in self._tokens:
            return 401, errors(*FAILURES[401])
        failure = self._failures.pop(0) if self._failures else None
        if failure is not None and failure != DROPPED:
            return failure, errors(*FAILURES.get(failure, ("UNKNOWN_EXCEPTION", "failed")))
        if self.api_used >= self.api_limit:
            return 403, errors(*FAILURES[403])
        self.api_used += 1
        try:
            status, answer = self._route(method, path, query, body)
            return (DROPPED if failure == DROPPED else status), answer
        except SoqlError as err:
            return 400, errors(err.code, err.message)
        except Failure as err:
            return err.status, errors(err.code, err.message)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: tuple[Any, bytes]
    ) -> tuple[int, Any]:
        rest = path.removeprefix(self.data_path)
        if rest == path:
            raise Failure(404, "NOT_FOUND", "The requested resource does not exist")
        if method == "GET" and rest.rstrip("/") in ("/query", "/queryAll"):
            soql = (query.get("q") or [""])[0]
            rows = self.org.query(soql, all_rows=rest.startswith("/queryAll"))
            return 200, self.pages.first(rows, self.page_size, self.child_page_size)
        if method == "GET" and rest.startswith(("/query/", "/queryAll/")):
            return 200, self.pages.next(rest.split("/", 2)[2])
        if rest == "/jobs/ingest" or rest.startswith("/jobs/ingest/"):
            return self.bulk.handle(method, rest.removeprefix("/jobs/ingest"), *body)
        if rest == "/composite/sobjects" or rest.startswith("/composite/sobjects/"):
            answer = self.collections.handle(
                method, rest.removeprefix("/composite/sobjects"), query, body[0]
            )
            return 200, answer
        raise Failure(404, "NOT_FOUND", "The requested resource does not exist")

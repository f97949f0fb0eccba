"""sellers import, identities import: who is who, from a CSV file a person keeps in a sheet.

Every row is checked before anything is written, by the domain's own rules for each field (a
network user id as the webhooks take it, an id that ends up in a DynamoDB key held to the key
limit, no character SQS cannot carry): a file with one bad row writes nothing, and every bad
row is named by its line. Sellers go straight into the SellersTable; identity links go, as
`Identify` messages, to the resolve stage, which links identities for SMMS identify events
too: the contact is then scored with its identities' history, and marked for crm_sync.

A bad row is told by field and reason, never by its values: a cell may hold a handle.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from socialscore.aws.batch import chunks
from socialscore.aws.sqs import SqsQueue
from socialscore.domain.interaction import (
    ConsentBasis,
    ContactId,
    Identify,
    Network,
    OwnerId,
    UserId,
    UtcDatetime,
    identity_key,
    queueable,
)
from socialscore.domain.limits import key_part
from socialscore.domain.messages import Seller
from socialscore.report.blocks import FORMULA_STARTS
from socialscore.store import dynamo
from socialscore_ops.commands import Result, command
from socialscore_ops.output import Progress
from socialscore_ops.stack import OpsError, Stack

SOURCE = "ops"  # an Identify's source, kept with the link as `ops:<event id>`
PROGRESS_FROM = 1_000  # rows: a smaller file is done before a bar would tell anything
WRITES = 250  # sellers per progress step (BatchWriteItem takes 25 a call)
SENDS = 1_000  # identity links per progress step (one SendMessageBatch of 10 packs of 100)

# A seller id is part of the seller counters' keys; a team is a CRM field and an attribution
# channel: both travel in the score queue's messages, so both as an id the stores can key.
RegistryId = Annotated[
    str, Field(min_length=1), AfterValidator(queueable), AfterValidator(key_part)
]


class SellerRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    network: Network
    network_user_id: UserId
    seller_id: RegistryId
    team: RegistryId

    @property
    def identity(self) -> str:
        return identity_key(self.network, self.network_user_id)


class IdentityRow(BaseModel):
    """A link as an SMMS identify event gives it; linked_at as its occurred_at (default: now)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    network: Network
    network_user_id: UserId
    contact_id: ContactId
    consent_basis: ConsentBasis
    linked_at: UtcDatetime | None = None
    owner_id: OwnerId | None = None

    @property
    def identity(self) -> str:
        return identity_key(self.network, self.network_user_id)


Row = TypeVar("Row", SellerRow, IdentityRow)
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # a signed number: no formula in any sheet
# Cells read case-insensitively where the domain has a fixed vocabulary: a sheet's "X".
LOWERED = {"network", "consent_basis"}


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    for noun, run, what in (
        ("sellers", import_sellers, "register sellers and brand accounts (SellersTable)"),
        ("identities", import_identities, "link known contacts' social accounts (via resolve)"),
    ):
        parser = verbs.add_parser(noun, help=what, description=what)
        nouns = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        one = command(nouns, shared, "import", run, f"{what}, from a CSV file")
        model = SellerRow if noun == "sellers" else IdentityRow
        one.add_argument("file", type=Path, metavar="FILE.csv", help=_FILE)
        one.epilog = f"Columns: {', '.join(_columns(model))}. {_NOTES[noun]}"
        if noun == "identities":  # and the doubtful matches from the CRM's fields
            from socialscore_ops import identity_review

            identity_review.add(nouns, shared)


_FILE = "UTF-8 (Excel's CSV UTF-8 too), comma-separated, a header row first"
_NOTES = {
    "sellers": "A seller already registered is replaced.",
    "identities": "consent_basis: opt_in or source_asserted; linked_at: ISO 8601 with a time "
    "zone, the import's time when empty. An identity linked later than linked_at keeps its link. "
    "owner_id: the contact's owner in the CRM, whom its hot leads and complaints go to.",
}


def _columns(model: type[BaseModel]) -> list[str]:
    return [n if f.is_required() else f"{n} (optional)" for n, f in model.model_fields.items()]


def import_sellers(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    path: Path = args.file
    rows, read = load(path, SellerRow)
    table = stack.table("SellersTable")
    # The item Sellers.register writes, 25 to a BatchWriteItem.
    items = [
        {"identity": r.identity, **Seller(seller_id=r.seller_id, team=r.team).model_dump()}
        for _, r in rows
    ]
    requests = [{"PutRequest": {"Item": dynamo.to_item(item)}} for item in items]
    progress = _progress("sellers", len(requests))
    for chunk in chunks(requests, WRITES):
        dynamo.batch_write(table, chunk)
        progress.advance(len(chunk))
    progress.close()
    data = {"file": str(path), "rows": read, "written": len(requests), "table": table}
    return Result(
        data, f"{path.name}: {_n(read, 'row')} read, {_n(len(requests), 'seller')} written"
    )


def import_identities(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    path: Path = args.file
    rows, read = load(path, IdentityRow)
    now = datetime.now(UTC).replace(microsecond=0)
    correlation = f"ops-{uuid.uuid4()}"  # follows the import's links through the logs
    messages = [(str(line), _identify(row, now).model_dump_json()) for line, row in rows]
    queue = SqsQueue(stack.queue_url("ResolveQueue"))
    progress = _progress("identities", len(messages))
    unsent: list[str] = []
    for chunk in chunks(messages, SENDS):
        unsent += queue.send(chunk, {mid: correlation for mid, _ in chunk})
        progress.advance(len(chunk))
    progress.close()
    if unsent:
        lines = ", ".join(unsent[:10]) + (" ..." if len(unsent) > 10 else "")
        raise OpsError(
            f"{path.name}: SQS did not take the links of lines {lines} ({len(unsent)} of "
            f"{len(messages)}): import the file again (a link queued twice is linked once)"
        )
    data = {
        "file": str(path),
        "rows": read,
        "queued": len(messages),
        "queue": "ResolveQueue",
        "correlation_id": correlation,
    }
    return Result(
        data,
        f"{path.name}: {_n(read, 'row')} read, {_n(len(messages), 'identity link')} queued "
        f"(correlation id {correlation}).\nThe resolve stage links them on its next run: each "
        "contact is then scored with its identities' history and marked for crm_sync.",
    )


def _identify(row: IdentityRow, now: datetime) -> Identify:
    at = row.linked_at or now
    # The same row imported again is the same event: Identities keeps the source event's id.
    parts = [row.identity, row.contact_id, row.consent_basis, at.isoformat()]
    what = "\x1f".join(parts + ([row.owner_id] if row.owner_id else []))
    return Identify(
        event_id="csv-" + hashlib.sha256(what.encode()).hexdigest()[:32],
        source=SOURCE,
        network=row.network,
        network_user_id=row.network_user_id,
        contact_id=row.contact_id,
        consent_basis=row.consent_basis,
        occurred_at=at,
        owner_id=row.owner_id,
    )


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _progress(label: str, total: int) -> Progress:
    # sys.stderr as it is now (a caller may have redirected it), not as Progress's default was;
    # a small file's bar goes nowhere.
    return Progress(label, total, sys.stderr if total >= PROGRESS_FROM else io.StringIO())


# --- reading and checking the file -----------------------------------------------------------
def load(path: Path, model: type[Row]) -> tuple[list[tuple[int, Row]], int]:
    """(line, row) of every row, and how many rows were read; every bad row on stderr and an
    OpsError if there is one. Line 1 is the header."""
    rows: list[tuple[int, Row]] = []
    bad: list[str] = []
    read = 0
    seen: dict[str, int] = {}  # identity -> the line that has it
    for line, cells in _records(path, model):
        read += 1
        if isinstance(cells, str):
            bad.append(f"line {line}: {cells}")
            continue
        try:
            row = model.model_validate(cells)
        except ValidationError as err:
            bad.append(f"line {line}: {_reasons(err)}")
            continue
        first = seen.setdefault(row.identity, line)
        if first != line:  # two rows for one account: which one was meant?
            bad.append(f"line {line}: the same network and network_user_id as line {first}")
            continue
        rows.append((line, row))
    if bad:
        for reason in bad:
            print(f"socialscore: {path.name} {reason}", file=sys.stderr)
        raise OpsError(f"{path.name}: {len(bad):,} bad rows of {read:,}: nothing written")
    return rows, read


def _records(path: Path, model: type[BaseModel]) -> list[tuple[int, dict[str, str] | str]]:
    """(line, the row's non-empty cells by column) of each row that is not blank, or (line,
    why the row cannot be read). Excel's BOM and CRLF line ends are read as any other."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OpsError(f"no file {path}") from None
    except UnicodeDecodeError:
        raise OpsError(f"{path.name} is not UTF-8 text: save it as CSV UTF-8") from None
    except OSError as err:
        raise OpsError(f"cannot read {path}: {err.strerror}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, dict[str, str] | str]] = []
    try:
        names = _header(path, next(reader, []), model)
        for values in reader:
            if not any(v.strip() for v in values):  # a blank line, or one of empty cells
                continue
            if len(values) != len(names):
                out.append((reader.line_num, f"{len(values)} cells, the header has {len(names)}"))
                continue
            formulas = [
                f"{n}: {why}" for n, v in zip(names, values, strict=True) if (why := _formula(v))
            ]
            if formulas:
                out.append((reader.line_num, "; ".join(formulas)))
                continue
            cells = {n: v.strip() for n, v in zip(names, values, strict=True) if v.strip()}
            out.append((reader.line_num, {n: _vocabulary(n, v) for n, v in cells.items()}))
    except csv.Error as err:
        raise OpsError(f"{path.name} line {reader.line_num}: not CSV: {err}") from None
    return out


def _formula(cell: str) -> str | None:
    """Why a spreadsheet would run this cell as a formula, or None. OWASP's CSV injection list
    (https://owasp.org/www-community/attacks/CSV_Injection): a cell starting with =, +, -, @, a
    tab or a carriage return (after any spaces). A number is no formula: `-12` or `+3.5` stays
    a number in any sheet, so a cell of only a sign and digits passes; `+1 555 0100` does not.
    Refused rather than quoted: a value written back later (a report's CSV, the CRM) is met
    again by a sheet, and nothing here needs such a value."""
    text = cell.lstrip(" ")
    if not text.startswith(FORMULA_STARTS) or NUMBER.fullmatch(text.strip()):
        return None
    first = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], f"'{text[0]}'")
    return f"starts with {first}: a spreadsheet would run it as a formula"


def _vocabulary(column: str, value: str) -> str:
    return value.lower() if column in LOWERED else value


def _header(path: Path, header: Sequence[str], model: type[BaseModel]) -> list[str]:
    columns = ", ".join(_columns(model))
    names = [h.strip().lower() for h in header]
    if not any(names):
        raise OpsError(f"{path.name} is empty: its first line names the columns: {columns}")
    unknown = [n or "(empty)" for n in names if n not in model.model_fields]
    if unknown:
        hint = " (is it separated by semicolons? save it as CSV)" if ";" in names[0] else ""
        raise OpsError(
            f"{path.name}: unknown column {', '.join(unknown)}{hint}: the columns are {columns}"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    missing = [n for n, f in model.model_fields.items() if f.is_required() and n not in names]
    if twice or missing:
        problem = f"column {', '.join(twice)} twice" if twice else f"no {', '.join(missing)}"
        raise OpsError(f"{path.name}: {problem} in the header: the columns are {columns}")
    return names


def _reasons(err: ValidationError) -> str:
    """Each field at fault and why, without the values (include_input=False)."""
    errors = err.errors(include_url=False, include_input=False, include_context=False)
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in errors)

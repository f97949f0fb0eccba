"""Each function's role (template.yaml `Policies`) allows every AWS call its code path makes.

moto grants every action, so no other test would fail when a call's permission is missing: AWS
would refuse the call on a deployed stack. Each list below is what the function's code calls
(functions/<f>/ handler -> wiring -> pipeline -> store), on exactly the table, index, queue,
secret or bus it names; a call made inside a TransactWriteItems needs its own action's
permission (Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem, ConditionCheck ->
ConditionCheckItem: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
transaction-apis-iam.html) and a Query on an index needs the index's ARN
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-specific-table-indexes.html).
A new call without its grant fails here. The consumers' own queue reads (SQSPollerPolicy) are
checked in test_template.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.template import test_template as base

Grant = tuple[str, Any]


def grants(function: str) -> list[Grant]:
    """(action, resource) of every statement of the function's policies: conditional ones by
    their granting branch, SAM's AWSSecretsManagerGetSecretValuePolicy as the action it grants."""
    found: list[Grant] = []
    for policy in base.TEMPLATE.resources[function]["Properties"]["Policies"]:
        if "Fn::If" in policy:
            policy = policy["Fn::If"][1]
        if "AWSSecretsManagerGetSecretValuePolicy" in policy:
            secret = policy["AWSSecretsManagerGetSecretValuePolicy"]["SecretArn"]
            found.append(("secretsmanager:GetSecretValue", secret))
        for statement in policy.get("Statement", []):
            found += [
                (action, resource)
                for action in _as_list(statement["Action"])
                for resource in _as_list(statement["Resource"])
            ]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def table(name: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, "Arn"]}


def index(name: str, index_name: str) -> dict[str, Any]:
    return {"Fn::Sub": f"${{{name}.Arn}}/index/{index_name}"}


def queue(name: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, "Arn"]}


def secret(name: str) -> dict[str, Any]:
    return {"Ref": name}


MODEL = (  # aws.config.scoring_model: Powertools' get_parameter, when ScoringModelParameter is set
    "ssm:GetParameter",
    {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"
        "${ScoringModelParameter}"
    },
)
DEFAULT_BUS = {
    "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
}

# The engage-now queue's reads (pipeline.engage, on wiring.reads.engage_reader).
ENGAGE_READS: list[Grant] = [
    ("dynamodb:Query", index("LedgerTable", "engage")),  # store.engage.acts
    ("dynamodb:Query", table("LedgerTable")),  # an actor's touches: Ledger.touches_of
    ("dynamodb:BatchGetItem", table("LedgerTable")),  # answered marks: EngageStore.answered
    ("dynamodb:BatchGetItem", table("ScoresTable")),  # Scores.profile_units
    ("dynamodb:BatchGetItem", table("SellersTable")),  # Sellers.of_accounts
    ("dynamodb:BatchGetItem", table("IdentitiesTable")),  # Identities.contacts_of
]

# store.contact_sync, after every link write: the links and the organic items read, then a
# transaction per moved identity: a ConditionCheck of the link, Updates (a Delete of a stub or
# of a contact item counting 0) of the profile's and the contacts' items.
LINK_SYNC: list[Grant] = [
    ("dynamodb:BatchGetItem", table("IdentitiesTable")),
    ("dynamodb:ConditionCheckItem", table("IdentitiesTable")),
    ("dynamodb:BatchGetItem", table("ScoresTable")),
    ("dynamodb:UpdateItem", table("ScoresTable")),
    ("dynamodb:DeleteItem", table("ScoresTable")),
    ("dynamodb:ConditionCheckItem", table("ScoresTable")),  # no rebuild running (its marker)
]

NEEDED: dict[str, list[Grant]] = {
    "IngestFunction": [
        ("sqs:SendMessage", queue("RehydrateQueue")),  # SendMessageBatch: aws.sqs
        ("sqs:SendMessage", queue("ScoreQueue")),  # retractions
        ("secretsmanager:GetSecretValue", secret("WebhookSecrets")),
        ("dynamodb:PutItem", table("DeliveriesTable")),  # DeliveriesTable.claim: a first sight
        ("dynamodb:GetItem", table("DeliveriesTable")),  # a repeat: the claim read
        ("dynamodb:UpdateItem", table("DeliveriesTable")),  # DeliveriesTable.queued
        MODEL,  # Meta's and LinkedIn's comment words
    ],
    "RehydrateFunction": [
        ("dynamodb:BatchGetItem", table("PostCacheTable")),  # store.post_cache
        ("dynamodb:BatchWriteItem", table("PostCacheTable")),  # put; a deleted post forgotten
        ("sqs:SendMessage", queue("ResolveQueue")),
        ("sqs:SendMessage", queue("RehydrateQueue")),  # rate-limited, sent back with a delay
        ("secretsmanager:GetSecretValue", secret("XApiCredentials")),
        ("secretsmanager:GetSecretValue", secret("LinkedInApiCredentials")),
        MODEL,
    ],
    "ResolveFunction": [
        # pipeline.resolution.relink: Identities.contacts_of and .link read in BatchGetItem,
        # .link puts each changed link (conditional); SyncState.mark_changed an UpdateItem.
        ("dynamodb:BatchGetItem", table("IdentitiesTable")),
        ("dynamodb:PutItem", table("IdentitiesTable")),
        ("dynamodb:UpdateItem", table("IdentitiesTable")),  # store.identity_counts
        ("dynamodb:UpdateItem", table("SyncStateTable")),
        ("dynamodb:BatchGetItem", table("SellersTable")),  # Sellers.of_accounts
        *LINK_SYNC,
        ("sqs:SendMessage", queue("ScoreQueue")),
        ("sqs:SendMessage", queue("ResolveQueue")),  # a split pack's failed messages
    ],
    "ScoreFunction": [
        # store.ledger's TransactWriteItems (Ledger._actions)
        ("dynamodb:PutItem", table("LedgerTable")),  # an entry; Ledger.delete_post's marker
        ("dynamodb:ConditionCheckItem", table("LedgerTable")),  # post deleted?
        ("dynamodb:UpdateItem", table("ScoresTable")),  # counts, rollups (store.scores)
        ("dynamodb:DeleteItem", table("ScoresTable")),  # an item counting 0
        ("dynamodb:UpdateItem", table("SyncStateTable")),  # change marks, erasures, CRM work
        # reads and the rest
        ("dynamodb:BatchGetItem", table("LedgerTable")),  # items settled; complaints' flags
        ("dynamodb:BatchWriteItem", table("LedgerTable")),  # erasure; flags; answered marks
        ("dynamodb:Query", table("LedgerTable")),  # a profile's entries (erasure, routing)
        ("dynamodb:Query", index("LedgerTable", "by_own_post")),  # a deleted post's acts
        ("dynamodb:BatchGetItem", table("ScoresTable")),  # profile_units: hot leads, routing
        ("dynamodb:BatchGetItem", table("IdentitiesTable")),  # owners_of (routing)
        ("dynamodb:BatchWriteItem", table("IdentitiesTable")),  # unlink (erasure)
        ("dynamodb:PutItem", table("IdentitiesTable")),  # Identities.bar (erasure)
        ("dynamodb:Query", index("IdentitiesTable", "by_contact")),  # a contact's identities
        *LINK_SYNC,  # an erasure's unlink
        ("sqs:SendMessage", queue("ScoreQueue")),  # a deleted post's second sweep
        ("events:PutEvents", DEFAULT_BUS),  # hot leads, complaints
        MODEL,
    ],
    "CrmSyncFunction": [
        ("dynamodb:BatchGetItem", table("IdentitiesTable")),  # links, linked_at, owners
        ("dynamodb:UpdateItem", table("IdentitiesTable")),  # set_owner; identity_counts
        ("dynamodb:PutItem", table("IdentitiesTable")),  # links from contacts' social fields
        ("dynamodb:BatchWriteItem", table("IdentitiesTable")),  # links taken off
        ("dynamodb:Query", index("IdentitiesTable", "by_contact")),  # a contact's identities
        ("dynamodb:Scan", index("IdentitiesTable", "by_contact")),  # the daily pass's pages
        *LINK_SYNC,  # links from the contacts' social fields
        ("dynamodb:Query", table("LedgerTable")),  # touches (influence, activities)
        ("dynamodb:BatchGetItem", table("ScoresTable")),  # Scores.profile_units
        # store.sync_state, store.identity_review (review queue, erased, bookmark), activities'
        # due records (SyncState.pushed / .save)
        ("dynamodb:BatchGetItem", table("SyncStateTable")),
        ("dynamodb:BatchWriteItem", table("SyncStateTable")),
        ("dynamodb:UpdateItem", table("SyncStateTable")),
        # store.run_lease: lease#crm_sync only (the statement's condition)
        ("dynamodb:PutItem", table("SyncStateTable")),
        ("dynamodb:GetItem", table("SyncStateTable")),
        ("dynamodb:DeleteItem", table("SyncStateTable")),
        # the CRM's, with HubSpot's timeline app and Marketo's in the same secret
        ("secretsmanager:GetSecretValue", secret("CrmCredentials")),
        ("secretsmanager:GetSecretValue", secret("XApiCredentials")),  # X's user lookup
        MODEL,
    ],
    "AttributionFunction": [
        ("dynamodb:BatchGetItem", table("IdentitiesTable")),  # Identities.contacts_of
        ("dynamodb:Query", index("IdentitiesTable", "by_contact")),  # identities_of
        ("dynamodb:Query", table("LedgerTable")),  # Ledger.touches_of
        ("dynamodb:Scan", table("LedgerTable")),  # LedgerProfiles: a first build's profiles
        ("dynamodb:Scan", table("SyncStateTable")),  # every_opportunity, until indexed
        ("dynamodb:Query", index("SyncStateTable", "by_created")),  # every_opportunity
        ("dynamodb:BatchGetItem", table("SyncStateTable")),  # change marks; opportunities
        ("dynamodb:PutItem", table("SyncStateTable")),  # the hold; ChannelShares.save
        ("dynamodb:BatchWriteItem", table("SyncStateTable")),  # folded marks deleted
        ("dynamodb:GetItem", table("JourneysTable")),  # store.journey_state: the book
        ("dynamodb:BatchGetItem", table("JourneysTable")),  # summaries, pointers, deals
        ("dynamodb:PutItem", table("JourneysTable")),  # a step committed
        ("dynamodb:UpdateItem", table("JourneysTable")),  # its pending writes done
        ("dynamodb:BatchWriteItem", table("JourneysTable")),
        MODEL,
    ],
    "ReportFunction": [
        *ENGAGE_READS,  # the engage-now section
        ("dynamodb:Scan", table("ScoresTable")),  # report.snapshot: Scores.read_all
        ("dynamodb:Scan", table("LedgerTable")),  # Ledger.every_touch
        ("dynamodb:Scan", table("IdentitiesTable")),  # Identities.all_contacts
        ("dynamodb:Scan", table("SyncStateTable")),  # SyncState.every_opportunity
        ("dynamodb:Query", index("ScoresTable", "by_day")),  # store.rollups, Scores.hot
        ("dynamodb:Query", index("ScoresTable", "by_units")),  # Scores.ranked: top, spread
        ("dynamodb:Query", index("SyncStateTable", "by_created")),  # store.opportunities
        # report.lazy_grouping (Identities.identities_of): the hot leads, the highest score
        ("dynamodb:Query", index("IdentitiesTable", "by_contact")),
        ("dynamodb:BatchGetItem", table("SyncStateTable")),  # BucketTallyStore.built_counts
        ("dynamodb:BatchGetItem", table("PostCacheTable")),  # posts' authors
        # store.rollup_fold's transactions (day# items only: the grant's LeadingKeys condition)
        ("dynamodb:UpdateItem", table("ScoresTable")),
        ("dynamodb:DeleteItem", table("ScoresTable")),
        ("dynamodb:ConditionCheckItem", table("ScoresTable")),
        ("s3:PutObject", {"Fn::Sub": "${ReportBucket.Arn}/report/latest.html"}),
        MODEL,
    ],
    "EngageFunction": [*ENGAGE_READS, MODEL],
}


def test_every_function_is_listed() -> None:
    assert set(NEEDED) == set(base.STAGES)


@pytest.mark.parametrize("function", sorted(NEEDED))
def test_each_function_may_make_every_call_its_code_makes(function: str) -> None:
    held = grants(function)
    assert [n for n in NEEDED[function] if n not in held] == []


def test_the_score_function_may_make_each_action_of_the_ledger_s_transactions() -> None:
    """store.ledger's TransactWriteItems: each action needs its own item permission."""
    needed = [
        ("dynamodb:PutItem", table("LedgerTable")),  # an entry
        ("dynamodb:ConditionCheckItem", table("LedgerTable")),  # post deleted?
        ("dynamodb:UpdateItem", table("ScoresTable")),  # counts, rollups
        ("dynamodb:DeleteItem", table("ScoresTable")),  # an item counting 0
        ("dynamodb:UpdateItem", table("SyncStateTable")),  # change marks
    ]
    assert [n for n in needed if n not in grants("ScoreFunction")] == []


@pytest.mark.parametrize("function", ["ResolveFunction", "CrmSyncFunction"])
def test_a_linker_writes_only_the_identities_and_contacts_items_of_the_scores(
    function: str,
) -> None:
    """The link sync's writes of the scores table are held to `profile#` and `contact#` items
    (dynamodb:LeadingKeys): a linker never writes a post's counters nor a rollup."""
    writes = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:PutItem"}
    for policy in base.TEMPLATE.resources[function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []):
            if table("ScoresTable") not in _as_list(statement["Resource"]):
                continue
            if not writes & set(_as_list(statement["Action"])):
                continue
            keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            assert set(keys) <= {"profile#*", "contact#*", "day#*"}, keys
            assert "profile#*" in keys or keys == ["day#*"]

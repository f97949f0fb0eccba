"""What socialscore keeps in a HubSpot account: its property group and properties, the custom
object that holds the influence breakdown, and the keys that open a hot-lead task and a
complaint ticket once.

One definition, read by the adapter (what it writes) and by the `setup` command (what it creates),
so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialscore.domain.scoring_model import ScoringModel

GROUP = "socialscore"
GROUP_LABEL = "socialscore"

# Contacts
ORGANIC_SCORE = "socialscore_organic_score"
PAID_SCORE = "socialscore_paid_score"
MODEL_VERSION = "socialscore_model_version"
LAST_ORGANIC_TOUCH = "socialscore_last_organic_touch"  # datetime
# enumeration (checkbox: several values, `;`-separated), an option per bucket of the model. HubSpot
# refuses a value the property has no option for (INVALID_OPTION): setup adds the missing ones.
BUCKETS = "socialscore_buckets"
CONTACT_SCORE_PROPERTIES = (ORGANIC_SCORE, PAID_SCORE, MODEL_VERSION, LAST_ORGANIC_TOUCH, BUCKETS)
OWNER = "hubspot_owner_id"  # HubSpot's own: the contact's owner, who gets its hot-lead task

# Deals: the headline of the primary attribution model
ATTRIBUTED_AMOUNT = "socialscore_attributed_amount"
ATTRIBUTION_MODEL = "socialscore_attribution_model"
TOUCHES = "socialscore_touches"

# Tasks: the profile whose hot lead the task is. A plain property: HubSpot documents no unique
# values on tasks, so the adapter finds a contact's tasks by association (hubspot_tasks).
HOT_LEAD_KEY = "socialscore_hot_lead_key"
HOT_LEAD_SUBJECT = "Hot lead: social engagement"
# HUBSPOT_DEFINED association type task -> contact, from HubSpot's table of default
# association type ids: developers.hubspot.com/docs/api/crm/associations (v4).
TASK_TO_CONTACT = 204

# Tickets: one per complaining act, with the act's key as a unique value, so HubSpot refuses a
# second. Tickets take one: "Historically, HubSpot has provided unique property support for
# Companies, Deals, Tickets, and Custom Objects" (the changelog that added contacts to them,
# developers.hubspot.com/changelog/unique-properties-for-contacts); the properties API's
# `hasUniqueValue` is the flag (developers.hubspot.com/changelog/updating-objects-by-custom-field-
# and-adding-owner-properties-via-the-api).
COMPLAINT_KEY = "socialscore_complaint_key"
TICKET_PIPELINE = "0"  # the account's default support pipeline
TICKET_STAGE = "1"  # its first stage, "New"
TICKET_PRIORITY = "HIGH"
TICKET_TO_CONTACT = 16  # HUBSPOT_DEFINED ticket -> contact (the same table as above)

# The breakdown: one custom object record per seller / post / model, upserted by `key`.
INFLUENCE_OBJECT = "socialscore_influence"
# `p_<name>` addresses a custom object by its name in every portal, where its objectTypeId
# (2-<n>) and fully qualified name (p<portal id>_<name>) differ from account to account.
INFLUENCE_TYPE = f"p_{INFLUENCE_OBJECT}"
INFLUENCE_KEY = "key"
INFLUENCE_FIELDS = ("opportunity_id", "model", "seller_id", "team", "post", "network")
# bool: the record is the primary attribution model's. A report summing `amount` filtered on it
# sums each deal once; unfiltered it adds every configured model's split of the same deal.
PRIMARY_MODEL = "primary_model"
# The group HubSpot gives a custom object's properties: where setup adds one to an existing object.
INFLUENCE_GROUP = f"{INFLUENCE_OBJECT}_information"


@dataclass(frozen=True)
class Prop:
    name: str
    label: str
    type: str  # HubSpot's `type`: string, number, datetime
    field_type: str  # and its `fieldType`: text, number, date
    description: str = ""
    unique: bool = False
    options: tuple[tuple[str, str], ...] = ()  # an enumeration's (value, label)s

    def definition(self, group: str | None = GROUP) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
        }
        if group:
            body["groupName"] = group
        if self.unique:
            body["hasUniqueValue"] = True
        if self.type in ("enumeration", "bool"):
            body["options"] = options(self.options)
        return body


def options(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    return [
        {"value": value, "label": label, "displayOrder": n, "hidden": False}
        for n, (value, label) in enumerate(pairs)
    ]


def buckets(model: ScoringModel) -> Prop:
    """The contact property of the model's buckets: options from the model, none in the code."""
    return Prop(
        BUCKETS,
        "Social buckets",
        "enumeration",
        "checkbox",
        "Scoring model segments the contact is in (socialscore buckets)",
        options=tuple((r.name, r.label) for r in model.buckets),
    )


def _text(name: str, label: str, description: str = "", unique: bool = False) -> Prop:
    return Prop(name, label, "string", "text", description, unique)


def _number(name: str, label: str, description: str = "") -> Prop:
    return Prop(name, label, "number", "number", description)


def _datetime(name: str, label: str, description: str = "") -> Prop:
    # A date and a time (a `date` property holds midnight UTC only); its field is a date picker.
    return Prop(name, label, "datetime", "date", description)


PROPERTIES: dict[str, tuple[Prop, ...]] = {
    "contacts": (
        _number(ORGANIC_SCORE, "Organic social score", "Decayed score of organic interactions"),
        _number(PAID_SCORE, "Paid social score", "Decayed score of paid interactions"),
        _text(MODEL_VERSION, "Social scoring model", "Scoring model version of the scores"),
        _datetime(
            LAST_ORGANIC_TOUCH,
            "Last organic social touch",
            "Latest organic interaction over the contact's social identities (paid ones excluded)",
        ),
    ),
    "deals": (
        _number(ATTRIBUTED_AMOUNT, "Social influence amount", "Amount credited to organic social"),
        _text(ATTRIBUTION_MODEL, "Social attribution model", "Model of the influence amount"),
        _number(TOUCHES, "Social touches", "Organic touches before the deal was created"),
    ),
    "tasks": (_text(HOT_LEAD_KEY, "socialscore hot-lead profile", "One task per profile"),),
    "tickets": (
        _text(COMPLAINT_KEY, "socialscore complaint", "One ticket per complaint", unique=True),
    ),
}

INFLUENCE_PROPERTIES: tuple[Prop, ...] = (
    _text(INFLUENCE_KEY, "Key", "External id: opportunity, model and seller or post", True),
    _text("opportunity_id", "Deal id"),
    _text("model", "Attribution model"),
    _text("seller_id", "Seller"),
    _text("team", "Team"),
    _text("post", "Post"),
    _text("network", "Network"),
    _number("amount", "Amount"),
    _text("currency", "Currency"),
    _number("touches", "Touches"),
    Prop(
        PRIMARY_MODEL,
        "Primary model",
        "bool",
        # developers.hubspot.com/docs/api/crm/properties: a bool's fieldType is booleancheckbox
        "booleancheckbox",
        "Yes on the primary attribution model's records: filter on it to sum each deal once",
        options=(("true", "Yes"), ("false", "No")),
    ),
)


def influence_schema() -> dict[str, Any]:
    """The body of POST /crm/v3/schemas for the breakdown object."""
    return {
        "name": INFLUENCE_OBJECT,
        "labels": {"singular": "Social influence", "plural": "Social influence"},
        "description": "socialscore: a deal's amount credited to one seller or post, by model",
        "primaryDisplayProperty": INFLUENCE_KEY,
        "secondaryDisplayProperties": ["amount", "seller_id"],
        "requiredProperties": [INFLUENCE_KEY],
        "searchableProperties": [INFLUENCE_KEY, "opportunity_id", "seller_id", "post"],
        "properties": [p.definition(group=None) for p in INFLUENCE_PROPERTIES],
        "associatedObjects": ["DEAL"],
    }

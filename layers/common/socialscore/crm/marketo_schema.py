"""What socialscore keeps in a Marketo Engage instance: its custom lead fields and its custom
activity type, one definition read by the adapter (what it writes) and by `crm-setup marketo`
(what it creates), so the two cannot drift apart.

Marketo is not a CRM of opportunities (its opportunities are synced from the CRM), so all of it
sits on the lead: the scores, the buckets, the last organic touch, a hot lead as a field that
changes (what a smart campaign's "Data Value Changes" trigger listens to), the latest complaint
as fields that change, and each interaction as a custom activity on the lead.

Lead field API names start with a letter and hold letters, digits and underscores; a field is
created with `POST /rest/v1/leads/schema/fields.json`, whose `dataType` is one of boolean,
currency, date, datetime, email, float, integer, percent, phone, score, string, url
(developer.adobe.com/marketo-apis/api/mapi, CreateLeadField; experienceleague.adobe.com/en/docs/
marketo-developer/marketo/rest/lead-database/leads, "Create Fields"). A custom activity type
has a primary attribute and up to 20 secondary ones, of string, boolean, integer, float, link,
email, currency, date, datetime, phone or text (.../rest/lead-database/activities, "Custom
Activity Types"); a subscription holds about 10 custom activity types, socialscore uses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Leads: the scores (floats), the scoring model, the last organic touch (a date and time), the
# buckets (a string: Marketo's API creates no multi-select field, so `;`-separated names that a
# smart list matches with "contains").
ORGANIC_SCORE = "socialscoreOrganicScore"
PAID_SCORE = "socialscorePaidScore"
MODEL_VERSION = "socialscoreModelVersion"
LAST_ORGANIC_TOUCH = "socialscoreLastOrganicTouch"
BUCKETS = "socialscoreBuckets"
# A hot lead: the boolean turns true (a smart campaign triggers on that change) and the score
# that crossed is kept beside it. Setting true again changes nothing, so a push sent twice
# (a lost answer) triggers no second campaign run.
HOT_LEAD = "socialscoreHotLead"
HOT_LEAD_SCORE = "socialscoreHotLeadScore"
# A complaint: the latest complaining act's time, phrases and link (ids only). A new complaint
# changes the time, which a smart campaign triggers on; the same one pushed again changes
# nothing.
COMPLAINT_AT = "socialscoreComplaintAt"
COMPLAINT_PHRASES = "socialscoreComplaintPhrases"
COMPLAINT_LINK = "socialscoreComplaintLink"

SCORE_FIELDS = (ORGANIC_SCORE, PAID_SCORE, MODEL_VERSION, LAST_ORGANIC_TOUCH, BUCKETS)
# What an erasure empties: every socialscore field of the lead.
ERASED_FIELDS = (
    *SCORE_FIELDS,
    HOT_LEAD,
    HOT_LEAD_SCORE,
    COMPLAINT_AT,
    COMPLAINT_PHRASES,
    COMPLAINT_LINK,
)

# The custom activity type: one per interaction, on its lead.
ACTIVITY_TYPE = "socialscoreInteraction"
SUMMARY = "summary"  # the primary attribute: one line, shown in the lead's activity log
INTERACTION_ID = "interactionId"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Field:
    name: str  # the API name
    label: str  # the display name: unique in the instance, no special characters
    data_type: str
    description: str = ""

    def lead_field(self) -> dict[str, Any]:
        """A CreateLeadField input."""
        return {
            "name": self.name,
            "displayName": self.label,
            "dataType": self.data_type,
            "description": self.description,
        }

    def attribute(self) -> dict[str, Any]:
        """A CustomActivityTypeAttribute."""
        return {
            "apiName": self.name,
            "name": self.label,
            "dataType": self.data_type,
            "description": self.description,
        }


LEAD_FIELDS: tuple[Field, ...] = (
    Field(ORGANIC_SCORE, "Social Organic Score", "float", "Decayed score of organic interactions"),
    Field(PAID_SCORE, "Social Paid Score", "float", "Decayed score of paid interactions"),
    Field(MODEL_VERSION, "Social Scoring Model", "string", "Scoring model version of the scores"),
    Field(
        LAST_ORGANIC_TOUCH,
        "Last Organic Social Touch",
        "datetime",
        "Latest organic interaction over the lead's social identities",
    ),
    Field(BUCKETS, "Social Buckets", "string", "Scoring model buckets, separated by ;"),
    Field(HOT_LEAD, "Social Hot Lead", "boolean", "True once the organic score crossed"),
    Field(HOT_LEAD_SCORE, "Social Hot Lead Score", "float", "Organic score when it crossed"),
    Field(COMPLAINT_AT, "Social Complaint At", "datetime", "Latest complaining act's time"),
    Field(COMPLAINT_PHRASES, "Social Complaint Phrases", "string", "Complaint phrases it hit"),
    Field(COMPLAINT_LINK, "Social Complaint Link", "url", "Link to the complaining post"),
)

PRIMARY = Field(SUMMARY, "Summary", "string", "What the person did, ids only")
ATTRIBUTES: tuple[Field, ...] = (
    Field(INTERACTION_ID, "Interaction Id", "string", "socialscore's id of the act"),
    Field("network", "Network", "string", "The network: x, linkedin, facebook, instagram..."),
    Field("kind", "Kind", "string", "like, share, quote, comment, mention, follow, click"),
    Field("postLink", "Post Link", "link", "The brand's or seller's post, a link from ids"),
    Field("sellerId", "Seller", "string", "The seller credited"),
    Field("paid", "Paid", "boolean", "A paid touch"),
    Field("points", "Points", "float", "What the scoring model gave the act"),
    Field("intent", "Intent", "boolean", "Its words hit intent keywords"),
    Field("complaint", "Complaint", "boolean", "Its words hit complaint phrases"),
    Field(WITHDRAWN, "Withdrawn", "boolean", "The act was taken back or its person erased"),
)


def activity_type() -> dict[str, Any]:
    """The body of POST /rest/v1/activities/external/type.json (its attributes are added apart,
    by attributes/create.json)."""
    return {
        "apiName": ACTIVITY_TYPE,
        "name": "Social Interaction",
        "description": "socialscore: an interaction with the brand's or a seller's post",
        "triggerName": "Interacts on Social - socialscore",
        "filterName": "Interacted on Social - socialscore",
        "primaryAttribute": {
            "apiName": PRIMARY.name,
            "name": PRIMARY.label,
            "description": PRIMARY.description,
        },
    }

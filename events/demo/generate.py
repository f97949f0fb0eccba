"""Demo data: posts, sellers, SMMS webhook deliveries and CRM opportunities for the local runtime.

Deterministic (seeded), stdlib and socialscore only. From the repository root:

    .venv/bin/python events/demo/generate.py

It writes posts.json, sellers.json, webhooks.json and opportunities.json beside itself, and
prints what they hold. Everything is checked first, against the real models and against itself
(every permalink names a post in posts.json, every interaction follows its post, duplicates are
verbatim); on any inconsistency nothing is written.

The story: a brand account and three sellers post in early October 2026. About forty X users
like, share, quote, comment, mention, follow and click until 20 November. The SMMS delivers in
batches of 1-10 events, re-sends some events in later batches, retries whole batches, sends two
malformed batches (400), and links a dozen users to CRM contacts, mostly after they interacted.
One post is deleted: its interactions are dropped by rehydrate. A few likes and clicks are paid.
One user likes the same post twice (two event ids): it counts once. Two users complain at the
end (a linked contact's reply, an anonymous user's quote that also names a buying word), each
delivered three times: one Complaint event each, one CRM case for the contact's.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from socialscore.domain import permalink
from socialscore.domain.interaction import Category, Kind, category_of, normalise_tags
from socialscore.domain.messages import Seller
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.post import PostFacts
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.links import own_words
from socialscore.sources.smms import SmmsWebhook

Json = dict[str, Any]

OUT = Path(__file__).resolve().parent
SEED = 7
NETWORK = "x"
TWITTER_EPOCH_MS = 1288834974657  # X snowflake ids count milliseconds from here
WINDOW_START = datetime(2026, 10, 5, tzinfo=UTC)  # interactions happen in this window
WINDOW_END = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
IDENTIFY_END = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
OPPORTUNITIES_CREATED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

ACTORS = 40
RANDOM_INTERACTIONS = 216
IDENTIFIED_TOP = 6  # the most active actors are identified, and as many others at random
IDENTIFIED_RANDOM = 6
DUPLICATES = 12
RETRIES = 3
MAX_BATCH = 10
BATCH_SIZE_WEIGHTS = (1, 1, 2, 2, 3, 4, 5, 6, 6, 5)  # weight of sizes 1..10
INTENT_SHARE = 0.22  # of comments, quotes and mentions

# Random interactions (clicks come only from the scripted ones, all but one paid).
KIND_WEIGHTS = {
    Kind.LIKE: 75,
    Kind.SHARE: 13,
    Kind.COMMENT: 10,
    Kind.QUOTE: 5,
    Kind.MENTION: 5,
    Kind.FOLLOW: 3,
}
KINDS_WITH_POST = (Kind.SHARE, Kind.QUOTE, Kind.COMMENT, Kind.MENTION)
ONCE_ONLY = (Kind.LIKE, Kind.SHARE, Kind.FOLLOW)  # a user likes, reposts or follows a thing once

FIRST_NAMES = (
    "mara", "devon", "priya", "tomas", "lena", "kofi", "aiko", "rafa", "jonas", "sofia",
    "imani", "noah", "elif", "mateo", "yara", "owen", "nadia", "arjun", "hana", "felix",
    "zoe", "luca", "amara", "theo", "ines", "kenji", "maya", "omar", "freya", "sami",
)  # fmt: skip
HANDLE_SUFFIXES = (
    "ops", "data", "cto", "builds", "eng", "cloud", "dev", "ciso", "it", "infra", "pm", "bi",
)  # fmt: skip

# Texts of the users' own posts: (template, the intent keywords it must hit). `{handle}` is
# the target post's author. Text lives in posts.json only; socialscore keeps the hits.
INTENT_TEXTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("We're evaluating vendors for exactly this. How do you handle SSO?", ("evaluating vendors",)),
    ("What does pricing look like for a 200-seat team?", ("pricing",)),
    ("@{handle} could we get a demo next week? Our data team is keen.", ("demo",)),
    ("Adding this to our RFP for Q1.", ("rfp",)),
    ("You just made our shortlist. Who should we talk to?", ("shortlist",)),
    (
        "We are switching from spreadsheets in January and this looks like a fit.",
        ("switching from",),
    ),
    ("Is pricing public, or is it demo first?", ("demo", "pricing")),
)
PLAIN_TEXTS: tuple[str, ...] = (
    "Congrats on the launch!",
    "Great thread, thanks for sharing.",
    "This is a really clear explanation.",
    "Bookmarked for Monday.",
    "Interesting numbers. How was this measured?",
    "Love the new dashboard.",
    "Same experience here, @{handle}.",
    "Worth a read.",
    "Couldn't agree more.",
    "Talking about this with @{handle} at the meetup today.",
)
# Complaints (template, the complaint phrases it must hit): no intent bonus, whatever buying
# word they also hold ("evaluating vendors" below earns nothing).
COMPLAINT_TEXTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("@{handle} the export is still broken since the update. Not working for the whole team.",
     ("not working", "still broken")),
    ("Third outage this month. We are evaluating vendors again.", ("outage",)),
)  # fmt: skip
COMPLAINED_AT = (
    datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
    datetime(2026, 11, 19, 15, 30, tzinfo=UTC),
)


class TargetSpec(NamedTuple):
    seller_id: str
    created_at: datetime
    text: str
    attention: int  # relative weight among random interactions; 0: scripted ones only
    deleted: bool = False
    quotes: int | None = None  # index of the target post this one quotes


TARGETS = (
    TargetSpec("brand", datetime(2026, 10, 1, 14, 0, tzinfo=UTC), "Meet Acme Insights.", 10),
    TargetSpec("brand", datetime(2026, 10, 3, 16, 30, tzinfo=UTC), "Webinar on the 14th.", 4),
    TargetSpec("s-ana", datetime(2026, 10, 2, 9, 15, tzinfo=UTC), "Five questions for CIOs.", 5),
    TargetSpec(
        "s-ana", datetime(2026, 10, 6, 11, 40, tzinfo=UTC), "Proud of this team.", 3, quotes=0
    ),
    TargetSpec(
        "s-ben", datetime(2026, 10, 2, 18, 5, tzinfo=UTC), "Q4 roadmap, a thread.", 0, deleted=True
    ),
    TargetSpec("s-chloe", datetime(2026, 10, 4, 10, 20, tzinfo=UTC), "Data quality myths.", 4),
)
LAUNCH, WEBINAR, ANA_POST, DELETED = 0, 1, 2, 4

SELLER_SPECS = (  # (seller_id, team, handle)
    ("brand", "marketing", "acmeinsights"),
    ("s-ana", "enterprise", "ana_at_acme"),
    ("s-ben", "enterprise", "ben_sells_data"),
    ("s-chloe", "enterprise", "chloe_acme"),
)
UNLINKED_CONTACT = "003A000099"  # a CRM contact no social user is linked to


class InconsistentDemo(ValueError):
    """The generated data contradicts the models or itself: nothing is written."""


@dataclass(frozen=True)
class Account:
    user_id: str
    handle: str


@dataclass(frozen=True)
class SellerAccount:
    account: Account
    seller_id: str
    team: str


@dataclass(frozen=True)
class Post:
    post_id: str
    author: Account
    created_at: datetime
    referenced_post_id: str | None = None
    text: str | None = None
    deleted: bool = False

    def as_json(self) -> Json:
        out: Json = {
            "network": NETWORK,
            "post_id": self.post_id,
            "author_id": self.author.user_id,
            "created_at": stamp(self.created_at),
        }
        if self.referenced_post_id is not None:
            out["referenced_post_id"] = self.referenced_post_id
        if self.text is not None:
            out["text"] = self.text
        if self.deleted:
            out["deleted"] = True
        return out


@dataclass
class Demo:
    """Everything generated so far; the random source is the only state that moves."""

    rng: random.Random
    sellers: list[SellerAccount]
    actors: list[Account]
    actor_weights: list[float]
    targets: list[Post]
    own_posts: list[Post] = field(default_factory=list)
    expected_hits: dict[str, tuple[str, ...]] = field(default_factory=dict)  # post id -> hits
    expected_complaints: dict[str, tuple[str, ...]] = field(default_factory=dict)  # -> phrases
    used_ids: set[str] = field(default_factory=set)
    acted: set[tuple[str, Kind, str]] = field(default_factory=set)  # (actor, kind, object)

    def seller(self, seller_id: str) -> SellerAccount:
        return next(s for s in self.sellers if s.seller_id == seller_id)

    def event_id(self) -> str:
        return self._unique(lambda: f"evt_{self.rng.getrandbits(96):024x}")

    def post_id(self, created_at: datetime) -> str:
        return self._unique(lambda: snowflake(created_at, self.rng))

    def user_id(self) -> str:
        """Older X accounts have small sequential ids, newer ones snowflakes."""
        if self.rng.random() < 0.6:
            return self._unique(lambda: str(self.rng.randint(10_000_000, 3_999_999_999)))
        joined = datetime(2013, 1, 1, tzinfo=UTC) + timedelta(days=self.rng.randint(0, 4000))
        return self._unique(lambda: snowflake(joined, self.rng))

    def _unique(self, make: Callable[[], str]) -> str:
        while (candidate := make()) in self.used_ids:
            pass
        self.used_ids.add(candidate)
        return candidate


# --- ids, times, links ---------------------------------------------------------------------


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def snowflake(at: datetime, rng: random.Random) -> str:
    """An X snowflake id: milliseconds since X's epoch, then 22 bits of machine and sequence."""
    ms = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | rng.getrandbits(22))


def link(post: Post, rng: random.Random) -> str:
    """A permalink as SMMSs send them: mostly x.com, some legacy and mobile twitter.com."""
    path = f"/{post.author.handle}/status/{post.post_id}"
    roll = rng.random()
    if roll < 0.7:
        return f"https://x.com{path}"
    if roll < 0.85:
        return f"https://twitter.com{path}?s=20"
    return f"https://mobile.twitter.com{path}"


def random_time(rng: random.Random, after: datetime) -> datetime:
    """A time in the window after `after`, denser early on, as attention to a post decays."""
    start = max(WINDOW_START, after + timedelta(minutes=10))
    offset = (WINDOW_END - start).total_seconds() * rng.random() ** 1.7
    return (start + timedelta(seconds=offset)).replace(microsecond=0)


# --- accounts and target posts ---------------------------------------------------------------


def make_sellers(demo: Demo) -> list[SellerAccount]:
    return [
        SellerAccount(Account(demo.user_id(), handle), seller_id, team)
        for seller_id, team, handle in SELLER_SPECS
    ]


def make_handle(rng: random.Random, taken: set[str]) -> str:
    while True:
        handle = f"{rng.choice(FIRST_NAMES)}_{rng.choice(HANDLE_SUFFIXES)}"
        if rng.random() < 0.4:
            handle += str(rng.randint(1, 99))
        if handle not in taken and len(handle) <= 15:
            taken.add(handle)
            return handle


def make_actors(demo: Demo) -> None:
    taken = {s.account.handle for s in demo.sellers}
    demo.actors = [Account(demo.user_id(), make_handle(demo.rng, taken)) for _ in range(ACTORS)]
    # A few users are very active, most interact a handful of times.
    demo.actor_weights = [1 / (rank + 1) ** 0.5 for rank in range(ACTORS)]


def make_targets(demo: Demo) -> None:
    for spec in TARGETS:
        quoted = demo.targets[spec.quotes].post_id if spec.quotes is not None else None
        demo.targets.append(
            Post(
                post_id=demo.post_id(spec.created_at),
                author=demo.seller(spec.seller_id).account,
                created_at=spec.created_at,
                referenced_post_id=quoted,
                text=spec.text,
                deleted=spec.deleted,
            )
        )


def new_demo(rng: random.Random) -> Demo:
    demo = Demo(rng=rng, sellers=[], actors=[], actor_weights=[], targets=[])
    demo.sellers = make_sellers(demo)
    make_actors(demo)
    make_targets(demo)
    return demo


# --- interaction events ----------------------------------------------------------------------


def tags_for(demo: Demo, target: Post, kind: Kind) -> list[str]:
    tags = ["branded" if target.author == demo.seller("brand").account else "employee"]
    return [*tags, "retweet"] if kind is Kind.SHARE else tags


def own_post(
    demo: Demo,
    kind: Kind,
    actor: Account,
    target: Post,
    at: datetime,
    complaint: tuple[str, tuple[str, ...]] | None = None,
) -> Post:
    """The post a share, quote, comment or mention is; its text is only for intent and
    complaint matching. `complaint`: its words (template, phrases), instead of a random text."""
    text: str | None = None
    hits: tuple[str, ...] = ()
    if complaint is not None:
        text = complaint[0].format(handle=target.author.handle)
    elif kind is not Kind.SHARE:
        if demo.rng.random() < INTENT_SHARE:
            template, hits = demo.rng.choice(INTENT_TEXTS)
        else:
            template = demo.rng.choice(PLAIN_TEXTS)
        if kind is Kind.MENTION and "@{handle}" not in template:
            template = "@{handle} " + template
        text = template.format(handle=target.author.handle)
    post = Post(
        post_id=demo.post_id(at),
        author=actor,
        created_at=at,
        referenced_post_id=None if kind is Kind.MENTION else target.post_id,
        text=text,
    )
    demo.own_posts.append(post)
    demo.expected_hits[post.post_id] = hits
    demo.expected_complaints[post.post_id] = complaint[1] if complaint else ()
    return post


def post_event(
    demo: Demo,
    kind: Kind,
    actor: Account,
    target: Post,
    at: datetime,
    tags: list[str] | None = None,
    complaint: tuple[str, tuple[str, ...]] | None = None,
) -> Json:
    """An interaction on a post; kinds that are posts themselves get their own in posts.json."""
    demo.acted.add((actor.user_id, kind, target.post_id))
    event: Json = {
        "type": "interaction",
        "id": demo.event_id(),
        "network": NETWORK,
        "kind": kind.value,
        "actor_id": actor.user_id,
        "target_permalink": link(target, demo.rng),
    }
    if kind in KINDS_WITH_POST:
        own = own_post(demo, kind, actor, target, at, complaint)
        event["interaction_permalink"] = link(own, demo.rng)
    event["tags"] = tags if tags is not None else tags_for(demo, target, kind)
    event["occurred_at"] = stamp(at)
    return event


def follow_event(demo: Demo, actor: Account, followed: SellerAccount, at: datetime) -> Json:
    demo.acted.add((actor.user_id, Kind.FOLLOW, followed.account.user_id))
    return {
        "type": "interaction",
        "id": demo.event_id(),
        "network": NETWORK,
        "kind": Kind.FOLLOW.value,
        "actor_id": actor.user_id,
        "target_user_id": followed.account.user_id,
        "tags": ["employee"],
        "occurred_at": stamp(at),
    }


def draw(demo: Demo) -> tuple[Kind, Account, Post | SellerAccount]:
    """A kind, a user (a few are very active) and what they act on: a post, or a seller."""
    rng = demo.rng
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    actor = rng.choices(demo.actors, weights=demo.actor_weights)[0]
    if kind is Kind.FOLLOW:
        return kind, actor, rng.choice([s for s in demo.sellers if s.seller_id != "brand"])
    live = [(p, s.attention) for p, s in zip(demo.targets, TARGETS, strict=True) if s.attention]
    return kind, actor, rng.choices([p for p, _ in live], weights=[w for _, w in live])[0]


def random_interaction(demo: Demo) -> Json:
    """A random act, never a second like, repost or follow of the same thing by the same user."""
    while True:
        kind, actor, thing = draw(demo)
        thing_id = thing.account.user_id if isinstance(thing, SellerAccount) else thing.post_id
        if kind not in ONCE_ONLY or (actor.user_id, kind, thing_id) not in demo.acted:
            break
    if isinstance(thing, SellerAccount):
        return follow_event(demo, actor, thing, random_time(demo.rng, WINDOW_START))
    return post_event(demo, kind, actor, thing, random_time(demo.rng, thing.created_at))


def moment(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def scripted_interactions(demo: Demo) -> list[Json]:
    """The cases the demo must show, whatever the random draw."""
    actor = demo.actors
    launch, webinar = demo.targets[LAUNCH], demo.targets[WEBINAR]
    deleted, ana = demo.targets[DELETED], demo.targets[ANA_POST]
    paid = ["branded", "paid"]
    return [
        # The same user likes the launch twice (unlike, like again): two event ids, one touch.
        post_event(demo, Kind.LIKE, actor[3], launch, moment(8, 9, 12)),
        post_event(demo, Kind.LIKE, actor[3], launch, moment(19, 17, 45)),
        # The deleted post: rehydrate drops these (target_post_gone).
        post_event(demo, Kind.LIKE, actor[5], deleted, moment(5, 8, 30)),
        post_event(demo, Kind.LIKE, actor[11], deleted, moment(5, 13, 2)),
        post_event(demo, Kind.COMMENT, actor[8], deleted, moment(6, 10, 41)),
        post_event(demo, Kind.SHARE, actor[14], deleted, moment(7, 19, 5)),
        # Paid: the launch and the webinar were promoted. Tags arrive in any case.
        post_event(demo, Kind.LIKE, actor[20], launch, moment(9, 12, 0), ["Branded", "PAID"]),
        post_event(demo, Kind.LIKE, actor[27], launch, moment(10, 7, 33), ["Branded ", "Paid"]),
        post_event(demo, Kind.CLICK, actor[1], launch, moment(9, 15, 20), paid),
        post_event(demo, Kind.CLICK, actor[22], launch, moment(12, 11, 8), paid),
        post_event(demo, Kind.CLICK, actor[0], webinar, moment(13, 18, 47), paid),
        post_event(demo, Kind.CLICK, actor[31], webinar, moment(14, 8, 15), paid),
        # An organic click on a link in a seller's post.
        post_event(demo, Kind.CLICK, actor[2], ana, moment(21, 16, 30), ["employee"]),
    ]


def add_junk(demo: Demo, events: list[Json], count: int = 5) -> None:
    """Fields an SMMS sends that socialscore must not keep (text, handles): ingest drops them."""
    posts = {p.post_id: p for p in demo.targets}
    handles = {a.user_id: a.handle for a in demo.actors}
    on_posts = [e for e in events if "target_permalink" in e]
    for event in demo.rng.sample(on_posts, count):
        target = posts[permalink.parse(event["target_permalink"]).post_id]
        event["actor_handle"] = handles[event["actor_id"]]
        event["author_handle"] = target.author.handle
        event["text"] = target.text


# --- identify events -------------------------------------------------------------------------


def identify_events(demo: Demo, interactions: list[Json]) -> tuple[list[Json], list[str]]:
    """Link a dozen actors to CRM contacts; most links arrive after the actor's interactions."""
    rng = demo.rng
    activity = Counter(e["actor_id"] for e in interactions)
    ranked = [actor for actor, _ in activity.most_common()]
    chosen = ranked[:IDENTIFIED_TOP] + rng.sample(ranked[IDENTIFIED_TOP:], IDENTIFIED_RANDOM)
    events, contacts = [], []
    for n, actor_id in enumerate(chosen, start=1):
        times = sorted(
            parse_time(e["occurred_at"]) for e in interactions if e["actor_id"] == actor_id
        )
        if n % 4 == 0:  # known before they interact: a form fill with their X id
            when = times[0] - timedelta(hours=rng.randint(2, 48))
        else:
            when = min(times[-1] + timedelta(hours=rng.randint(1, 72)), IDENTIFY_END)
        contact = f"003A{n:06d}"
        contacts.append(contact)
        events.append(
            {
                "type": "identify",
                "id": demo.event_id(),
                "network": NETWORK,
                "network_user_id": actor_id,
                "contact_id": contact,
                "consent_basis": "source_asserted" if n % 3 == 0 else "opt_in",
                "occurred_at": stamp(when),
            }
        )
    return events, contacts


# --- deliveries ------------------------------------------------------------------------------


def batches(rng: random.Random, timeline: list[Json]) -> list[list[Json]]:
    """Events in time order, cut into deliveries of 1-10 (mostly fuller ones)."""
    out: list[list[Json]] = []
    start = 0
    while start < len(timeline):
        size = rng.choices(range(1, MAX_BATCH + 1), weights=BATCH_SIZE_WEIGHTS)[0]
        out.append(timeline[start : start + size])
        start += size
    return out


def add_duplicates(rng: random.Random, batches_: list[list[Json]]) -> None:
    """Re-send interaction events verbatim (same id) in a later delivery, as SMMSs do."""
    added = 0
    candidates = list(range(len(batches_) - 1))
    rng.shuffle(candidates)
    for index in candidates:
        later = [
            j
            for j in range(index + 1, min(index + 6, len(batches_)))
            if len(batches_[j]) < MAX_BATCH
        ]
        events = [e for e in batches_[index] if e["type"] == "interaction"]
        if not later or not events:
            continue
        target = batches_[rng.choice(later)]
        target.insert(rng.randint(0, len(target)), copy.deepcopy(rng.choice(events)))
        added += 1
        if added == DUPLICATES:
            return


def malformed_batches(demo: Demo) -> list[list[Json]]:
    """Two deliveries the API must refuse whole (400): nothing in them is queued."""
    launch, chloe = demo.targets[LAUNCH], demo.targets[len(TARGETS) - 1]
    missing_actor = post_event(demo, Kind.LIKE, demo.actors[6], launch, moment(16, 10, 0))
    del missing_actor["actor_id"]
    no_target = post_event(demo, Kind.LIKE, demo.actors[9], chloe, moment(2, 14, 30, month=11))
    no_target.update(kind=Kind.COMMENT.value)
    del no_target["target_permalink"]
    return [
        [post_event(demo, Kind.LIKE, demo.actors[4], launch, moment(16, 9, 58)), missing_actor],
        [
            no_target,
            post_event(demo, Kind.LIKE, demo.actors[7], chloe, moment(2, 14, 31, month=11)),
        ],
    ]


def deliveries(demo: Demo, timeline: list[Json]) -> list[Json]:
    """Replay order: batches with duplicates, two malformed ones, and whole-batch retries."""
    rng = demo.rng
    plan = [(202, batch) for batch in batches(rng, timeline)]
    add_duplicates(rng, [batch for _, batch in plan])
    bad_first, bad_second = malformed_batches(demo)
    plan.insert(len(plan) * 2 // 3, (400, bad_second))
    plan.insert(len(plan) // 3, (400, bad_first))
    accepted = [i for i, (status, _) in enumerate(plan) if status == 202]
    for index in sorted(rng.sample(accepted, RETRIES), reverse=True):
        plan.insert(index + 1, (202, copy.deepcopy(plan[index][1])))
    return [{"expect": status, "body": {"events": batch}} for status, batch in plan]


def complaint_deliveries(demo: Demo, identifies: list[Json]) -> list[Json]:
    """Two complaints, after everything else (the random draws above stay as they were): a
    reply by a linked contact not on any opportunity, and an anonymous user's quote. Their
    delivery is retried whole, and the reply re-sent in a later one: three reports each act."""
    linked = identifies[4]["network_user_id"]  # contacts[4]: on no opportunity
    known = {e["network_user_id"] for e in identifies}
    anonymous = next(a for a in demo.actors if a.user_id not in known)
    contact = next(a for a in demo.actors if a.user_id == linked)
    reply = post_event(
        demo, Kind.COMMENT, contact, demo.targets[LAUNCH], COMPLAINED_AT[0],
        complaint=COMPLAINT_TEXTS[0],
    )  # fmt: skip
    quote = post_event(
        demo, Kind.QUOTE, anonymous, demo.targets[ANA_POST], COMPLAINED_AT[1],
        complaint=COMPLAINT_TEXTS[1],
    )  # fmt: skip
    both = {"expect": 202, "body": {"events": [reply, quote]}}
    return [both, copy.deepcopy(both), {"expect": 202, "body": {"events": [copy.deepcopy(reply)]}}]


# --- CRM opportunities -----------------------------------------------------------------------


def opportunities(contacts: list[str]) -> list[Json]:
    specs = (  # (contacts, amount, currency, stage)
        ([contacts[0], contacts[1]], "48000.00", "USD", "Proposal/Price Quote"),
        ([contacts[2]], "125000.00", "USD", "Closed Won"),
        ([contacts[3], contacts[6]], "18500.00", "EUR", "Needs Analysis"),
        ([UNLINKED_CONTACT], "32000.00", "USD", "Qualification"),
    )
    out = []
    for n, (contact_ids, amount, currency, stage) in enumerate(specs, start=1):
        created = OPPORTUNITIES_CREATED + timedelta(hours=n)
        out.append(
            {
                "id": f"006A{n:06d}",
                "contact_ids": contact_ids,
                "amount": amount,
                "currency": currency,
                "created_at": stamp(created),
                "modified_at": stamp(created + timedelta(minutes=17 * n)),
                "stage": stage,
            }
        )
    return out


# --- checks ----------------------------------------------------------------------------------


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InconsistentDemo(message)


def accepted_events(hooks: list[Json]) -> list[Json]:
    return [e for d in hooks if d["expect"] == 202 for e in d["body"]["events"]]


def retried(hooks: list[Json]) -> int:
    """Deliveries that repeat the one before them verbatim."""
    return sum(1 for before, after in itertools.pairwise(hooks) if before == after)


def resent(hooks: list[Json]) -> int:
    """Events re-sent in a later delivery that is not a retry of a whole one."""
    seen: set[str] = set()
    count = 0
    for n, delivery in enumerate(hooks):
        if delivery["expect"] != 202 or (n and delivery == hooks[n - 1]):
            continue
        ids = [e["id"] for e in delivery["body"]["events"]]
        count += sum(1 for i in ids if i in seen)
        seen.update(ids)
    return count


def check_contract(hooks: list[Json]) -> None:
    """202 bodies validate as the API will validate them; 400 bodies fail."""
    for n, delivery in enumerate(hooks):
        require(1 <= len(delivery["body"]["events"]) <= MAX_BATCH, f"delivery {n}: size")
        try:
            SmmsWebhook.model_validate(delivery["body"])
            valid = True
        except ValidationError:
            valid = False
        require(valid == (delivery["expect"] == 202), f"delivery {n}: expect {delivery['expect']}")


def check_models(posts: list[Json], sellers: list[Json], opps: list[Json]) -> None:
    for post in posts:
        PostFacts.model_validate({k: v for k, v in post.items() if k not in {"text", "deleted"}})
        require(post["post_id"].isdigit() and len(post["post_id"]) in {18, 19}, "post id shape")
    require(len({p["post_id"] for p in posts}) == len(posts), "post ids are not unique")
    for seller in sellers:
        Seller.model_validate({k: seller[k] for k in ("seller_id", "team")})
    for opp in opps:
        Opportunity.model_validate(opp)


def check_references(hooks: list[Json], posts: list[Json], sellers: list[Json]) -> None:
    """Every link names a post in posts.json, every time follows its post, ids mean one event."""
    by_id = {p["post_id"]: p for p in posts}
    accounts = {s["network_user_id"] for s in sellers}
    seen: dict[str, Json] = {}
    for event in accepted_events(hooks):
        require(seen.setdefault(event["id"], event) == event, f"{event['id']}: id reused")
        if event["type"] == "interaction":
            check_interaction(event, by_id, accounts)


def check_interaction(event: Json, posts: dict[str, Json], accounts: set[str]) -> None:
    name, when = event["id"], parse_time(event["occurred_at"])
    require(WINDOW_START <= when <= WINDOW_END, f"{name}: outside the window")
    if "target_user_id" in event:
        require(event["target_user_id"] in accounts, f"{name}: follows a non-seller")
    if "target_permalink" in event:
        target = linked_post(event["target_permalink"], posts)
        require(parse_time(target["created_at"]) < when, f"{name}: before its post")
    if "interaction_permalink" in event:
        own = linked_post(event["interaction_permalink"], posts)
        require(own["author_id"] == event["actor_id"], f"{name}: own post by another user")
        require(parse_time(own["created_at"]) == when, f"{name}: own post at another time")


def linked_post(url: str, posts: dict[str, Json]) -> Json:
    post = posts.get(permalink.parse(url).post_id)
    if post is None:
        raise InconsistentDemo(f"{url}: no such post in posts.json")
    return post


def check_intent(demo: Demo) -> None:
    """Each own post hits exactly the keywords and complaint phrases its text was chosen for, as
    rehydrate matches them (a complaint keeps no intent hit)."""
    model = bundled()
    for post in demo.own_posts:
        found = own_words(post.text, model) if post.text else ((), ())
        expected = demo.expected_hits[post.post_id], demo.expected_complaints[post.post_id]
        wanted = tuple(tuple(sorted(e)) for e in expected)
        require(found == wanted, f"post {post.post_id}: hits {found}")
    require(sum(bool(c) for c in demo.expected_complaints.values()) == 2, "two complaints")


def check_story(hooks: list[Json]) -> None:
    """The cases the demo exists to show are all there."""
    events = accepted_events(hooks)
    interactions = [e for e in events if e["type"] == "interaction"]
    require(len(interactions) >= 220, f"only {len(interactions)} interaction events")
    require(resent(hooks) >= 10, f"only {resent(hooks)} events re-sent in later deliveries")
    require(retried(hooks) >= RETRIES, f"only {retried(hooks)} retried deliveries")
    require(any(d["expect"] == 400 for d in hooks), "no malformed delivery")
    paid = {
        e["id"] for e in interactions if category_of(normalise_tags(e["tags"])) is Category.PAID
    }
    require(len(paid) >= 3, "fewer than 3 paid interactions")
    require(any("text" in e for e in interactions), "no junk fields")
    check_identify_order(events)


def check_identify_order(events: list[Json]) -> None:
    """Most identify events arrive after every interaction of the user they link."""
    last_seen: dict[str, int] = {}
    for n, event in enumerate(events):
        if event["type"] == "interaction" and "actor_id" in event:
            last_seen[event["actor_id"]] = n
    identifies = {e["id"]: (n, e) for n, e in enumerate(events) if e["type"] == "identify"}
    late = sum(1 for n, e in identifies.values() if last_seen.get(e["network_user_id"], -1) < n)
    require(len(identifies) >= 10, "fewer than 10 identify events")
    require(late > len(identifies) / 2, "most identify events must come after the interactions")


def check_opportunities(hooks: list[Json], opps: list[Json]) -> None:
    events = accepted_events(hooks)
    linked = {e["contact_id"] for e in events if e["type"] == "identify"}
    last = max(parse_time(e["occurred_at"]) for e in events if e["type"] == "interaction")
    with_links = [o for o in opps if set(o["contact_ids"]) & linked]
    require(len(with_links) == 3, "three opportunities must have identified contacts")
    require(any(UNLINKED_CONTACT in o["contact_ids"] for o in opps), "no unlinked contact")
    lookback = timedelta(days=bundled().attribution.lookback_days)
    for opp in opps:
        created = parse_time(opp["created_at"])
        require(created > last, f"{opp['id']}: created before the last touch")
        require(created - lookback < WINDOW_START, f"{opp['id']}: lookback misses touches")


# --- summary and output ----------------------------------------------------------------------


def expected_touches(hooks: list[Json], posts: list[Json]) -> Counter[str]:
    """Touches one clean pass records: gone posts dropped, a like once per user and post."""
    deleted = {p["post_id"] for p in posts if p.get("deleted")}
    keys: dict[tuple[str, ...], str] = {}
    for event in accepted_events(hooks):
        if event["type"] != "interaction":
            continue
        post = (
            permalink.parse(event["target_permalink"]).post_id
            if "target_permalink" in event
            else None
        )
        if post in deleted:
            continue
        category = category_of(normalise_tags(event["tags"])).value
        once = event["kind"] == Kind.LIKE and post is not None
        key = (event["actor_id"], category, post or "") if once else (event["id"],)
        keys.setdefault(key, category)
    return Counter(keys.values())


def summary(hooks: list[Json], posts: list[Json]) -> Json:
    events = accepted_events(hooks)
    interactions = [e for e in events if e["type"] == "interaction"]
    deleted = {p["post_id"] for p in posts if p.get("deleted")}
    unique = {e["id"]: e for e in interactions}
    on_deleted = [
        e
        for e in unique.values()
        if "target_permalink" in e and permalink.parse(e["target_permalink"]).post_id in deleted
    ]
    return {
        "deliveries": len(hooks),
        "deliveries_rejected_400": sum(1 for d in hooks if d["expect"] == 400),
        "retried_deliveries": retried(hooks),
        "interaction_events_accepted": len(interactions),
        "unique_interactions": len(unique),
        "repeated_events": len(interactions) - len(unique),
        "resent_in_later_deliveries": resent(hooks),
        "kinds": dict(Counter(e["kind"] for e in unique.values()).most_common()),
        "on_deleted_post": len(on_deleted),
        "identify_events": len({e["id"] for e in events if e["type"] == "identify"}),
        "complaints": sum(1 for p in posts if own_words(p.get("text") or "", bundled())[1]),
        "actors": len({e["actor_id"] for e in unique.values()}),
        "posts": len(posts),
        "expected_touches": dict(expected_touches(hooks, posts)),
    }


def build(demo: Demo) -> dict[str, Any]:
    """The four files' contents, by file name."""
    interactions = scripted_interactions(demo)
    interactions += [random_interaction(demo) for _ in range(RANDOM_INTERACTIONS)]
    add_junk(demo, interactions)
    identifies, contacts = identify_events(demo, interactions)
    timeline = sorted(interactions + identifies, key=lambda e: (e["occurred_at"], e["id"]))
    sellers = [
        {"network": NETWORK, "network_user_id": s.account.user_id}
        | {"seller_id": s.seller_id, "team": s.team}
        for s in demo.sellers
    ]
    hooks = deliveries(demo, timeline)
    hooks += complaint_deliveries(demo, identifies)  # last: the draws before stay as they were
    every_post = sorted(demo.targets + demo.own_posts, key=lambda p: p.created_at)
    return {
        "posts.json": [p.as_json() for p in every_post],
        "sellers.json": sellers,
        "webhooks.json": hooks,
        "opportunities.json": opportunities(contacts),
    }


def check(demo: Demo, files: dict[str, Any]) -> None:
    posts, sellers = files["posts.json"], files["sellers.json"]
    hooks, opps = files["webhooks.json"], files["opportunities.json"]
    try:
        check_contract(hooks)
        check_models(posts, sellers, opps)
        check_references(hooks, posts, sellers)
        check_intent(demo)
        check_story(hooks)
        check_opportunities(hooks, opps)
    except (InconsistentDemo, ValidationError, permalink.UnparseablePermalink) as err:
        raise SystemExit(f"refusing to write inconsistent demo data: {err}") from err


def main() -> None:
    demo = new_demo(random.Random(SEED))  # noqa: S311 - demo data, not cryptography
    files = build(demo)
    check(demo, files)
    for name, data in files.items():
        (OUT / name).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(summary(files["webhooks.json"], files["posts.json"]), indent=2))


if __name__ == "__main__":
    main()

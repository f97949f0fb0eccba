"""Algorithmic attribution over all journeys: Markov removal effect and Shapley value.

A journey is a contact's organic touches, oldest first, each named by its channel (network,
seller, team or touch kind); it converts when one of the contact's opportunities is won.

Cost is linear in touches. `JourneyStats.add` folds one journey into counters in one pass over
its touches and keeps nothing else, so memory grows with the distinct transitions and channel
sets, never with the journeys:
- Markov counts transitions (start -> c1 -> ... -> cn -> conversion | null); solving the chain
  is then over at most k + 3 states, whatever the number of touches.
- Shapley uses v(S) = conversions of the journeys whose channel set is a subset of S. That game
  is a sum of unanimity games, one per distinct converting channel set T with weight conv(T),
  so each channel's value is sum over T containing it of conv(T) / |T| (Harsanyi dividends):
  exactly the value the 2^k-coalition formula gives, for any number of channels, in one pass
  over the distinct converting sets. No channel is grouped as "other", however many there are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

ChannelKind = Literal["network", "seller", "team", "kind"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("network", "seller", "team", "kind")
UNATTRIBUTED = "unattributed"

# Parenthesised so no seller, team, network or kind can be mistaken for them.
START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"

_TOLERANCE = 1e-13
_MAX_SWEEPS = 100_000


def channel_of(touch: Touch, kind: ChannelKind) -> str:
    if kind == "network":
        return touch.network.value
    if kind == "kind":
        return touch.kind.value
    if kind == "team":
        return touch.team or UNATTRIBUTED
    return touch.seller_id or UNATTRIBUTED


def journey_of(touches: Iterable[Touch], kind: ChannelKind) -> list[str]:
    """The organic touches' channels, oldest first (ties by interaction id: the same every run)."""
    organic = [t for t in touches if t.category is Category.ORGANIC]
    organic.sort(key=lambda t: (t.occurred_at, t.interaction_id))
    return [channel_of(t, kind) for t in organic]


@dataclass
class JourneyStats:
    """What both models need from the journeys, folded in one pass."""

    journeys: int = 0
    conversions: int = 0
    touches: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    converting_sets: Counter[frozenset[str]] = field(default_factory=Counter)
    touches_by_channel: Counter[str] = field(default_factory=Counter)

    def add(self, journey: Sequence[str], converted: bool, count: int = 1) -> None:
        """Fold `count` identical journeys. An empty journey is left out: no channel could have
        caused it, and a start -> conversion edge would only dilute every removal effect."""
        if not journey:
            return
        self.journeys += count
        self.touches += len(journey) * count
        previous = START
        for channel in journey:
            self.transitions[(previous, channel)] += count
            self.touches_by_channel[channel] += count
            previous = channel
        self.transitions[(previous, CONVERSION if converted else NULL)] += count
        if converted:
            self.conversions += count
            self.converting_sets[frozenset(journey)] += count

    def fold(self, summary: JourneySummary, sign: Literal[1, -1] = 1) -> None:
        """Add (sign 1) or take back (sign -1) one journey's contribution, from its summary:
        what `add` counted for it, exactly. A count that reaches zero is dropped, so stats
        folded and taken back equal stats never given that journey (same keys, same order of
        the results: see shapley)."""
        channels = summary.channels
        self.journeys += sign
        self.touches += sign * summary.touches
        for edge, n in summary.transitions:
            _move(self.transitions, edge, sign * n)
            if edge[1] not in _ENDS:
                _move(self.touches_by_channel, edge[1], sign * n)
        if summary.converted:
            self.conversions += sign
            _move(self.converting_sets, frozenset(channels), sign)

    @property
    def channels(self) -> list[str]:
        return sorted(self.touches_by_channel)


_ENDS = frozenset({CONVERSION, NULL})
K = TypeVar("K")


def _move(counter: Counter[K], key: K, n: int) -> None:
    counter[key] += n
    if counter[key] == 0:
        del counter[key]


@dataclass(frozen=True)
class JourneySummary:
    """One journey's contribution to `JourneyStats`, small enough to keep per journey: its
    transitions with their counts (sorted) and whether it converted. Kept so a journey that
    changes is taken back and folded again, never recounted from every journey."""

    transitions: tuple[tuple[tuple[str, str], int], ...]
    converted: bool

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(t for (_, t), _ in self.transitions if t not in _ENDS)

    @property
    def touches(self) -> int:
        return sum(n for (_, t), n in self.transitions if t not in _ENDS)


def summary_of(journey: Sequence[str], converted: bool) -> JourneySummary | None:
    """What `JourneyStats.add` folds for this journey; None for an empty one (left out)."""
    if not journey:
        return None
    stats = JourneyStats()
    stats.add(journey, converted)
    return JourneySummary(tuple(sorted(stats.transitions.items())), converted)


# --- Markov chain removal effect -----------------------------------------------------------


def _chain(stats: JourneyStats) -> dict[str, list[tuple[str, float]]]:
    """Transition probabilities: state -> [(next state, probability)]."""
    totals: Counter[str] = Counter()
    for (source, _), n in stats.transitions.items():
        totals[source] += n
    chain: dict[str, list[tuple[str, float]]] = {}
    for (source, target), n in sorted(stats.transitions.items()):
        chain.setdefault(source, []).append((target, n / totals[source]))
    return chain


def conversion_probability(
    chain: dict[str, list[tuple[str, float]]], removed: str | None = None
) -> float:
    """Probability of reaching conversion from start; `removed` sends its transitions to null.

    Gauss-Seidel over the absorption equations p(s) = sum_t P(s, t) p(t), p(conversion) = 1,
    p(null) = p(removed) = 0. A self-loop is solved in place (p = rest / (1 - loop)), so a
    channel touched many times in a row costs no extra sweeps; every state reaches an absorbing
    one (each journey ended in conversion or null), so the sweeps converge.
    """
    if START not in chain:
        return 0.0
    p: dict[str, float] = {s: 0.0 for s in chain}
    p[CONVERSION], p[NULL] = 1.0, 0.0
    states = [s for s in chain if s != removed]
    p[removed or NULL] = 0.0
    for _ in range(_MAX_SWEEPS):
        delta = 0.0
        for s in states:
            loop = rest = 0.0
            for target, probability in chain[s]:
                if target == s:
                    loop += probability
                else:
                    rest += probability * p.get(target, 0.0)
            value = rest / (1.0 - loop) if loop < 1.0 else 0.0
            delta = max(delta, abs(value - p[s]))
            p[s] = value
        if delta < _TOLERANCE:
            break
    return p[START]


@dataclass(frozen=True)
class MarkovResult:
    conversion_probability: float
    removal_effects: dict[str, float]
    shares: dict[str, float]  # conversions credited to each channel; they sum to conversions


def markov(stats: JourneyStats) -> MarkovResult:
    """Removal effect of c = 1 - P(without c) / P; a channel's share of the conversions is its
    removal effect over the sum of removal effects. With no conversion every effect is 0."""
    chain = _chain(stats)
    total = conversion_probability(chain)
    effects = {
        c: (1.0 - conversion_probability(chain, c) / total) if total > 0 else 0.0
        for c in stats.channels
    }
    effects = {c: max(0.0, e) for c, e in effects.items()}  # float noise below zero
    mass = sum(effects.values())
    shares = {c: (e / mass * stats.conversions if mass > 0 else 0.0) for c, e in effects.items()}
    return MarkovResult(total, effects, shares)


# --- Shapley value -------------------------------------------------------------------------


def shapley(stats: JourneyStats) -> dict[str, float]:
    """Shapley value of each channel in v(S) = conversions of journeys with channel set within
    S (see the module's docstring): the sum over converting sets T holding c of conv(T) / |T|.
    Efficient (the values sum to the conversions) and symmetric by construction."""
    values = dict.fromkeys(stats.channels, 0.0)
    # In a fixed order (sorted sets), so the float sums are the same however the counts were
    # reached: folded journey by journey, or taken back and folded again over many days.
    for coalition, conversions in sorted(stats.converting_sets.items(), key=_set_order):
        each = conversions / len(coalition)
        for channel in coalition:
            values[channel] += each
    return values


def _set_order(item: tuple[frozenset[str], int]) -> list[str]:
    return sorted(item[0])

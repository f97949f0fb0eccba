"""The scoring model: the bundled default loads; invalid models name the field at fault."""

from __future__ import annotations

import copy
import json
from typing import Any, get_args

import pytest

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import (
    Attribution,
    Intent,
    InvalidScoringModel,
    ModelName,
    ScoringModel,
    bundled,
    parse,
)


def raw() -> dict[str, Any]:
    return copy.deepcopy(bundled().model_dump(mode="json"))


def rejection(model: dict[str, Any] | str) -> str:
    text = model if isinstance(model, str) else json.dumps(model)
    with pytest.raises(InvalidScoringModel) as err:
        parse(text)
    return str(err.value)


def test_the_bundled_model_loads_and_weights_every_kind_in_both_categories() -> None:
    model = bundled()
    assert isinstance(model, ScoringModel)
    assert model.version
    assert model.half_life_seconds > 0
    assert model.hot_lead_threshold > 0
    for category in Category:
        for kind in Kind:
            assert model.weight(category, kind, Network.X, 0) >= 0


def test_a_bundled_model_round_trips_through_parse() -> None:
    assert parse(json.dumps(raw())) == bundled()


def test_a_missing_kind_weight_is_rejected_naming_the_kind() -> None:
    model = raw()
    del model["categories"]["organic"]["weights"]["click"]
    message = rejection(model)
    assert "categories.organic.weights" in message
    assert "click" in message


def test_a_negative_weight_is_rejected_naming_the_weight() -> None:
    model = raw()
    model["categories"]["paid"]["weights"]["like"] = -1
    assert "categories.paid.weights.like" in rejection(model)


@pytest.mark.parametrize("half_life", [-30, 0])
def test_a_non_positive_half_life_is_rejected_naming_the_field(half_life: float) -> None:
    model = raw()
    model["half_life_days"] = half_life
    assert "half_life_days" in rejection(model)


def test_an_unknown_category_is_rejected_naming_it() -> None:
    model = raw()
    model["categories"]["sponsored"] = model["categories"]["paid"]
    message = rejection(model)
    assert "categories.sponsored" in message


def test_a_missing_category_is_rejected_naming_it() -> None:
    model = raw()
    del model["categories"]["paid"]
    message = rejection(model)
    assert "categories" in message
    assert "paid" in message


def test_an_unknown_attribution_model_is_rejected_naming_the_field() -> None:
    model = raw()
    model["attribution"]["models"] = ["linear", "markov"]
    message = rejection(model)
    assert "attribution.models.1" in message
    assert "w_shaped" in message  # the error lists the known names


def test_the_bundled_model_computes_every_rule_based_model_headed_by_linear() -> None:
    config = bundled().attribution
    assert set(config.models) == set(get_args(ModelName))
    assert config.primary == "linear"


def test_attribution_defaults() -> None:
    config = Attribution()
    assert (config.models, config.primary) == (["linear"], "linear")
    assert (config.lookback_days, config.time_decay_half_life_days) == (90, 7)
    assert (config.position_based.first, config.position_based.last) == (0.4, 0.4)
    assert (config.w_shaped.first, config.w_shaped.identified, config.w_shaped.last) == (
        0.3,
        0.3,
        0.3,
    )


def test_the_old_single_model_key_means_that_model_alone_as_primary() -> None:
    model = raw()
    model["attribution"] = {"model": "time_decay", "lookback_days": 30}
    config = parse(json.dumps(model)).attribution
    assert (config.models, config.primary, config.lookback_days) == (
        ["time_decay"],
        "time_decay",
        30,
    )


def test_the_old_model_key_beside_the_new_ones_is_rejected_naming_them() -> None:
    model = raw()
    model["attribution"]["model"] = "linear"
    message = rejection(model)
    assert "attribution" in message
    assert "`models` + `primary`" in message


def test_without_a_primary_the_first_named_model_heads() -> None:
    assert Attribution.model_validate({"models": ["w_shaped", "linear"]}).primary == "w_shaped"


@pytest.mark.parametrize(
    ("attribution", "named"),
    [
        ({"models": []}, "attribution.models"),
        ({"models": ["linear", "linear"]}, "named more than once: linear"),
        ({"models": ["linear"], "primary": "w_shaped"}, "primary 'w_shaped' must be one of models"),
        ({"primary": "nope"}, "attribution.primary"),
        ({"time_decay_half_life_days": 0}, "attribution.time_decay_half_life_days"),
        ({"position_based": {"first": 0.7, "last": 0.4}}, "attribution.position_based"),
        ({"position_based": {"first": -0.1}}, "attribution.position_based.first"),
        ({"position_based": {"middle": 0.2}}, "attribution.position_based.middle"),
        ({"w_shaped": {"first": 0.5, "identified": 0.5, "last": 0.1}}, "attribution.w_shaped"),
        ({"w_shaped": {"identified": 1.5}}, "attribution.w_shaped.identified"),
        ({"half_life_days": 7}, "attribution.half_life_days"),
    ],
)
def test_an_invalid_attribution_is_rejected_naming_the_field(
    attribution: dict[str, Any], named: str
) -> None:
    model = raw()
    model["attribution"] = attribution
    assert named in rejection(model)


def test_shares_adding_up_to_exactly_one_are_accepted() -> None:
    # In floats 0.1 + 0.2 + 0.7 > 1; the check adds them as written.
    config = Attribution.model_validate(
        {
            "w_shaped": {"first": 0.1, "identified": 0.2, "last": 0.7},
            "position_based": {"first": 0.3, "last": 0.7},
        }
    )
    assert config.w_shaped.last == 0.7


@pytest.mark.parametrize(
    ("path", "field"),
    [((), "half_life"), (("intent",), "bonuses"), (("categories", "organic"), "weight")],
)
def test_an_extra_field_is_rejected_naming_it(path: tuple[str, ...], field: str) -> None:
    model = raw()
    target = model
    for part in path:
        target = target[part]
    target[field] = 1
    message = rejection(model)
    assert ".".join([*path, field]) in message


def test_a_model_that_is_not_json_is_rejected_with_the_same_error() -> None:
    assert "invalid scoring model" in rejection("{not json")


def test_several_problems_are_all_named() -> None:
    model = raw()
    model["half_life_days"] = -1
    model["attribution"]["models"] = ["w_shaped", "bogus"]
    message = rejection(model)
    assert "half_life_days" in message
    assert "attribution.models.1" in message


INTENT = Intent(keywords=["demo", "pricing", "evaluating vendors", "switching from", "RFP"])


def test_intent_hits_are_case_insensitive() -> None:
    assert INTENT.hits("Can we get a DEMO and your Pricing?") == ["demo", "pricing"]


def test_intent_hits_respect_word_boundaries() -> None:
    assert INTENT.hits("Let me demonstrate our product") == []
    assert INTENT.hits("ademo, demos, predemo") == []
    assert INTENT.hits("demo.") == ["demo"]


def test_intent_hits_find_phrases() -> None:
    assert INTENT.hits("We are Evaluating Vendors for this and switching from Acme") == [
        "evaluating vendors",
        "switching from",
    ]
    assert INTENT.hits("we are evaluating new vendors") == []


def test_intent_hits_return_only_keywords_never_the_text() -> None:
    text = "Hi, CIO of Prospect Inc here: we need a demo and an rfp response by Friday."
    hits = INTENT.hits(text)
    assert hits == ["demo", "rfp"]
    keywords = {k.lower() for k in INTENT.keywords}
    assert set(hits) <= keywords


def test_intent_hits_are_unique_and_sorted() -> None:
    assert INTENT.hits("pricing? PRICING! demo demo Pricing") == ["demo", "pricing"]


def test_no_keywords_means_no_hits() -> None:
    assert Intent(keywords=[]).hits("demo pricing rfp") == []


def test_the_bundled_model_finds_the_buyer_phrases_of_the_design() -> None:
    assert bundled().intent.hits("we are evaluating vendors for this") == ["evaluating vendors"]

"""bench/bill.py, the README's monthly bill: it prices every service template.yaml creates and
sizes stored items as DynamoDB bills them."""

from __future__ import annotations

import copy
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from socialscore_ops.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.read(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def bench() -> tuple[ModuleType, ModuleType]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("bill"), importlib.import_module("stored")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_every_resource_type_the_template_creates_is_priced(bench: tuple[ModuleType, ...]) -> None:
    bill, _ = bench
    idle = bill.fixed(TEMPLATE)
    assert idle["Secrets Manager"] == pytest.approx(
        0.40 * len(TEMPLATE.of_type("AWS::SecretsManager::Secret"))
    )
    assert idle["CloudWatch dashboard"] == pytest.approx(3.00)


def test_a_service_the_bill_does_not_price_stops_it(bench: tuple[ModuleType, ...]) -> None:
    """A resource added to the template without its price would make the README's bill
    silently short."""
    bill, _ = bench
    document = copy.deepcopy(TEMPLATE.document)
    document["Resources"]["Cache"] = {"Type": "AWS::ElastiCache::ServerlessCache"}
    with pytest.raises(SystemExit, match=r"AWS::ElastiCache::ServerlessCache"):
        bill.fixed(Template(TEMPLATE.path, document))


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"pk": {"S": "abc"}}, 2 + 3),
        ({"n": {"N": "12345"}}, 1 + 3 + 1),  # 5 significant digits: 3 bytes, plus 1
        ({"n": {"N": "1200"}}, 1 + 1 + 1),  # trailing zeros trimmed: "12"
        ({"n": {"N": "-0.0125"}}, 1 + 2 + 1),  # leading zeros trimmed: "125"
        ({"ok": {"BOOL": True}}, 2 + 1),
        ({"m": {"M": {"a": {"S": "xy"}}}}, 1 + 3 + (1 + 1 + 2)),  # map: 3, each element 1
        ({"l": {"L": [{"N": "7"}, {"NULL": True}]}}, 1 + 3 + (1 + 2) + (1 + 1)),
        ({"ss": {"SS": ["ab", "é"]}}, 2 + 2 + 2),
    ],
)
def test_an_item_is_sized_as_dynamodb_documents(
    bench: tuple[ModuleType, ...], item: dict[str, dict[str, object]], size: int
) -> None:
    """docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html"""
    _, stored = bench
    assert stored.item_size(item) == size

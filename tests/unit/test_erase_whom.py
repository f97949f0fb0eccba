"""`socialscore erase WHOM`: what is neither a contact id nor network#user id is refused in one
line before anything is sent, and a handle given where the id belongs is never repeated. The
rule on the command itself, with a stack that has nothing in it: a refusal that let the value
through would reach for the queue and fail otherwise. That a refusal exits 2 and queues nothing
on a deployed stack is proven on moto (tests/ops/test_queues.py)."""

from __future__ import annotations

import argparse

import pytest

from socialscore_ops.queues import erase_person
from socialscore_ops.stack import OpsError, Stack


@pytest.mark.parametrize(
    "whom",
    ["myspace#12345", "x#@a_handle", "x#", "", "C" * 129],
    ids=["network", "handle", "no-user", "empty", "too-long"],
)
def test_what_is_neither_a_contact_nor_an_identity_is_one_line(whom: str) -> None:
    with pytest.raises(OpsError) as refused:
        erase_person(Stack("test", {}), argparse.Namespace(whom=whom, yes=True))

    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith(("erase takes a contact id or x|", "not a contact id: "))
    assert "a_handle" not in line

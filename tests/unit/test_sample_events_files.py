"""Every function of template.yaml has a sample event in events/ (for `socialscore invoke` and
`sam local invoke -e`), named events/<its folder in functions/>_<trigger>.json. Read from the
template itself (socialscore_ops.template, as the local runtime reads it), no stack. Moved from
tests/integration/test_sample_events.py, which runs each sample through its handler on moto."""

from __future__ import annotations

from pathlib import Path

from socialscore_ops.template import Template

ROOT = Path(__file__).resolve().parents[2]


def samples_of(code_uri: str) -> list[Path]:
    """A function's samples: events/<its folder in functions/>_<trigger>.json."""
    return sorted((ROOT / "events").glob(f"{Path(code_uri).name}_*.json"))


def test_every_function_of_the_template_has_a_sample() -> None:
    functions = list(Template.read(ROOT / "template.yaml").functions())
    assert len(functions) >= 8  # the template's functions were found at all
    missing = [f.logical_id for f in functions if not samples_of(f.code_uri)]
    assert missing == []

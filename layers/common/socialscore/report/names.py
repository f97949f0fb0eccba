"""What the page calls the scoring model's attribution models: a marketer's name for each code
id the model file uses."""

from __future__ import annotations

MODEL_NAMES = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position-based (U-shaped)",
    "w_shaped": "W-shaped",
}


def model_name(model: str) -> str:
    """The readable name; a model this list does not know yet keeps its id."""
    return MODEL_NAMES.get(model, model)

"""One formatter for pydantic's error locations, for every place that shows them."""

from __future__ import annotations

from pydantic import ValidationError

from omnigen.script import Script
from omnigen.validation import field_path, located_errors


def _errors(data: object) -> ValidationError:
    try:
        Script.model_validate(data)
    except ValidationError as err:
        return err
    raise AssertionError("expected a validation error")


def test_paths_for_the_web_app_and_for_people_reading_a_file():
    assert field_path(("body", "product", "side_effects", 0), skip=("body",)) == "product.side_effects.0"
    assert field_path(("scenes", 0, "duration_s"), brackets=True) == "scenes[0].duration_s"
    assert field_path(()) == ""


def test_messages_are_cleaned_and_model_checks_are_located():
    err = _errors({"title": "t", "scenes": [{"index": 1, "duration_s": 0.1, "purpose": "hook", "shot": "x"}],
                   "extra": 1})  # fmt: skip
    located = dict(located_errors(err, brackets=True, wording={"extra_forbidden": "unknown field"}))
    assert located["extra"] == "unknown field"
    assert located["scenes[0].duration_s"].startswith("Input should be greater than 0.5")
    # A model-level check names its field first; the field goes where a form shows it.
    message = "Value error, product.side_effects: list a risk"
    named = located_errors([{"loc": (), "msg": message, "type": "value_error"}])
    assert named == [("product.side_effects", "list a risk")]
    assert located_errors([{"loc": ("x",), "msg": "Value error, bad", "type": "value_error"}]) == [("x", "bad")]

"""Reading the files people write by hand (briefs, timelines, policies): YAML or JSON."""

from __future__ import annotations

import json
from typing import Any

import yaml


class DocumentError(ValueError):
    """The text is neither valid JSON nor valid YAML; the message says where it breaks."""


def parse_json_or_yaml(text: str) -> Any:
    """JSON if the text is an object, else YAML (JSON is YAML, but JSON's own parser gives the
    clearer message for a broken JSON file)."""
    try:
        return json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise DocumentError(str(err)) from None
    except RecursionError:  # both parsers recurse per level: a file nested thousands deep ends here
        raise DocumentError("it is nested too deeply to be a brief, script or timeline") from None

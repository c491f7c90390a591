"""The web app's API types, generated from the server's OpenAPI schema so they cannot drift.

    python frontend/scripts/api_types.py          # write openapi.json and src/lib/api-schema.ts
    python frontend/scripts/api_types.py --check  # fail when either differs from a fresh build

The schema is the app's own (`omnigen.api.app.create_app(...).openapi()`, no server started), and
openapi-typescript (an npm dev dependency, pinned in package.json) turns it into TypeScript. Both
files are checked in; `make lint` runs the check, so whoever changes the API regenerates them
with `make types`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

FRONTEND = Path(__file__).resolve().parents[1]
SCHEMA = FRONTEND / "openapi.json"
TYPES = FRONTEND / "src" / "lib" / "api-schema.ts"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
REGENERATE = "make types"
TIMEOUT_S = 120


def openapi_json() -> str:
    """The OpenAPI document as the server serves it at /api/v1/openapi.json, as stable text."""
    from omnigen.api.app import create_app
    from omnigen.api.deps import Services

    # The schema is made from the routes alone; the services are only read when a request
    # arrives, so none are built (no store, no launcher, no worker processes).
    app = create_app(cast(Services, None), web_dir=None)
    schema: dict[str, Any] = app.openapi()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def typescript(schema: Path) -> str:
    """openapi-typescript's output for the schema file."""
    if not GENERATOR.is_file():
        sys.exit(f"{GENERATOR} is missing: run `make setup` (npm ci installs openapi-typescript)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api-schema.ts"
        try:
            subprocess.run(
                # A default makes a field optional in a request; lib/types.ts marks every field
                # of a response present (pydantic serializes them all).
                [str(GENERATOR), str(schema), "--output", str(out), "--default-non-nullable", "false"],
                cwd=FRONTEND,
                check=True,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.CalledProcessError as err:
            sys.exit(f"openapi-typescript failed on {schema}:\n{err.stderr or err.stdout}")
        except subprocess.TimeoutExpired:
            sys.exit(f"openapi-typescript did not finish within {TIMEOUT_S} s")
        return out.read_text()


def stale(path: Path, fresh: str) -> list[str]:
    """The start of a diff from the checked-in file to the fresh text (empty: up to date)."""
    old = path.read_text() if path.is_file() else ""
    if old == fresh:
        return []
    name = str(path.relative_to(FRONTEND.parent))
    diff = difflib.unified_diff(old.splitlines(), fresh.splitlines(), f"{name} (checked in)", f"{name} (fresh)", lineterm="", n=1)
    return list(diff)[:40]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the checked-in files instead of writing them")
    args = parser.parse_args()
    schema = openapi_json()
    if not args.check:
        SCHEMA.write_text(schema)
        TYPES.write_text(typescript(SCHEMA))
        print(f"wrote {SCHEMA.relative_to(FRONTEND.parent)} and {TYPES.relative_to(FRONTEND.parent)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh_schema = Path(tmp) / "openapi.json"
        fresh_schema.write_text(schema)
        problems = {path: stale(path, text) for path, text in ((SCHEMA, schema), (TYPES, typescript(fresh_schema)))}
    problems = {path: diff for path, diff in problems.items() if diff}
    if not problems:
        return 0
    for path, diff in problems.items():
        print(f"{path.relative_to(FRONTEND.parent)} is out of date with the API:", file=sys.stderr)
        print("\n".join(diff), file=sys.stderr)
    print(f"\nThe API's schema changed. Run `{REGENERATE}` and commit both files it writes.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

"""The Sheets API v4 discovery document as JSON Schema, and Google's field-mask grammar.

The document comes from google-api-python-client's package (a test dependency), so CI
needs nothing outside the repository's own dependencies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

Json = dict[str, Any]
Path_ = tuple[str, ...]

# Messages whose fields form a proto `oneof`: exactly one may be set.
ONE_OF = {"Request": 1, "ExtendedValue": 1}
INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}


@cache
def document() -> Json:
    """The discovery document shipped in googleapiclient/discovery_cache/documents."""
    root = resources.files("googleapiclient") / "discovery_cache" / "documents"
    loaded: Json = json.loads((root / "sheets.v4.json").read_text(encoding="utf-8"))
    return loaded


def schemas() -> dict[str, Json]:
    found: dict[str, Json] = document()["schemas"]
    return found


def _convert(schema: Json) -> Json:
    """One discovery schema as JSON Schema; objects reject unknown fields, as the API does."""
    if "$ref" in schema:
        return {"$ref": f"#/definitions/{schema['$ref']}"}
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "object":
        out: Json = {"type": "object"}
        if "properties" in schema:
            out["properties"] = {k: _convert(v) for k, v in schema["properties"].items()}
            out["additionalProperties"] = False
        if "additionalProperties" in schema:
            out["additionalProperties"] = _convert(schema["additionalProperties"])
        return out
    if kind == "array":
        return {"type": "array", "items": _convert(schema.get("items", {}))}
    if kind == "string" and fmt in ("int64", "uint64"):
        return {"type": ["string", "integer"], "pattern": r"^-?\d+$"}  # proto3 JSON int64
    if kind == "string":
        out = {"type": "string"}
        if "enum" in schema:
            out["enum"] = schema["enum"]
        return out
    if kind == "integer":
        return {"type": "integer", **(INT32 if fmt == "int32" else {})}
    if kind in ("number", "boolean"):
        return {"type": kind}
    return {}


@cache
def definitions() -> Json:
    defs = {name: _convert(schema) for name, schema in schemas().items()}
    for name, count in ONE_OF.items():
        defs[name] = {**defs[name], "minProperties": count, "maxProperties": count}
    return defs


@cache
def validator(name: str) -> jsonschema.Draft7Validator:
    """A validator for the discovery schema `name`, e.g. BatchUpdateSpreadsheetRequest."""
    root = {"definitions": definitions(), "allOf": [{"$ref": f"#/definitions/{name}"}]}
    return jsonschema.Draft7Validator(root)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _where(path: Iterator[str | int] | Any) -> str:
    """A JSON path the way Google's errors print it: requests[0].add_sheet.properties."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f"{'.' if out else ''}{_snake(part)}"
    return out


def violations(name: str, body: Any) -> list[str]:
    """Google-style messages for every way `body` breaks the schema `name` (empty: valid)."""
    messages = []
    for error in sorted(validator(name).iter_errors(body), key=lambda e: list(e.absolute_path)):
        where = _where(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            for unknown in sorted(set(error.instance) - known):
                messages.append(
                    f'Invalid JSON payload received. Unknown name "{unknown}" at '
                    f"'{where}': Cannot find field."
                )
        elif error.validator == "maxProperties":
            fields = sorted(error.instance)
            messages.append(
                f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                f"Cannot set '{fields[-1]}' at '{where}'."
            )
        elif error.validator == "minProperties":
            messages.append(f"Invalid value at '{where}': exactly one field must be set.")
        else:
            messages.append(f"Invalid value at '{where}', {json.dumps(error.instance)[:80]}")
    return messages


def parse_mask(text: str) -> list[Path_]:
    """The paths of a field mask: 'a,b.c,d(e,f(g))' -> [(a,), (b,c), (d,e), (d,f,g)]."""
    paths: list[Path_] = []

    def parse(i: int, prefix: Path_) -> int:
        name = ""
        while i < len(text):
            char = text[i]
            if char == ",":
                if name.strip():
                    paths.append(prefix + tuple(name.strip().split(".")))
                name, i = "", i + 1
            elif char == "(":
                i = parse(i + 1, prefix + tuple(name.strip().split(".")))
                name = ""
            elif char == ")":
                if name.strip():
                    paths.append(prefix + tuple(name.strip().split(".")))
                return i + 1
            else:
                name, i = name + char, i + 1
        if name.strip():
            paths.append(prefix + tuple(name.strip().split(".")))
        return i

    parse(0, ())
    return paths


def bad_mask_paths(mask: str, schema: str) -> list[str]:
    """The paths of `mask` that name no field of the discovery schema `schema`."""
    bad = []
    for path in parse_mask(mask):
        if path == ("*",):
            continue
        current: Json = schemas()[schema]
        for part in path:
            while "items" in current or "$ref" in current:
                current = schemas()[current["$ref"]] if "$ref" in current else current["items"]
            field = current.get("properties", {}).get(part)
            if field is None:
                bad.append(".".join(path))
                break
            current = field
    return bad


def mask_tree(paths: list[Path_]) -> Json:
    """Paths as a nested dict; None marks a field selected whole."""
    tree: Json = {}
    for path in paths:
        node: Json | None = tree
        for part in path[:-1]:
            if node is None:
                break
            child = node.setdefault(part, {})
            node = child
        if node is not None:
            node[path[-1]] = None
    return tree


def prune(value: Any, tree: Json | None) -> Any:
    """`value` reduced to the fields `tree` selects (lists are transparent), as `fields=` does."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [prune(item, tree) for item in value]
    if isinstance(value, dict):
        return {k: prune(v, tree[k]) for k, v in value.items() if k in tree}
    return value

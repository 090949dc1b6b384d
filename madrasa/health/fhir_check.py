"""A structural check of FHIR R4 JSON against the R4 core StructureDefinitions shipped in
madrasa/health/fhir_r4/ (no network, no external validator).

What it checks, for each resource whose type has a definition here (Patient, Immunization,
Observation, Consent) and each profile named in `meta.profile` that is shipped (vitalsigns,
bodyheight, bodyweight, bmi):
- every property is an element of the resource (choice elements `value[x]` with one of their
  types: `valueQuantity`), complex data types are not descended into;
- cardinality: a `0..1` element is not a list, a `0..*` element is one; every element with
  `min ≥ 1` is present (at the root, and inside backbone elements that are present);
- primitive formats (date, dateTime, code, id, uri, boolean, decimal, positiveInt, string);
- profiles: required elements, fixed values, and required slices (for example the BMI profile's
  LOINC 39156-5 coding and UCUM kg/m2 quantity).

It is not a full validator (no FHIRPath invariants, no terminology bindings, no data types'
own definitions); fhir.resources covers the data types. Problems come back as text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DEFINITIONS_DIR", "check_resource"]

DEFINITIONS_DIR = Path(__file__).resolve().parent / "fhir_r4"
BASE = "http://hl7.org/fhir/StructureDefinition/"

_YEAR = r"\d{4}"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
PRIMITIVES: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"^{_YEAR}(-{_MONTH}(-{_DAY})?)?$"),
    "dateTime": re.compile(rf"^{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}(Z|[+-]\d{{2}}:\d{{2}}))?)?)?$"),
    "instant": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "code": re.compile(r"^[^\s]+( [^\s]+)*$"),
    "id": re.compile(r"^[A-Za-z0-9\-.]{1,64}$"),
    "uri": re.compile(r"^\S+$"),
    "canonical": re.compile(r"^\S+$"),
    "string": re.compile(r"^[\s\S]+$"),
    "markdown": re.compile(r"^[\s\S]+$"),
}


@dataclass
class Element:
    path: str
    min: int
    max: str
    types: list[str]
    fixed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Definition:
    url: str
    type: str
    elements: dict[str, Element]  # by path, slices excluded
    slices: dict[str, list[Element]]  # slice id ("Observation.code.coding:BMICode") -> elements


@cache
def _definitions() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("StructureDefinition-*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        elements: dict[str, Element] = {}
        slices: dict[str, list[Element]] = {}
        for item in raw["snapshot"]["element"]:
            fixed = {k: v for k, v in item.items() if k.startswith(("fixed", "pattern"))}
            element = Element(
                path=item["path"],
                min=int(item.get("min", 0)),
                max=str(item.get("max", "*")),
                types=[t["code"] for t in item.get("type", [])],
                fixed=fixed,
            )
            element_id = item["id"]
            if ":" in element_id:
                root = element_id.split(".")
                cut = next(i for i, part in enumerate(root) if ":" in part)
                slice_id = ".".join(root[: cut + 1])
                slices.setdefault(slice_id, []).append(
                    Element(element_id, element.min, element.max, element.types, fixed)
                )
            else:
                elements[element.path] = element
        found[raw["url"]] = Definition(raw["url"], raw["type"], elements, slices)
    return found


def _check_primitive(kind: str, value: Any, where: str, problems: list[str]) -> None:
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: not a boolean")
    elif kind in {"decimal", "integer", "positiveInt", "unsignedInt"}:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{where}: not a number")
        elif kind == "positiveInt" and not (isinstance(value, int) and value >= 1):
            problems.append(f"{where}: not a positive integer")
    elif kind in PRIMITIVES and (not isinstance(value, str) or not PRIMITIVES[kind].match(value)):
        problems.append(f"{where}: not a valid {kind}: {value!r}")


def _element_for(definition: Definition, parent: str, key: str) -> tuple[Element, str] | None:
    """The element of `parent.key` and the data type it carries (for a choice, the type named
    by the key's suffix)."""
    element = definition.elements.get(f"{parent}.{key}")
    if element is not None:
        return element, element.types[0] if len(element.types) == 1 else ""
    for path, candidate in definition.elements.items():
        if not path.endswith("[x]") or not path.startswith(f"{parent}."):
            continue
        stem = path[len(parent) + 1 : -3]
        if "." in stem or not key.startswith(stem):
            continue
        suffix = key[len(stem) :]
        for kind in candidate.types:
            if kind[:1].upper() + kind[1:] == suffix:
                return candidate, kind
    return None


def _walk(
    definition: Definition, parent: str, node: dict[str, Any], where: str, problems: list[str]
) -> None:
    for key, value in node.items():
        if key == "resourceType" or key.startswith("_"):
            continue
        found = _element_for(definition, parent, key)
        if found is None:
            problems.append(f"{where}.{key}: not an element of {parent}")
            continue
        element, kind = found
        if element.max == "1" and isinstance(value, list):
            problems.append(f"{where}.{key}: at most one value, got a list")
            continue
        if element.max != "1" and not isinstance(value, list):
            problems.append(f"{where}.{key}: must be a list")
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            at = f"{where}.{key}[{index}]" if isinstance(value, list) else f"{where}.{key}"
            if kind and kind[0].islower():
                _check_primitive(kind, item, at, problems)
            elif kind in {"BackboneElement", "Element"} and isinstance(item, dict):
                _walk(definition, element.path, item, at, problems)
                _required(definition, element.path, item, at, problems)
    if parent == definition.type:
        _required(definition, parent, node, where, problems)


def _present(definition: Definition, parent: str, node: dict[str, Any], element: Element) -> bool:
    name = element.path[len(parent) + 1 :]
    if name.endswith("[x]"):
        stem = name[:-3]
        return any(k.startswith(stem) and k[len(stem) : len(stem) + 1].isupper() for k in node)
    return name in node


def _required(
    definition: Definition, parent: str, node: dict[str, Any], where: str, problems: list[str]
) -> None:
    for path, element in definition.elements.items():
        if element.min < 1 or not path.startswith(f"{parent}."):
            continue
        if "." in path[len(parent) + 1 :]:
            continue
        if not _present(definition, parent, node, element):
            problems.append(f"{where}: {path} is required")


def _values_at(node: Any, steps: list[str]) -> list[Any]:
    """Every value reached from `node` by the property names in `steps` (lists flattened)."""
    current = [node]
    for step in steps:
        following: list[Any] = []
        for item in current:
            if isinstance(item, dict) and step in item:
                value = item[step]
                following.extend(value if isinstance(value, list) else [value])
        current = following
    return current


def _fixed_value(fixed: dict[str, Any]) -> Any:
    return next(iter(fixed.values()))


def _check_profile(definition: Definition, resource: dict[str, Any], problems: list[str]) -> None:
    root = definition.type
    where = f"{root}({definition.url.rsplit('/', 1)[-1]})"
    # required elements and fixed values outside slices, on the top level
    for path, element in definition.elements.items():
        steps = path.split(".")[1:]
        required = len(steps) == 1 and element.min >= 1
        if required and not _present(definition, root, resource, element):
            problems.append(f"{where}: {path} is required by the profile")
        if element.fixed and len(steps) >= 1 and not path.endswith("[x]"):
            for value in _values_at(resource, steps):
                if value != _fixed_value(element.fixed):
                    problems.append(f"{where}: {path} must be {_fixed_value(element.fixed)!r}")
    # required slices: some item at the slice's path matches all the slice's fixed values
    for slice_id, elements in definition.slices.items():
        head = elements[0]
        if head.min < 1 or head.path != slice_id:
            continue
        base_path, _sep, slice_name = slice_id.rpartition(":")
        steps = base_path.split(".")[1:]
        if steps and steps[-1].endswith("[x]"):
            # a slice of a choice element: the type is the slice's name (valueQuantity)
            candidates = [resource[slice_name]] if slice_name in resource else []
        else:
            candidates = _values_at(resource, steps)
        fixed = [
            (e.path.split(".")[len(base_path.split(".")) :], _fixed_value(e.fixed))
            for e in elements
            if e.fixed
        ]
        if not any(all(want in _values_at(c, sub) for sub, want in fixed) for c in candidates):
            problems.append(f"{where}: required slice {slice_id} is missing or wrong")


def check_resource(resource: dict[str, Any]) -> list[str]:
    """Problems of one resource against the shipped R4 definitions ([] if none). A resource
    type without a shipped definition is reported as such."""
    kind = resource.get("resourceType", "")
    definition = _definitions().get(BASE + kind)
    if definition is None:
        return [f"{kind}: no R4 definition shipped for this resource type"]
    problems: list[str] = []
    _walk(definition, kind, resource, kind, problems)
    for profile in resource.get("meta", {}).get("profile", []):
        shipped = _definitions().get(profile)
        if shipped is not None:
            _check_profile(shipped, resource, problems)
    return problems

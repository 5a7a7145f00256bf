"""The ethereum/execution-apis JSON-RPC specification, vendored (see README.md), as validators.

Upstream's YAML files are fragments of one OpenRPC document: `schemas/*.yaml` are the entries of
`components.schemas`, and `eth/*.yaml` and `txpool/*.yaml` are lists of methods whose schemas
point into it with `$ref: '#/components/schemas/X'`. Here they are put back together as one
document, registered in a `referencing` registry, so each method's result schema is a `$ref` into
that document and its inner references resolve against it. Validation uses JSON Schema draft
2019-09, the draft upstream's own checker (tools/cmd/speccheck) forces.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft201909Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

SPEC_DIR = Path(__file__).resolve().parent
SPEC_URI = "urn:ethereum:execution-apis"
METHOD_DIRS = ("eth", "txpool")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@cache
def spec_document() -> dict[str, Any]:
    """`{"components": {"schemas": ...}, "methods": {name: method}}` from the vendored files."""
    schemas: dict[str, Any] = {}
    for path in sorted((SPEC_DIR / "schemas").glob("*.yaml")):
        for name, schema in load_yaml(path).items():
            if name in schemas:
                raise ValueError(f"schema {name} is defined twice ({path.name})")
            schemas[name] = schema
    methods: dict[str, Any] = {}
    for directory in METHOD_DIRS:
        for path in sorted((SPEC_DIR / directory).glob("*.yaml")):
            for method in load_yaml(path):
                methods[method["name"]] = method
    return {"components": {"schemas": schemas}, "methods": methods}


@cache
def registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(
        spec_document(), default_specification=DRAFT201909
    )
    specification: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return specification


def specified_methods() -> frozenset[str]:
    return frozenset(spec_document()["methods"])


@cache
def result_validator(method: str) -> Draft201909Validator:
    """A validator of `method`'s result (KeyError if the specification has no such method)."""
    if method not in spec_document()["methods"]:
        raise KeyError(f"{method} is not in the execution-apis specification")
    return Draft201909Validator(
        {"$ref": f"{SPEC_URI}#/methods/{method}/result/schema"}, registry=registry()
    )


def schema_validator(name: str) -> Draft201909Validator:
    """A validator of the named component schema, e.g. `Log` or `ReceiptInfo`."""
    if name not in spec_document()["components"]["schemas"]:
        raise KeyError(f"{name} is not a schema of the execution-apis specification")
    return Draft201909Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=registry()
    )


def result_errors(method: str, result: Any) -> list[str]:
    """Every way `result` breaks `method`'s result schema; [] if none."""
    return describe(result_validator(method), result)


def shorten(message: str, limit: int = 300) -> str:
    """A message cut to `limit` characters (some quote the whole instance)."""
    return message if len(message) <= limit else message[: limit - 3] + "..."


def describe(validator: Draft201909Validator, instance: Any) -> list[str]:
    """Every way `instance` breaks `validator`'s schema, each with its path; [] if none."""
    messages = []
    for error in sorted(
        validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        # oneOf/anyOf report only "is not valid under any of the given schemas": name the
        # branches' own complaints, which say what is wrong.
        causes = sorted(
            {
                f"{'/'.join(map(str, c.absolute_path))}: {shorten(c.message)}"
                for c in error.context or []
            }
        )
        messages.append(
            f"{where}: {shorten(error.message)}" + "".join(f"\n    {c}" for c in causes)
        )
    return messages

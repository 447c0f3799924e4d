"""JSON Schema validation of event data, with the validators built once per schema file."""

import functools
import json

import jsonschema

from odoo.tools.misc import file_path


@functools.lru_cache(maxsize=64)
def validator(schema_path):
    """A validator for ``schema_path`` (``module/schemas/x.json``); FileNotFoundError if absent."""
    with open(file_path(schema_path), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(schema_path, instance):
    """Readable errors of ``instance`` against ``schema_path``: ``["data.quantity: …"]``."""
    found = validator(schema_path).iter_errors(instance)
    return [
        f"{'.'.join(str(p) for p in ('data', *error.absolute_path))}: {error.message}"
        for error in sorted(found, key=lambda e: list(e.absolute_path))
    ]

"""JSON Schema validation of event data, with the validators built once per schema file.

Every event written in a stock transaction is checked, so the check must be
cheap: a compiled validator (``jsonschema-rs``, Rust, about 1 µs per movement
event here) answers "valid?", and only when it says no does the pure-Python
``jsonschema`` (about 250 µs) list what is wrong, in its usual words. Without
``jsonschema-rs`` installed, ``jsonschema`` does both, as before.
"""

import functools
import json

import jsonschema

from odoo.tools.misc import file_path

try:
    import jsonschema_rs
except ImportError:  # optional: only the speed of the check depends on it
    jsonschema_rs = None


@functools.lru_cache(maxsize=64)
def _schema(schema_path):
    with open(file_path(schema_path), encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=64)
def validator(schema_path):
    """A validator for ``schema_path`` (``module/schemas/x.json``); FileNotFoundError if absent."""
    schema = _schema(schema_path)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _no_remote_reference(uri):
    raise ValueError(f"{uri}: event schemas may only refer to their own definitions")


@functools.lru_cache(maxsize=64)
def fast_validator(schema_path):
    """The compiled validator of ``schema_path``, or None without ``jsonschema-rs``."""
    if jsonschema_rs is None:
        return None
    validator(schema_path)  # the schema itself is checked the same way either way
    return jsonschema_rs.validator_for(
        _schema(schema_path), validate_formats=True, retriever=_no_remote_reference
    )


def errors(schema_path, instance):
    """Readable errors of ``instance`` against ``schema_path``: ``["data.quantity: …"]``."""
    fast = fast_validator(schema_path)
    if fast is not None and fast.is_valid(instance):
        return []
    found = validator(schema_path).iter_errors(instance)
    return [
        f"{'.'.join(str(p) for p in ('data', *error.absolute_path))}: {error.message}"
        for error in sorted(found, key=lambda e: list(e.absolute_path))
    ]

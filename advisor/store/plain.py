"""Frozen records to JSON and back, for the run directory's checkpoints.

Driven by the records' own type hints, so a field added to a record needs no code
here; a stored record that no longer fits its class (a field renamed, a type changed)
raises ``ValueError`` and the checkpoint is redone rather than misread. Non-finite
floats, which JSON lacks, are stored as ``{"float": "inf"}``.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"float": repr(obj)}
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    return obj


def from_plain(cls: type[T], data: Any) -> T:
    """``cls`` rebuilt from ``to_plain``'s output; ``ValueError`` where it does not fit."""
    try:
        return _coerce(cls, data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"stored {cls.__name__} does not fit: {exc}") from exc


def _record(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    if set(data) - known:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(set(data) - known)}")
    return cls(**{name: _coerce(hints[name], value) for name, value in data.items()})


def _coerce(tp: Any, value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"float"}:
        return float(value["float"])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _record(tp, value)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in value)
        return tuple(_coerce(a, v) for a, v in zip(args, value, strict=True))
    if origin is list:
        return [_coerce(args[0], v) for v in value]
    if origin is dict:
        return {k: _coerce(args[1], v) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        if value is None or type(value) in args:  # int stays int in `float | int | str`
            return value
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value)
            except (ValueError, TypeError):
                continue
        raise ValueError(f"{value!r} fits none of {tp}")
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{value!r} is not a whole number")
    if tp is str and not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value

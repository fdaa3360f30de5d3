"""A form for every event type, built from the event catalogue's Pydantic models.

Each field of an event's payload model becomes a GOV.UK input: a date becomes the three-box date input, a
``Literal`` radios (or a select when there are many choices), a ``bool`` Yes/No radios, a list of choices
checkboxes, a list of free text a textarea (one per line), a number a numeric text input, text a text input
(special-category text a textarea). A nested model (Rule 39's "N days after an event") is flattened into its
fields. Field names are ``<event type>--<field>`` so each event's fields stay apart; the page shows only the
chosen event's fields (progressive enhancement: without JavaScript every section shows, labelled).

Validation errors come back as sentences naming the field's label, never Pydantic's own words.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from returnhub.casework.events import EVENT_PAYLOADS, SEALED_FIELDS
from returnhub.web.ui import labels

SEP = "--"
MANY_CHOICES = 6


@dataclass(frozen=True)
class FieldSpec:
    """One input of an event form."""

    name: str  # the form name and element id: ``rule39_granted--expires_on``
    path: tuple[str, ...]  # where the value goes in the payload: ("expires_after", "days")
    label: str
    kind: Literal["date", "radios", "select", "checkboxes", "lines", "number", "text", "textarea"]
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    hint: str | None = None


@dataclass(frozen=True)
class EventForm:
    event_type: str
    label: str
    fields: tuple[FieldSpec, ...]


@dataclass
class Parsed:
    payload: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (element id, sentence)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    """``Annotated[str, Field(...)]`` -> ``str``."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _choices(annotation: Any) -> tuple[tuple[str, str], ...] | None:
    annotation = _base(annotation)
    if get_origin(annotation) is Literal:
        return tuple((str(v), labels.code_label(str(v))) for v in get_args(annotation))
    return None


def _specs(
    event_type: str, model: type[BaseModel], prefix: tuple[str, ...] = (), *, optional_parent: bool = False
) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    sealed = SEALED_FIELDS.get(event_type, frozenset())
    for fname, info in model.model_fields.items():
        path = (*prefix, fname)
        annotation, optional = _unwrap_optional(info.annotation)
        annotation = _base(annotation)
        # A field of an optional nested part is required only once that part is given at all.
        required = info.is_required() and not optional and not optional_parent
        name = SEP.join((event_type, *path))
        label = labels.field_label(fname)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            specs += _specs(event_type, annotation, path, optional_parent=optional or optional_parent)
            continue
        if fname == "event_type" and prefix:
            options = tuple(
                (str(t), labels.event_label(t)) for t in sorted(EVENT_PAYLOADS, key=labels.event_label)
            )
            specs.append(FieldSpec(name, path, label, "select", required, options))
            continue
        choices = _choices(annotation)
        if choices is not None:
            kind: Any = "radios" if len(choices) <= MANY_CHOICES else "select"
            specs.append(FieldSpec(name, path, label, kind, required, choices))
        elif annotation is bool:
            specs.append(FieldSpec(name, path, label, "radios", required, (("yes", "Yes"), ("no", "No"))))
        elif annotation is date:
            specs.append(FieldSpec(name, path, label, "date", required, hint="For example, 27 3 2026"))
        elif annotation is int:
            specs.append(FieldSpec(name, path, label, "number", required))
        elif get_origin(annotation) is list:
            inner = _choices(get_args(annotation)[0])
            if inner is not None:
                specs.append(FieldSpec(name, path, label, "checkboxes", False, inner))
            else:
                specs.append(FieldSpec(name, path, label, "lines", False, hint="One on each line"))
        elif fname in sealed:
            hint = "Special category information: stored encrypted and shown only to the roles that need it"
            specs.append(FieldSpec(name, path, label, "textarea", required, hint=hint))
        else:
            specs.append(FieldSpec(name, path, label, "text", required))
    return specs


def event_form(event_type: str) -> EventForm:
    model = EVENT_PAYLOADS[event_type]
    return EventForm(event_type, labels.event_label(event_type), tuple(_specs(event_type, model)))


def event_forms(event_types: list[str]) -> list[EventForm]:
    return [event_form(t) for t in event_types]


def _put(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = payload
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def parse(event_type: str, form: Mapping[str, Any]) -> Parsed:
    """The payload a submitted form describes, or the errors to show (as sentences naming the fields)."""
    spec = event_form(event_type)
    out = Parsed()
    for f in spec.fields:
        if f.kind == "date":
            parts = [str(form.get(f"{f.name}-{p}", "")).strip() for p in ("day", "month", "year")]
            if not any(parts):
                continue
            if not all(parts):
                out.errors.append((f"{f.name}-day", f"{f.label} must include a day, month and year"))
                continue
            try:
                _put(out.payload, f.path, date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat())
            except ValueError:
                out.errors.append((f"{f.name}-day", f"{f.label} must be a real date"))
            continue
        if f.kind == "checkboxes":
            values = form.getlist(f.name) if hasattr(form, "getlist") else form.get(f.name, [])
            if values:
                _put(out.payload, f.path, list(values))
            continue
        raw = str(form.get(f.name, "")).strip()
        if f.kind == "lines":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if lines:
                _put(out.payload, f.path, lines)
            continue
        if not raw:
            continue
        if f.kind == "radios" and f.options == (("yes", "Yes"), ("no", "No")):
            _put(out.payload, f.path, raw == "yes")
        elif f.kind == "number":
            if not raw.isdigit():
                out.errors.append((f.name, f"{f.label} must be a whole number, like 28"))
                continue
            _put(out.payload, f.path, int(raw))
        else:
            _put(out.payload, f.path, raw)
    # A nested part left wholly blank is not given at all (Rule 39 with no "days after" expiry).
    for f in spec.fields:
        if len(f.path) > 1:
            nested = out.payload.get(f.path[0])
            if isinstance(nested, dict) and not nested:
                del out.payload[f.path[0]]
    if out.errors:
        return out
    try:
        EVENT_PAYLOADS[event_type].model_validate(out.payload)
    except ValidationError as exc:
        out.errors += [_sentence(spec, e) for e in exc.errors()]
    return out


def _field_for(spec: EventForm, loc: tuple[Any, ...]) -> FieldSpec | None:
    path = tuple(str(p) for p in loc)
    if not path:  # the model's own validator: not one field's
        return None
    for f in spec.fields:
        if f.path == path:
            return f
    for f in spec.fields:  # a nested model missing as a whole: point at its first field
        if f.path[: len(path)] == path:
            return f
    return None


#: Messages of the catalogue's own model validators, as sentences.
MODEL_MESSAGES = {
    "give one of expires_on, expires_at or expires_after": (
        "Give only one of the day the indication expires, the time it expires or a number of days after "
        "an event"
    ),
}


def _sentence(spec: EventForm, error: Mapping[str, Any]) -> tuple[str, str]:
    f = _field_for(spec, tuple(error.get("loc", ())))
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if f is None:
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        for raw, sentence in MODEL_MESSAGES.items():
            if raw in message:
                return (spec.fields[0].name if spec.fields else "event_type", sentence)
        first = spec.fields[0].name if spec.fields else "event_type"
        return (first, f"Check the details of the {spec.label.lower()}")
    target = f"{f.name}-day" if f.kind == "date" else f.name
    label = f.label
    lower = label[:1].lower() + label[1:]
    if kind == "missing":
        verb = "Choose" if f.kind in ("radios", "select", "checkboxes") else "Enter"
        return (target, f"{verb} {lower}")
    if kind in ("literal_error", "enum"):
        return (target, f"Choose {lower} from the list")
    if kind == "greater_than_equal":
        return (target, f"{label} must be {ctx.get('ge')} or more")
    if kind == "less_than_equal":
        return (target, f"{label} must be {ctx.get('le')} or less")
    if kind == "string_too_short":
        return (target, f"Enter {lower}")
    if kind == "string_too_long":
        return (target, f"{label} must be {ctx.get('max_length')} characters or fewer")
    if kind == "too_long":
        return (target, f"{label} can have at most {ctx.get('max_length')} entries")
    if kind.startswith("int"):
        return (target, f"{label} must be a whole number, like 28")
    if kind.startswith("date"):
        return (target, f"{label} must be a real date")
    return (target, f"Check {lower}")

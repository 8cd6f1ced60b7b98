"""The board's flag rules as a form: each rule's parameters become fields of the kind their
default is (a number, a yes/no, a list written with commas), read back with their kind checked;
only the parameters a rule has are read, so nothing unknown is stored."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from guestcrm.services.recognition.rules import DEFAULT_RULES, RuleSetting
from guestcrm.services.value.vip import COLOUR

MAX_LIST = 40


def rule_fields(rule: RuleSetting) -> list[tuple[str, str, Any]]:
    """(parameter, kind, current value) for the rule's parameters; kind: int, bool or list."""
    defaults = next(d for d in DEFAULT_RULES if d.code == rule.code).params
    out = []
    for name, default in defaults.items():
        kind = "bool" if isinstance(default, bool) else "list" if isinstance(
            default, list) else "int"
        out.append((name, kind, rule.params.get(name, default)))
    return out


def rules_data(form: MultiDict) -> dict[str, dict[str, Any]]:
    """The stored form of every rule; ValueError names the field that is wrong."""
    stored: dict[str, dict[str, Any]] = {}
    for default in DEFAULT_RULES:
        prefix = f"{default.code}."
        colour = form.get(prefix + "colour", default.colour)
        if not COLOUR.match(colour):
            raise ValueError(f"{default.code}: a colour is #rrggbb")
        priority = form.get(prefix + "priority", str(default.priority)).strip()
        if not priority.lstrip("-").isdigit() or not -1000 <= int(priority) <= 1000:
            raise ValueError(f"{default.code}: the priority is a whole number")
        params: dict[str, Any] = {}
        for name, value in default.params.items():
            if f"{prefix}{name}" not in form and not isinstance(value, bool):
                params[name] = value  # a field the form did not send keeps its default
                continue
            raw = form.get(f"{prefix}{name}", "")
            if isinstance(value, bool):
                params[name] = raw == "1"
            elif isinstance(value, list):
                items = [x.strip() for x in raw.split(",") if x.strip()]
                if len(items) > MAX_LIST or any(len(x) > 64 for x in items):
                    raise ValueError(f"{default.code}: {name} is a short list")
                params[name] = items
            else:
                if not raw.strip().isdigit():
                    raise ValueError(f"{default.code}: {name.replace('_', ' ')} is a whole "
                                     "number")
                params[name] = int(raw.strip())
        stored[default.code] = {"enabled": bool(form.get(prefix + "enabled")),
                                "priority": int(priority), "colour": colour,
                                "label": form.get(prefix + "label", default.label)[:64],
                                "params": params}
    return stored

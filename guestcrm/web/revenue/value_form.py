"""The value settings as a form: one field per cut-off, share and rate (commission rates per
channel, plus one new channel), read back into the settings' own shape; a field that is not
a number, or not one of the settings, is refused with its name."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from guestcrm.services.value.settings import SettingsError, ValueSettings

GROUPS = ("pyramid", "recency_days", "frequency_stays", "commission", "expected_future_stays",
          "retention")
WHOLE = ("recency_days", "frequency_stays")


def value_form(settings: ValueSettings) -> MultiDict:
    values = [(f"{group}.{key}", str(value))
              for group in GROUPS for key, value in getattr(settings, group).items()]
    values.append(("pyramid_vip_level", settings.pyramid_vip_level or ""))
    return MultiDict(values)


def value_data(form: MultiDict) -> dict[str, Any]:
    data: dict[str, Any] = {group: {} for group in GROUPS}
    for name, raw in form.items(multi=False):
        if name in ("csrf_token", "pyramid_vip_level", "new_channel", "new_rate"):
            continue
        group, _, key = name.partition(".")
        if group not in GROUPS or not key:
            raise SettingsError(f"unknown setting {name}")
        data[group][key] = _number(name, raw, whole=group in WHOLE)
    channel, rate = form.get("new_channel", "").strip(), form.get("new_rate", "").strip()
    if channel or rate:
        if not channel or not rate or len(channel) > 64:
            raise SettingsError("a new channel needs a name (up to 64 characters) and a rate")
        data["commission"][channel] = _number("new rate", rate, whole=False)
    data["pyramid_vip_level"] = form.get("pyramid_vip_level", "").strip() or None
    return data


def _number(name: str, raw: str, whole: bool) -> float | int:
    text = (raw or "").strip().replace(",", ".")
    try:
        return int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name.replace('_', ' ')} must be {kind}") from None

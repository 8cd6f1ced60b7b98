"""Recognition and value settings at /revenue/settings: VIP levels and flag rules (admins), RFM
segment actions and value cut-offs (admins and revenue managers, whose domain retention and
pricing are)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from guestcrm.extensions import db
from guestcrm.models import AuditEntry, CrmSetting
from guestcrm.services.access.staff import manages_the_whole_group
from guestcrm.services.recognition.rules import SETTING_KEY, merge_rules
from guestcrm.services.value.settings import (
    SettingsError,
    load_value_settings,
    save_value_settings,
    segment_actions,
    set_segment_action,
)
from guestcrm.services.value.vip import save_vip_level, vip_levels
from guestcrm.web.access import roles_required
from guestcrm.web.revenue.blueprint import REVENUE_ROLES as SETTINGS_ROLES
from guestcrm.web.revenue.blueprint import actor as _actor
from guestcrm.web.revenue.blueprint import bp
from guestcrm.web.revenue.blueprint import group_settings_allowed as _group_settings_allowed
from guestcrm.web.revenue.rule_form import rule_fields, rules_data
from guestcrm.web.revenue.value_form import GROUPS, value_data, value_form


def _back():
    return redirect(url_for("revenue.settings"))


@bp.get("/settings")
@roles_required(*SETTINGS_ROLES)
def settings():
    return _settings_page()


def _settings_page(value_values=None, value_error: str = ""):
    stored = db.session.get(CrmSetting, SETTING_KEY)
    current = load_value_settings(db.session)
    return render_template(
        "revenue/settings.html", levels=vip_levels(db.session, active_only=False),
        rules=merge_rules(stored.value if stored else None),
        actions=sorted(segment_actions(db.session).items()),
        value=value_values if value_values is not None else value_form(current),
        value_groups=[(g, list(getattr(current, g))) for g in GROUPS],
        value_error=value_error, levels_codes=[lv.code for lv in vip_levels(db.session)],
        rule_fields=rule_fields,
        is_admin=current_user.role == "admin",
        group_editor=manages_the_whole_group(db.session, current_user))


@bp.post("/settings/vip-levels")
@roles_required("admin")
def save_level():
    form = request.form
    rank = form.get("rank", "").strip()
    if not rank.isdigit():
        flash("VIP level not saved: the rank is a whole number.", "error")
        return _back()
    save_vip_level(db.session, form.get("code", ""), form.get("label", "")[:128],
                   form.get("colour", ""), int(rank), _actor(), active=bool(form.get("active")))
    db.session.commit()
    flash("VIP level saved.", "info")
    return _back()


@bp.post("/settings/rules")
@roles_required("admin")
def save_rules():
    try:
        stored = rules_data(request.form)
    except ValueError as exc:
        flash(f"Rules not saved: {exc}", "error")
        return _back()
    row = db.session.get(CrmSetting, SETTING_KEY) or CrmSetting(key=SETTING_KEY)
    before = dict(row.value or {})
    row.value, row.updated_by = stored, _actor()
    db.session.add(row)
    changed = sorted(code for code in stored if before.get(code) != stored[code])
    if changed:
        db.session.add(AuditEntry(actor=_actor(), action="settings.rules",
                                  target_type="setting", target_id=SETTING_KEY,
                                  details={"changed": changed}))
    db.session.commit()
    flash("Recognition rules saved.", "info")
    return _back()


@bp.post("/settings/segments/<code>")
@roles_required(*SETTINGS_ROLES)
def save_segment(code: str):
    _group_settings_allowed()
    label = request.form.get("label", "").strip()[:128]
    action = request.form.get("action", "").strip()[:2000]
    if not label or not action:
        flash("A segment needs a label and an action.", "error")
        return _back()
    set_segment_action(db.session, code, label, action, _actor())
    db.session.commit()
    flash(f"Action for {label} saved.", "info")
    return _back()


@bp.post("/settings/value")
@roles_required(*SETTINGS_ROLES)
def save_value():
    _group_settings_allowed()
    try:
        save_value_settings(db.session, value_data(request.form), _actor())
    except SettingsError as exc:
        db.session.rollback()
        return _settings_page(value_values=request.form, value_error=str(exc)), 422
    db.session.commit()
    flash("Value settings saved; tiers and segments follow at the next nightly run.", "info")
    return _back()

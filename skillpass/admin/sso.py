"""Admin screens: single sign-on's two switches, on the settings page (their own form)."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from skillpass import transaction
from skillpass.access import ADMIN, guard
from skillpass.admin.views import bp
from skillpass.forms import Checkbox, PostedForm
from skillpass.services import sso_accounts


class SsoSwitchesForm(PostedForm):
    """A ticked box is sent; a clear one is not."""

    sso_auto_accounts = Checkbox()
    sso_password_off = Checkbox()


@bp.post("/settings/sign-in")
@guard(ADMIN)
def sso_settings():
    form = SsoSwitchesForm()
    if not form.validate():
        transaction.discard()
        flash("Nothing changed: " + (form.form_errors or ["the form was not understood"])[0])
        return redirect(url_for("admin.settings", _anchor="sign-in"), code=303)
    changed = sso_accounts.update_switches(actor=current_user, sso_auto_accounts=bool(form.sso_auto_accounts.data),
                                           sso_password_off=bool(form.sso_password_off.data))
    flash("Saved: " + ", ".join(sso_accounts.SWITCHES[k] for k in changed) + "." if changed else "Nothing changed.")
    return redirect(url_for("admin.settings", _anchor="sign-in"), code=303)

"""The e-mails Boxoffice sends, at the dashboard: each built-in template, the merchant's own version of it edited
with a preview rendered on the server from the template's sample values, and a way back to the built-in one."""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response

from boxoffice.kit.errors import InvalidInput
from boxoffice.mail import overrides, previews
from boxoffice.mail.rendering import Rendered
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers/emails"
PARTS = ("subject", "text", "html")
# The message alone, as a mail program shows it: its own inline styles and remote images, and nothing else (no
# script, no form, no frame of it anywhere); `sandbox` gives it an origin of its own, never the dashboard's.
MESSAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'"


@router.get(HERE)
async def emails(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    return page.render(
        "developers_emails.html",
        templates=await overrides.list_templates(page.session, me.merchant.id),
        told=page.request.query_params.get("told"),
    )


async def _editor(
    page: DashboardContext,
    name: str,
    status: int = 200,
    draft: dict[str, str] | None = None,
    preview: Rendered | None = None,
    errors: dict[str, str] | None = None,
    **values: object,
) -> Response:
    """The template's editor, showing `draft` (or what is in use) and its preview, or why it can't render."""
    me = page.require(Permission.SETTINGS)
    state = await overrides.template_state(page.session, me.merchant.id, name)
    sources = draft or {"subject": state.sources.subject, "text": state.sources.text, "html": state.sources.html}
    if preview is None and errors is None:
        try:
            preview = await previews.preview_template(page.session, me.merchant.id, name, **sources)
        except InvalidInput as refused:  # what is in use no longer renders on the samples: shown, to be fixed
            errors = refused.errors
    return page.render(
        "developers_email.html",
        status,
        state=state,
        values=sources,
        preview=preview,
        errors=errors or {},
        **values,
    )


@router.get(f"{HERE}/{{name}}")
async def email(page: Dashboard, name: str) -> Response:
    return await _editor(page, name, told=page.request.query_params.get("told"))


@router.post(f"{HERE}/{{name}}")
async def preview_or_save(page: Dashboard, name: str) -> Response:
    """One form, two buttons: Preview renders the draft here and writes nothing; Save writes it once it renders."""
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    draft = {part: form.get(part, "") for part in PARTS}
    if form.get("action") != "save":
        page.audit_as("Previewed an e-mail template", name)
        try:
            preview = await previews.preview_template(page.session, me.merchant.id, name, **draft)
        except InvalidInput as refused:
            return await _editor(page, name, 422, draft, errors=refused.errors)
        return await _editor(page, name, draft=draft, preview=preview, told="previewed")
    try:
        await overrides.customize_template(page.session, me.merchant.id, name, **draft)
    except InvalidInput as refused:
        return await _editor(page, name, 422, draft, errors=refused.errors)
    page.audit_as("Changed an e-mail template", name)
    return page.redirect(f"{HERE}/{name}?told=saved")


@router.post(f"{HERE}/{{name}}/message")
async def message(page: Dashboard, name: str) -> Response:
    """The draft's HTML message rendered alone, for a tab of its own: inside the dashboard's page its inline styles
    are held back by the page's policy, which its frame inherits."""
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    draft = {part: form.get(part, "") for part in PARTS}
    try:
        shown = await previews.preview_template(page.session, me.merchant.id, name, **draft)
    except InvalidInput as refused:
        return await _editor(page, name, 422, draft, errors=refused.errors)
    page.audit_as("Previewed an e-mail template", name)
    headers = {
        "Content-Security-Policy": MESSAGE_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(shown.html, headers=headers)


@router.post(f"{HERE}/{{name}}/revert")
async def revert(page: Dashboard, name: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    await overrides.revert_template(page.session, me.merchant.id, name)
    page.audit_as("Reverted an e-mail template to the built-in one", name)
    return page.redirect(f"{HERE}/{name}?told=reverted")

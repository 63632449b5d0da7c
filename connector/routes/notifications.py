"""The unsubscribe address of marketing emails: one click (RFC 8058) and a page for people.

`POST /notifications/unsubscribe?t=TOKEN` unsubscribes at once: that is what a mail client's
one-click button sends (`List-Unsubscribe=One-Click`) and what the page's button posts. `GET`
only shows the page with the button, because link scanners open every link in a mail and must
not unsubscribe anyone. A token we did not sign answers 400 and changes nothing.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from connector.services.base.runtime import Runtime
from connector.services.notifications.consent import (
    BadUnsubscribeToken,
    message_for_token,
    unsubscribe,
)

_WORDS = {
    "en": {
        "title": "Unsubscribe",
        "ask": "Stop referral invitations and reminders from this shop to {to}?",
        "button": "Unsubscribe",
        "done": "Done: {to} gets no more referral invitations or reminders from this shop."
        " Messages about your own rewards still arrive.",
        "bad": "This unsubscribe link is not valid.",
    },
    "es": {
        "title": "Darse de baja",
        "ask": "¿Dejar de recibir invitaciones y recordatorios de referidos de esta tienda en {to}?",
        "button": "Darme de baja",
        "done": "Hecho: {to} ya no recibirá invitaciones ni recordatorios de referidos de esta"
        " tienda. Los mensajes sobre tus propias recompensas seguirán llegando.",
        "bad": "Este enlace para darse de baja no es válido.",
    },
}


def _page(locale: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="{escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family:system-ui,sans-serif;max-width:520px;margin:48px auto;'
        f'padding:0 16px"><h1>{escape(title)}</h1>{body}</body></html>'
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _words(locale: str) -> dict[str, str]:
    return _WORDS.get(locale, _WORDS["en"])


async def unsubscribe_page(request: Request) -> HTMLResponse:
    """GET: the page with the confirm button (nothing changes yet)."""
    runtime: Runtime = request.app.state.runtime
    token = request.query_params.get("t", "")
    try:
        row = await message_for_token(runtime, token)
    except BadUnsubscribeToken as exc:
        words = _words("en")
        return _page("en", words["title"], f"<p>{escape(str(exc))}</p>", 400)
    words = _words(row.locale)
    form = (
        f"<p>{escape(words['ask'].format(to=row.recipient))}</p>"
        f'<form method="post" action="?t={escape(token)}">'
        f'<button type="submit">{escape(words["button"])}</button></form>'
    )
    return _page(row.locale, words["title"], form)


async def unsubscribe_now(request: Request) -> HTMLResponse:
    """POST: unsubscribe (one click from the mail client, or the page's button)."""
    runtime: Runtime = request.app.state.runtime
    body = (await request.body())[:200]
    source = "one_click" if b"List-Unsubscribe=One-Click" in body else "link"
    try:
        row = await unsubscribe(runtime, request.query_params.get("t", ""), source)
    except BadUnsubscribeToken as exc:
        words = _words("en")
        return _page("en", words["title"], f"<p>{escape(str(exc))}</p>", 400)
    words = _words(row.locale)
    return _page(
        row.locale, words["title"], f"<p>{escape(words['done'].format(to=row.recipient))}</p>"
    )


routes = [
    Route("/notifications/unsubscribe", unsubscribe_page, methods=["GET"]),
    Route("/notifications/unsubscribe", unsubscribe_now, methods=["POST"]),
]

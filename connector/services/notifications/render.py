"""Rendering a message: the subject, the plain-text part and the HTML part, from one body.

Texts are Jinja templates a merchant may edit, so they run in Jinja's sandbox. The text part
renders the body as written; the HTML part renders the same body with autoescape on (every
placeholder value is escaped), keeps its paragraphs and line breaks, turns links into anchors,
and adds the kind's button and the footer (the shop, the program's terms page, and for marketing
the unsubscribe link).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from connector.domain.messages import MessageKind, Text

_TEXT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)
_HTML = SandboxedEnvironment(autoescape=True)
_LINK = re.compile(r"https?://[^\s<>\"']+")
_FOOTER = {
    "en": ("You receive this because of your account at {shop}.", "Unsubscribe"),
    "es": ("Recibes este mensaje por tu cuenta en {shop}.", "Darse de baja"),
}
_TERMS = {"en": "Program terms", "es": "Condiciones del programa"}
_MERCHANT_FOOTER = {
    "en": "Sent by the referral program of {shop}.",
    "es": "Enviado por el programa de referidos de {shop}.",
}
_LAYOUT = _HTML.from_string(
    """<!doctype html>
<html lang="{{ locale }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title></head>
<body style="margin:0;padding:24px;background:#f6f6f7;font-family:system-ui,sans-serif;color:#202223">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
{{ body }}
{% if action_url %}<p style="margin:24px 0"><a href="{{ action_url }}" style="background:#1f5199;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">{{ action_label }}</a></p>{% endif %}
</div>
<p style="max-width:560px;margin:16px auto;font-size:12px;color:#6d7175">{{ footer }}
{% if terms_url %}<a href="{{ terms_url }}" style="color:#6d7175">{{ terms_label }}</a>{% endif %}
{% if unsubscribe_url %}<a href="{{ unsubscribe_url }}" style="color:#6d7175">{{ unsubscribe_label }}</a>{% endif %}</p>
</body></html>
"""
)


class TemplateRefused(ValueError):
    """A subject or body a merchant wrote cannot be used: `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: subject, text part, HTML part."""

    subject: str
    text: str
    html: str


# What a merchant's text may use: placeholders, `{% if %}` and a few text filters. No loops,
# calls, attributes or assignments, so a text can neither run long nor reach beyond its values.
_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
    nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.Filter,
    nodes.Concat,
)  # fmt: skip
_ALLOWED_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "e"})


def _unsafe(node: nodes.Node) -> str | None:
    """The first construct of `node` a merchant's text may not use, in words; None when none."""
    if not isinstance(node, _ALLOWED_NODES):
        return f"{type(node).__name__.lower()} is not allowed (use placeholders and if)"
    if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
        allowed = ", ".join(sorted(_ALLOWED_FILTERS))
        return f"the filter {node.name} is not allowed (use {allowed})"
    for child in node.iter_child_nodes():
        found = _unsafe(child)
        if found is not None:
            return found
    return None


def check_text(kind: MessageKind, field: str, source: str) -> None:
    """Refuse a template that does not parse, names a placeholder the kind does not have, or
    uses more than placeholders, `if` and a few text filters."""
    try:
        parsed = _TEXT.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(field, f"line {exc.lineno}: {exc.message}") from exc
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(kind.placeholders))
    if unknown:
        known = ", ".join(sorted(kind.placeholders))
        raise TemplateRefused(field, f"unknown placeholder {', '.join(unknown)} (use {known})")
    problem = _unsafe(parsed)
    if problem is not None:
        raise TemplateRefused(field, problem)


def _html_body(source: str, values: Mapping[str, Any]) -> Markup:
    escaped = str(_HTML.from_string(source).render(values))
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    out = []
    for paragraph in paragraphs:
        linked = _LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', paragraph)
        out.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(out))  # noqa: S704 - built from the escaped rendering above


def render(
    kind: MessageKind,
    text: Text,
    values: Mapping[str, Any],
    *,
    locale: str,
    unsubscribe_url: str | None = None,
    terms_url: str | None = None,
) -> Rendered:
    """Render `text` of `kind` with `values`; the footer (with the terms page) and button in
    `locale`."""
    subject = " ".join(str(_TEXT.from_string(text.subject).render(values)).split())
    body = str(_TEXT.from_string(text.body).render(values)).strip()
    shop = str(values.get("shop_name") or "")
    if kind.audience.value == "merchant":
        footer, label = _MERCHANT_FOOTER.get(locale, _MERCHANT_FOOTER["en"]).format(shop=shop), ""
    else:
        line, label = _FOOTER.get(locale, _FOOTER["en"])
        footer = line.format(shop=shop)
    action_url = action_label = None
    if kind.action is not None and values.get(kind.action[0]):
        action_url = str(values[kind.action[0]])
        action_label = kind.action[1].get(locale) or kind.action[1]["en"]
    text_part = body
    if action_url and action_url not in body:
        text_part += f"\n\n{action_label}: {action_url}"
    text_part += f"\n\n--\n{footer}"
    terms_label = _TERMS.get(locale, _TERMS["en"])
    if terms_url:
        text_part += f"\n{terms_label}: {terms_url}"
    if unsubscribe_url:
        text_part += f"\n{label}: {unsubscribe_url}"
    html = _LAYOUT.render(
        locale=locale, subject=subject, body=_html_body(text.body, values), footer=footer,
        action_url=action_url, action_label=action_label, unsubscribe_url=unsubscribe_url,
        unsubscribe_label=label, terms_url=terms_url, terms_label=terms_label,
    )  # fmt: skip
    return Rendered(subject, text_part + "\n", html)


def plain(values: Mapping[str, Any]) -> dict[str, str]:
    """Values as text, None as empty: what the templates and WhatsApp parameters receive."""
    return {k: "" if v is None else str(v) for k, v in values.items()}

"""The catalogue of messages the connector sends: who receives each, why, and its default words.

A message kind is a `MessageKind`: its name (the outbox row's `kind`), the audience (a shopper
or the merchant), whether it is transactional (sent whatever the marketing consent) or marketing
(only with consent, never after an unsubscribe), the placeholders its texts may use, and the
default subject and body in every locale we ship (English and Spanish, complete). Bodies are
Jinja templates over the placeholders; the HTML part is made from the same body with every value
escaped. A merchant may switch a kind off and override its subject and body per locale; the
defaults here are what the admin shows and what "reset" returns to.

To add a kind: add one `MessageKind` to `KINDS` below (both locales), then call
`connector.services.base.messages.enqueue` with its name in the transaction of the event that
causes it. The admin page, the preview, the sender and the CLI pick it up from here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from connector.domain.money import Money, is_currency

LOCALES = ("en", "es")
DEFAULT_LOCALE = "en"


class Audience(enum.StrEnum):
    """Who receives a kind of message."""

    SHOPPER = "shopper"  # an advocate, a friend or a customer of the store
    MERCHANT = "merchant"  # the store's own notification address


class Category(enum.StrEnum):
    """Whether a message needs marketing consent."""

    TRANSACTIONAL = "transactional"  # about something the shopper did or owns
    MARKETING = "marketing"  # an ask or a reminder: consent and unsubscribe apply


@dataclass(frozen=True)
class Text:
    """A subject and a body (Jinja over the kind's placeholders) in one locale."""

    subject: str
    body: str


@dataclass(frozen=True)
class MessageKind:
    """One kind of message: audience, category, placeholders with sample values, default texts."""

    name: str
    audience: Audience
    category: Category
    # placeholder -> a sample value, for the admin's preview and "send me a test".
    placeholders: Mapping[str, str]
    texts: Mapping[str, Text]
    # The button under the body: the placeholder holding its URL and its label per locale.
    action: tuple[str, Mapping[str, str]] | None = None
    on_by_default: bool = True
    # WhatsApp: the approved template's name and the placeholders sent as its body parameters.
    whatsapp_params: tuple[str, ...] = field(default=())

    def text(self, locale: str) -> Text:
        """The default text in `locale`, English when we have none in it."""
        return self.texts.get(locale) or self.texts[DEFAULT_LOCALE]

    @property
    def marketing(self) -> bool:
        """True when consent and unsubscribes apply."""
        return self.category is Category.MARKETING


_SHOP = {"shop_name": "Casa Lumbre", "shop_url": "https://casa-lumbre.example"}
_ADVOCATE = {**_SHOP, "first_name": "Ana"}
_SHARE = {**_ADVOCATE, "share_link": "https://casa-lumbre.example/?ref=ANA-7KQ4",
          "friend_code": "ANA-7KQ4"}  # fmt: skip
_REWARD = {**_ADVOCATE, "reward": "10.00 EUR store credit", "code": "",
           "expires_on": "2027-01-31"}  # fmt: skip
_SHARE_LABEL = {"en": "Share your link", "es": "Comparte tu enlace"}
_SHOP_LABEL = {"en": "Visit the shop", "es": "Visitar la tienda"}
_ADMIN_LABEL = {"en": "Open the referral admin", "es": "Abrir la administración de referidos"}
_MERCHANT = {**_SHOP, "admin_url": "https://connector.example.com/admin"}

_KINDS: tuple[MessageKind, ...] = (
    MessageKind(
        "welcome",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        _SHARE,
        {
            "en": Text(
                "Your referral link for {{ shop_name }}",
                "Hi {{ first_name }},\n\nthanks for joining the referral program of"
                " {{ shop_name }}. Share your link, or your code {{ friend_code }}, with friends:"
                " they get a discount, and you get a reward when they buy.\n\n{{ share_link }}",
            ),
            "es": Text(
                "Tu enlace de referidos de {{ shop_name }}",
                "Hola {{ first_name }}:\n\ngracias por unirte al programa de referidos de"
                " {{ shop_name }}. Comparte tu enlace, o tu código {{ friend_code }}, con tus"
                " amistades: ellas obtienen un descuento y tú una recompensa cuando compren.\n\n"
                "{{ share_link }}",
            ),
        },
        action=("share_link", _SHARE_LABEL),
        whatsapp_params=("first_name", "share_link"),
    ),
    MessageKind(
        "reward_earned",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        _REWARD,
        {
            "en": Text(
                "You earned a reward at {{ shop_name }}",
                "Hi {{ first_name }},\n\na friend you referred bought at {{ shop_name }}, so you"
                " earned {{ reward }}.{% if code %}\n\nYour code: {{ code }}{% endif %}"
                "{% if expires_on %}\n\nUse it by {{ expires_on }}.{% endif %}\n\nThank you for"
                " spreading the word!",
            ),
            "es": Text(
                "Has ganado una recompensa en {{ shop_name }}",
                "Hola {{ first_name }}:\n\nuna persona a la que recomendaste ha comprado en"
                " {{ shop_name }}, así que has ganado {{ reward }}.{% if code %}\n\nTu código:"
                " {{ code }}{% endif %}{% if expires_on %}\n\nÚsalo antes del {{ expires_on }}."
                "{% endif %}\n\n¡Gracias por recomendarnos!",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "reward"),
    ),
    MessageKind(
        "reward_reversed",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        _REWARD,
        {
            "en": Text(
                "A reward at {{ shop_name }} was taken back",
                "Hi {{ first_name }},\n\nthe order that earned you {{ reward }} was refunded or"
                " cancelled, so the reward was taken back.{% if code %} The code {{ code }} no"
                " longer works.{% endif %}\n\nYour link still works for your next referral.",
            ),
            "es": Text(
                "Se ha retirado una recompensa en {{ shop_name }}",
                "Hola {{ first_name }}:\n\nel pedido por el que ganaste {{ reward }} se ha"
                " reembolsado o cancelado, así que la recompensa se ha retirado.{% if code %}"
                " El código {{ code }} ya no funciona.{% endif %}\n\nTu enlace sigue valiendo"
                " para tu próxima recomendación.",
            ),
        },
        whatsapp_params=("first_name", "reward"),
    ),
    MessageKind(
        "reward_expiring",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        _REWARD,
        {
            "en": Text(
                "Your reward at {{ shop_name }} expires on {{ expires_on }}",
                "Hi {{ first_name }},\n\nyour {{ reward }} expires on {{ expires_on }}."
                "{% if code %} Use the code {{ code }} at checkout.{% endif %}",
            ),
            "es": Text(
                "Tu recompensa en {{ shop_name }} caduca el {{ expires_on }}",
                "Hola {{ first_name }}:\n\ntu recompensa ({{ reward }}) caduca el"
                " {{ expires_on }}.{% if code %} Usa el código {{ code }} al pagar.{% endif %}",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "reward", "expires_on"),
    ),
    MessageKind(
        "points_expiring",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_ADVOCATE, "points": "250", "expires_on": "2027-01-31", "balance": "900"},
        {
            "en": Text(
                "{{ points }} points at {{ shop_name }} expire on {{ expires_on }}",
                "Hi {{ first_name }},\n\n{{ points }} of your {{ balance }} points expire on"
                " {{ expires_on }}. Spend them before then.",
            ),
            "es": Text(
                "{{ points }} puntos en {{ shop_name }} caducan el {{ expires_on }}",
                "Hola {{ first_name }}:\n\n{{ points }} de tus {{ balance }} puntos caducan el"
                " {{ expires_on }}. Úsalos antes de esa fecha.",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "points", "expires_on"),
    ),
    MessageKind(
        "tier_reached",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_ADVOCATE, "tier": "Gold", "perks": "free shipping on every order"},
        {
            "en": Text(
                "Welcome to {{ tier }} at {{ shop_name }}",
                "Hi {{ first_name }},\n\nyou reached the {{ tier }} tier at {{ shop_name }}."
                "{% if perks %} Your perks: {{ perks }}.{% endif %}",
            ),
            "es": Text(
                "Bienvenida al nivel {{ tier }} de {{ shop_name }}",
                "Hola {{ first_name }}:\n\nhas alcanzado el nivel {{ tier }} en {{ shop_name }}."
                "{% if perks %} Tus ventajas: {{ perks }}.{% endif %}",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "tier"),
    ),
    MessageKind(
        "stamp_card_completed",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_ADVOCATE, "card": "Every 4th order", "reward": "a 10.00 EUR discount", "cards": "1"},
        {
            "en": Text(
                "Your stamp card at {{ shop_name }} is full",
                "Hi {{ first_name }},\n\nyou filled your stamp card “{{ card }}” at"
                " {{ shop_name }}, so you earned {{ reward }}. It is on its way to your account;"
                " your next purchase starts a new card.",
            ),
            "es": Text(
                "Has completado tu tarjeta de sellos en {{ shop_name }}",
                "Hola {{ first_name }}:\n\nhas completado tu tarjeta de sellos «{{ card }}» en"
                " {{ shop_name }}, así que has ganado {{ reward }}. Ya está en camino a tu cuenta;"
                " tu próxima compra empieza una tarjeta nueva.",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "reward"),
    ),
    MessageKind(
        "birthday",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_ADVOCATE, "points": "200", "balance": "1200"},
        {
            "en": Text(
                "Happy birthday from {{ shop_name }}",
                "Hi {{ first_name }},\n\nhappy birthday! We added {{ points }} points to your"
                " account at {{ shop_name }}: you now have {{ balance }}.",
            ),
            "es": Text(
                "¡Feliz cumpleaños de parte de {{ shop_name }}!",
                "Hola {{ first_name }}:\n\n¡feliz cumpleaños! Hemos añadido {{ points }} puntos a"
                " tu cuenta de {{ shop_name }}: ahora tienes {{ balance }}.",
            ),
        },
        action=("shop_url", _SHOP_LABEL),
        whatsapp_params=("first_name", "points"),
    ),
    MessageKind(
        "purchase_ask",
        Audience.SHOPPER,
        Category.MARKETING,
        {**_SHARE, "friend_offer": "10% off their first order"},
        {
            "en": Text(
                "Loved your order, {{ first_name }}? Share it with a friend",
                "Hi {{ first_name }},\n\nwe hope you are enjoying your order from {{ shop_name }}."
                " If you know someone who would love it too, send them your link"
                "{% if friend_offer %}: they get {{ friend_offer }} with your code"
                " {{ friend_code }}{% endif %}, and you get a reward when they buy."
                "\n\n{{ share_link }}",
            ),
            "es": Text(
                "¿Te ha gustado tu pedido, {{ first_name }}? Compártelo",
                "Hola {{ first_name }}:\n\nesperamos que estés disfrutando de tu pedido de"
                " {{ shop_name }}. Si conoces a alguien a quien también le encantaría, envíale tu"
                " enlace{% if friend_offer %}: obtendrá {{ friend_offer }} con tu código"
                " {{ friend_code }}{% endif %}, y tú una recompensa cuando compre."
                "\n\n{{ share_link }}",
            ),
        },
        action=("share_link", _SHARE_LABEL),
        whatsapp_params=("first_name", "share_link"),
    ),
    MessageKind(
        "winback_ask",
        Audience.SHOPPER,
        Category.MARKETING,
        {**_SHARE, "friend_offer": "10% off their first order"},
        {
            "en": Text(
                "We miss you at {{ shop_name }}",
                "Hi {{ first_name }},\n\nit has been a while since your last order at"
                " {{ shop_name }}. Your referral link still works: share it with a friend"
                "{% if friend_offer %} (they get {{ friend_offer }}){% endif %} and come back"
                " for your reward.\n\n{{ share_link }}",
            ),
            "es": Text(
                "Te echamos de menos en {{ shop_name }}",
                "Hola {{ first_name }}:\n\nha pasado un tiempo desde tu último pedido en"
                " {{ shop_name }}. Tu enlace de referidos sigue activo: compártelo con alguien"
                "{% if friend_offer %} (obtendrá {{ friend_offer }}){% endif %} y vuelve a por"
                " tu recompensa.\n\n{{ share_link }}",
            ),
        },
        action=("share_link", _SHARE_LABEL),
        whatsapp_params=("first_name", "share_link"),
    ),
    MessageKind(
        "thanks_long_time",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_SHARE, "orders": "6"},
        {
            "en": Text(
                "Thank you for bringing a friend to {{ shop_name }}",
                "Hi {{ first_name }},\n\nafter {{ orders }} orders you know {{ shop_name }}"
                " better than anyone, and now a friend of yours does too. Thank you for"
                " vouching for us: it means a lot coming from you.\n\n{{ share_link }}",
            ),
            "es": Text(
                "Gracias por traer a una amistad a {{ shop_name }}",
                "Hola {{ first_name }}:\n\ndespués de {{ orders }} pedidos conoces"
                " {{ shop_name }} mejor que nadie, y ahora también alguien cercano a ti. Gracias"
                " por recomendarnos: viniendo de ti significa mucho.\n\n{{ share_link }}",
            ),
        },
        action=("share_link", _SHARE_LABEL),
        whatsapp_params=("first_name",),
    ),
    MessageKind(
        "thanks_occasional",
        Audience.SHOPPER,
        Category.TRANSACTIONAL,
        {**_SHARE, "orders": "1"},
        {
            "en": Text(
                "Thank you for the referral, {{ first_name }}",
                "Hi {{ first_name }},\n\na friend you referred just ordered from"
                " {{ shop_name }}. Thank you! Keep sharing your link: every friend who buys"
                " earns you another reward.\n\n{{ share_link }}",
            ),
            "es": Text(
                "Gracias por la recomendación, {{ first_name }}",
                "Hola {{ first_name }}:\n\nuna persona a la que recomendaste acaba de comprar en"
                " {{ shop_name }}. ¡Gracias! Sigue compartiendo tu enlace: cada amistad que"
                " compre te da otra recompensa.\n\n{{ share_link }}",
            ),
        },
        action=("share_link", _SHARE_LABEL),
        whatsapp_params=("first_name",),
    ),
    MessageKind(
        "referral_flagged",
        Audience.MERCHANT,
        Category.TRANSACTIONAL,
        {
            **_MERCHANT,
            "count": "2",
            "orders": "#1001, #1002",
            "reasons": "The friend ordered from the advocate's network",
        },
        {
            "en": Text(
                "{{ count }} referrals wait for your review",
                "{{ count }} new referrals were held for your review (orders {{ orders }})."
                "{% if reasons %} The first one: {{ reasons }}.{% endif %}\n\nApprove or"
                " reject them in the referral admin: nothing is credited until you do.",
            ),
            "es": Text(
                "{{ count }} referidos esperan tu revisión",
                "{{ count }} referidos nuevos quedaron retenidos para tu revisión (pedidos"
                " {{ orders }}).{% if reasons %} El primero: {{ reasons }}.{% endif %}\n\n"
                "Apruébalos o recházalos en la administración de referidos: no se abona nada"
                " hasta que lo hagas.",
            ),
        },
        action=("admin_url", _ADMIN_LABEL),
    ),
    MessageKind(
        "deliveries_dead",
        Audience.MERCHANT,
        Category.TRANSACTIONAL,
        {**_MERCHANT, "count": "3", "first_error": "PlatformUnavailable: 503 from the store"},
        {
            "en": Text(
                "{{ count }} deliveries could not be processed",
                "{{ count }} webhook deliveries or messages of {{ shop_name }} ran out of tries"
                " and wait for you. The first error: {{ first_error }}.\n\nOnce the cause is"
                " fixed, replay them from the referral admin.",
            ),
            "es": Text(
                "{{ count }} entregas no se han podido procesar",
                "{{ count }} entregas de webhooks o mensajes de {{ shop_name }} agotaron sus"
                " intentos y te esperan. El primer error: {{ first_error }}.\n\nCuando la"
                " causa esté resuelta, reenvíalas desde la administración de referidos.",
            ),
        },
        action=("admin_url", _ADMIN_LABEL),
    ),
    MessageKind(
        "reauth_needed",
        Audience.MERCHANT,
        Category.TRANSACTIONAL,
        {**_MERCHANT, "why": "the access token was revoked"},
        {
            "en": Text(
                "Reconnect {{ shop_name }} to keep rewards flowing",
                "The connector can no longer reach {{ shop_name }} ({{ why }}). Rewards wait"
                " until you open the app again to reconnect; nothing is lost meanwhile.",
            ),
            "es": Text(
                "Vuelve a conectar {{ shop_name }} para seguir dando recompensas",
                "El conector ya no puede acceder a {{ shop_name }} ({{ why }}). Las recompensas"
                " esperan hasta que abras la app para volver a conectarla; mientras tanto no se"
                " pierde nada.",
            ),
        },
        action=("admin_url", _ADMIN_LABEL),
    ),
    MessageKind(
        "weekly_digest",
        Audience.MERCHANT,
        Category.TRANSACTIONAL,
        {
            **_MERCHANT,
            "week": "2026-11-30",
            "referrals": "14",
            "rewarded": "9",
            "pending": "4",
            "review": "1",
            "advocates": "23",
            "messages": "41",
        },
        {
            "en": Text(
                "Your referral week at {{ shop_name }} ({{ week }})",
                "The week from {{ week }}:\n\n- new referrals: {{ referrals }}\n- rewarded:"
                " {{ rewarded }}\n- waiting for the hold: {{ pending }}\n- waiting for your"
                " review: {{ review }}\n- new advocates: {{ advocates }}\n- messages sent:"
                " {{ messages }}",
            ),
            "es": Text(
                "Tu semana de referidos en {{ shop_name }} ({{ week }})",
                "La semana desde el {{ week }}:\n\n- referidos nuevos: {{ referrals }}\n-"
                " recompensados: {{ rewarded }}\n- esperando el plazo: {{ pending }}\n-"
                " esperando tu revisión: {{ review }}\n- personas nuevas que recomiendan:"
                " {{ advocates }}\n- mensajes enviados: {{ messages }}",
            ),
        },
        action=("admin_url", _ADMIN_LABEL),
    ),
    MessageKind(
        "budget_warning",
        Audience.MERCHANT,
        Category.TRANSACTIONAL,
        {**_MERCHANT, "spent": "450.00 EUR", "budget": "500.00 EUR", "period": "December"},
        {
            "en": Text(
                "Your referral budget is almost spent",
                "Rewards have used {{ spent }} of the {{ budget }} budget for {{ period }}."
                " When it is spent, new referrals wait for review.",
            ),
            "es": Text(
                "Tu presupuesto de referidos está casi agotado",
                "Las recompensas han usado {{ spent }} de los {{ budget }} de presupuesto de"
                " {{ period }}. Cuando se agote, los nuevos referidos esperarán revisión.",
            ),
        },
        action=("admin_url", _ADMIN_LABEL),
    ),
)

KINDS: Mapping[str, MessageKind] = {kind.name: kind for kind in _KINDS}


def message_kind(name: str) -> MessageKind:
    """The kind called `name`; KeyError names the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"no message kind {name!r} (known: {', '.join(KINDS)})") from None


_REWARD_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "percentage_discount": "a {amount}% discount",
        "fixed_amount_discount": "a {money} discount",
        "free_shipping": "free shipping on your next order",
        "store_credit": "{money} in store credit",
        "points": "{points} points",
        "cash": "{money}",
        "charity_donation": "a {money} donation to {cause}",
        "gift_card": "a {money} gift card",
        "free_product": "a free {product}",
    },
    "es": {
        "percentage_discount": "un descuento del {amount} %",
        "fixed_amount_discount": "un descuento de {money}",
        "free_shipping": "el envío gratis en tu próximo pedido",
        "store_credit": "{money} de saldo en la tienda",
        "points": "{points} puntos",
        "cash": "{money}",
        "charity_donation": "una donación de {money} a {cause}",
        "gift_card": "una tarjeta regalo de {money}",
        "free_product": "{product} gratis",
    },
}


_PRODUCT = {"en": "product", "es": "un producto"}


def reward_words(
    kind: str,
    locale: str,
    *,
    amount: object = None,
    currency: str | None = None,
    points: int | None = None,
    cause: str | None = None,
    product: str | None = None,
) -> str:
    """A reward as a phrase in `locale`: "10.00 EUR in store credit", "un descuento del 10 %",
    "a 25.00 EUR gift card", "Bolsa tote gratis" (a free product by its name)."""
    words = _REWARD_WORDS.get(locale, _REWARD_WORDS[DEFAULT_LOCALE])
    number = "" if amount is None else f"{Decimal(str(amount)).normalize():f}"
    money = number
    if amount is not None and currency and is_currency(currency):
        money = str(Money.of(Decimal(str(amount)), currency))
    template = words.get(kind, "{money}")
    thing = product or _PRODUCT.get(locale, _PRODUCT[DEFAULT_LOCALE])
    return template.format(
        amount=number, money=money, points=points or 0, cause=cause or "", product=thing
    )

"""SMTP_URL: one variable for host, port, TLS mode and credentials, refused clearly when wrong."""

from __future__ import annotations

import pytest

from connector.errors import ConfigError
from connector.settings import Secret, parse_smtp_url


def test_smtp_url_with_credentials_uses_starttls_when_offered() -> None:
    mail = parse_smtp_url("smtp://apikey:p%40ss%2Fword@smtp.example.org", "hola@shop.example")
    assert (mail.host, mail.port, mail.username, mail.use_tls, mail.starttls) == (
        "smtp.example.org",
        587,
        "apikey",
        False,
        None,
    )
    assert mail.password == Secret("p@ss/word")
    assert "p@ss" not in repr(mail)
    assert mail.from_address == "hola@shop.example"


def test_smtps_is_tls_from_the_start_and_starttls_can_be_required_or_off() -> None:
    tls = parse_smtp_url("smtps://mail.example.org")
    assert (tls.port, tls.use_tls, tls.starttls) == (465, True, False)
    assert parse_smtp_url("smtp://relay:2525?starttls=require").starttls is True
    assert parse_smtp_url("smtp://relay:25?starttls=off&timeout=5").timeout_seconds == 5.0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.org", "SMTP_URL must look like"),
        ("smtp://", "SMTP_URL must look like"),
        ("smtp://relay?starttls=maybe", "?starttls=require|off"),
        ("smtp://relay?tls=1", "?starttls=require|off"),
        ("smtp://relay:notaport", "SMTP_URL:"),
    ],
)
def test_a_wrong_smtp_url_is_refused_saying_what_to_write(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_smtp_url(url)
    assert says in str(caught.value)

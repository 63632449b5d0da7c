from hypothesis import given
from hypothesis import strategies as st

from connector.domain.emails import email_domain, is_disposable, normalize_email


def test_case_and_whitespace_are_ignored():
    assert normalize_email("  Bo@Example.COM ") == "bo@example.com"


def test_gmail_dots_and_googlemail_domain_are_folded():
    assert normalize_email("b.o.smith@googlemail.com") == "bosmith@gmail.com"


def test_plus_aliases_are_dropped_for_every_provider():
    assert normalize_email("bo+shop@example.com") == "bo@example.com"
    assert normalize_email("b.o+x+y@gmail.com") == "bo@gmail.com"


def test_dots_outside_gmail_are_kept():
    assert normalize_email("b.o@example.com") == "b.o@example.com"


def test_strange_inputs_are_left_recognisable():
    assert normalize_email("no-at-sign") == "no-at-sign"
    assert normalize_email("+only@example.com") == "+only@example.com"


def test_disposable_domains_include_subdomains_and_program_extras():
    assert is_disposable("x@mailinator.com")
    assert is_disposable("x@eu.mailinator.com")
    assert not is_disposable("x@example.com")
    assert is_disposable("x@burner.test", ["Burner.Test"])
    assert email_domain("X@Example.com.") == "example.com"


emails = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet="aB.+_- ", max_size=12),
        st.sampled_from(["gmail.com", "GoogleMail.com", "example.com", "gmail.com.", " x.org"]),
    ),
)


@given(emails)
def test_normalize_email_is_idempotent(email):
    once = normalize_email(email)
    assert normalize_email(once) == once

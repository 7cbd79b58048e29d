"""The merchant's rules an access check asks in turn: the page a player is on, the viewer's country, their age.
Each refusal names its rule, which is what the content log records and the dialects answer by."""

from __future__ import annotations

from datetime import date

import pytest

from boxoffice.kit.errors import Restricted
from boxoffice.restrictions import rules
from boxoffice.restrictions.models import CountrySet, RestrictionSettings


def settings(*, domains: list[str] | None = None, pin: bool = False) -> RestrictionSettings:
    return RestrictionSettings(
        age_verification_enabled=pin, age_verification_type="pin_code", allowed_domains=domains or []
    )


def refused_by(check: object, *args: object, **kwargs: object) -> str:
    """The rule a check refuses by."""
    with pytest.raises(Restricted) as refused:
        check(*args, **kwargs)  # type: ignore[operator]
    return refused.value.reason


# ----------------------------------------------------------------------------------------------------
# Domain


@pytest.mark.parametrize("referrer", [None, "", "https://anywhere.example/page"])
def test_no_allowed_domains_means_any_page(referrer: str | None) -> None:
    rules.check_domain(settings(), referrer)


@pytest.mark.parametrize(
    "referrer",
    ["https://shop.example.com/watch", "https://SHOP.example.com/", "http://shop.example.com:8080/a?b=c"],
)
def test_an_allowed_host_matches_exactly_whatever_its_path_port_or_case(referrer: str) -> None:
    rules.check_domain(settings(domains=["shop.example.com"]), referrer)


@pytest.mark.parametrize(
    "referrer",
    [
        None,
        "",
        "not a url",
        "https://example.com/",  # the parent of the host allowed
        "https://www.shop.example.com/",  # a subdomain, which only a wildcard allows
        "https://shop.example.com.evil.example/",
        "https://evilshop.example.com/",
    ],
)
def test_any_other_page_or_none_is_refused_by_the_domain_rule(referrer: str | None) -> None:
    assert refused_by(rules.check_domain, settings(domains=["shop.example.com"]), referrer) == "domain"


def test_a_wildcard_allows_every_subdomain_but_not_the_domain_itself_or_a_lookalike() -> None:
    wildcard = settings(domains=["*.example.com"])
    rules.check_domain(wildcard, "https://a.example.com/")
    rules.check_domain(wildcard, "https://a.b.example.com/")
    assert refused_by(rules.check_domain, wildcard, "https://example.com/") == "domain"
    assert refused_by(rules.check_domain, wildcard, "https://badexample.com/") == "domain"


def test_any_one_of_several_allowed_hosts_is_enough() -> None:
    several = settings(domains=["one.example", "two.example"])
    rules.check_domain(several, "https://two.example/")
    assert refused_by(rules.check_domain, several, "https://three.example/") == "domain"


# ----------------------------------------------------------------------------------------------------
# Geo


def country_set(type_: str, *countries: str) -> CountrySet:
    return CountrySet(name="Somewhere", type=type_, countries=list(countries))


@pytest.mark.parametrize("country", ["FR", None, "ZZ"])
def test_no_country_set_restricts_nobody(country: str | None) -> None:
    rules.check_geo(None, country)


def test_a_whitelist_lets_in_only_its_countries_and_never_an_unknown_one() -> None:
    only = country_set("whitelist", "FR", "BE")
    rules.check_geo(only, "FR")
    rules.check_geo(only, "be")  # a code is compared upper-cased
    assert refused_by(rules.check_geo, only, "ES") == "geo"
    assert refused_by(rules.check_geo, only, None) == "geo"


def test_a_blacklist_keeps_out_only_its_countries_and_lets_an_unknown_one_in() -> None:
    not_there = country_set("blacklist", "FR")
    rules.check_geo(not_there, "ES")
    rules.check_geo(not_there, None)
    assert refused_by(rules.check_geo, not_there, "FR") == "geo"
    assert refused_by(rules.check_geo, not_there, "fr") == "geo"


# ----------------------------------------------------------------------------------------------------
# Age


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2000, 6, 15), date(2018, 6, 14), 17),
        (date(2000, 6, 15), date(2018, 6, 15), 18),  # on the birthday itself
        (date(2000, 2, 29), date(2018, 2, 28), 17),  # born on a leap day: of age on 1 March in other years
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
        (date(2000, 12, 31), date(2001, 1, 1), 0),
    ],
)
def test_an_age_counts_birthdays_passed(birth: date, today: date, age: int) -> None:
    assert rules.age_on(birth, today) == age


TODAY = date(2026, 12, 31)


@pytest.mark.parametrize("min_age", [None, 0])
def test_content_with_no_minimum_age_asks_nothing(min_age: int | None) -> None:
    rules.check_age(min_age, settings(pin=True), date_of_birth=None, pin_verified=False, today=TODAY)
    rules.check_age(min_age, settings(), date_of_birth=None, pin_verified=False, today=TODAY)


def test_without_pin_verification_the_date_of_birth_must_show_the_age() -> None:
    came_of_age = date(2008, 12, 31)
    rules.check_age(18, settings(), date_of_birth=came_of_age, pin_verified=False, today=TODAY)
    # A validated PIN proves nothing when the merchant does not verify age by PIN.
    for born in (date(2009, 1, 1), None):
        with pytest.raises(Restricted) as refused:
            rules.check_age(18, settings(), date_of_birth=born, pin_verified=True, today=TODAY)
        assert (refused.value.reason, refused.value.message) == (
            "age",
            "This content is restricted to viewers aged 18 or older",
        )


def test_with_pin_verification_a_validated_pin_proves_age_and_nothing_else_does() -> None:
    rules.check_age(18, settings(pin=True), date_of_birth=None, pin_verified=True, today=TODAY)
    rules.check_age(18, settings(pin=True), date_of_birth=date(2009, 1, 1), pin_verified=True, today=TODAY)
    with pytest.raises(Restricted) as refused:
        rules.check_age(18, settings(pin=True), date_of_birth=date(1970, 1, 1), pin_verified=False, today=TODAY)
    assert refused.value.reason == "age"
    assert refused.value.message == "Age verification required: validate the PIN code sent to your e-mail"

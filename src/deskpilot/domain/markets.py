"""The markets DeskPilot's reference company operates in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Market:
    """A country the company sells in: its currency, main language and locale."""

    country: str  # ISO 3166-1 alpha-2
    currency: str  # ISO 4217
    language: str  # BCP 47 primary language subtag
    locale: str  # Babel / CLDR locale id
    late_fee_minor: int  # the late fee charged on an overdue installment


MARKETS: dict[str, Market] = {
    m.country: m
    for m in [
        Market("US", "USD", "en", "en_US", 700),
        Market("GB", "GBP", "en", "en_GB", 500),
        Market("IE", "EUR", "en", "en_IE", 500),
        Market("AU", "AUD", "en", "en_AU", 1000),
        Market("CA", "CAD", "en", "en_CA", 800),
        Market("NZ", "NZD", "en", "en_NZ", 1000),
        Market("DE", "EUR", "de", "de_DE", 500),
        Market("AT", "EUR", "de", "de_AT", 500),
        Market("CH", "CHF", "de", "de_CH", 500),
        Market("SE", "SEK", "sv", "sv_SE", 6000),
        Market("NO", "NOK", "nb", "nb_NO", 6000),
        Market("FI", "EUR", "fi", "fi_FI", 500),
        Market("DK", "DKK", "da", "da_DK", 4000),
        Market("NL", "EUR", "nl", "nl_NL", 500),
        Market("BE", "EUR", "nl", "nl_BE", 500),
        Market("FR", "EUR", "fr", "fr_FR", 500),
        Market("IT", "EUR", "it", "it_IT", 500),
        Market("ES", "EUR", "es", "es_ES", 500),
        Market("PT", "EUR", "pt", "pt_PT", 500),
        Market("PL", "PLN", "pl", "pl_PL", 2000),
        Market("CZ", "CZK", "cs", "cs_CZ", 12000),
        Market("GR", "EUR", "el", "el_GR", 500),
        Market("RO", "RON", "ro", "ro_RO", 2500),
        Market("HU", "HUF", "hu", "hu_HU", 200000),
        Market("MX", "MXN", "es", "es_MX", 10000),
        Market("JP", "JPY", "ja", "ja_JP", 800),
    ]
}


# Every language customers are served in (BCP 47 primary subtags).
LANGUAGES: tuple[str, ...] = (
    "en", "de", "sv", "nb", "fi", "da", "nl", "fr", "it", "es", "pl", "pt", "cs", "el", "ro",
    "hu", "sk", "hr", "bg", "sl", "lt", "et", "tr", "ar", "fa", "so", "hi", "ur", "uk", "ru",
    "zh", "ja", "ko", "vi", "th",
)  # fmt: skip
# Languages other than the market's own that many customers there speak at home.
ALSO_SPOKEN: dict[str, tuple[str, ...]] = {
    "US": ("es", "zh", "vi", "ko", "hi", "th", "ar", "ru"),
    "GB": ("pl", "ur", "hi", "ro", "ar", "lt", "so", "bg"),
    "IE": ("pl", "lt", "pt", "ro"),
    "AU": ("zh", "vi", "ar", "ko", "th", "hi"),
    "CA": ("fr", "zh", "hi", "ko", "ar"),
    "NZ": ("zh", "hi", "ko"),
    "DE": ("tr", "ru", "pl", "ar", "uk", "hr", "bg", "fa", "vi"),
    "AT": ("tr", "hr", "sl", "sk", "bg"),
    "CH": ("fr", "it", "pt", "hr"),
    "SE": ("ar", "fa", "so", "fi", "pl"),
    "NO": ("pl", "so", "ur", "sv"),
    "FI": ("sv", "ru", "et"),
    "DK": ("tr", "ar", "pl"),
    "NL": ("tr", "ar", "pl"),
    "BE": ("fr", "ar", "tr"),
    "FR": ("ar", "pt", "tr"),
    "IT": ("ro", "ar", "uk"),
    "ES": ("ro", "ar", "en"),
    "PT": ("uk", "ro", "en"),
    "PL": ("uk", "ru"),
    "CZ": ("sk", "uk", "vi"),
    "GR": ("bg", "ar"),
    "RO": ("hu",),
    "HU": ("ro", "sk"),
    "MX": ("en",),
    "JP": ("zh", "ko", "vi"),
}


def market_for(country: str) -> Market:
    """The market for an ISO country code; KeyError if the company is not there."""
    return MARKETS[country.upper()]

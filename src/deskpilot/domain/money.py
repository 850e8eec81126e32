"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass

from deskpilot.errors import InvalidInput

# Minor-unit exponents for the currencies DeskPilot's markets use (ISO 4217).
CURRENCY_EXPONENTS: dict[str, int] = {
    "AUD": 2,
    "BGN": 2,
    "CAD": 2,
    "CHF": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HUF": 2,
    "JPY": 0,
    "KRW": 0,
    "MXN": 2,
    "NOK": 2,
    "NZD": 2,
    "PLN": 2,
    "RON": 2,
    "SEK": 2,
    "TRY": 2,
    "USD": 2,
    "AED": 2,
    "INR": 2,
    "UAH": 2,
}


def check_currency(code: str) -> str:
    """Return the upper-cased currency code, or raise InvalidInput if unknown."""
    norm = code.strip().upper()
    if norm not in CURRENCY_EXPONENTS:
        raise InvalidInput(f"Unknown or unsupported currency {code!r}")
    return norm


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents, öre, yen) of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidInput("Money amounts are whole minor units (integers)")
        check_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(f"Cannot mix {self.currency} and {other.currency}")

    def format(self) -> str:
        """Plain, locale-neutral rendering such as ``EUR 12.50``."""
        exp = CURRENCY_EXPONENTS[self.currency]
        if exp == 0:
            return f"{self.currency} {self.minor}"
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**exp)
        return f"{sign}{self.currency} {whole}.{frac:0{exp}d}"


def split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` minor units into ``parts`` amounts that add up exactly.

    The remainder goes to the first parts, so no minor unit is ever lost.
    """
    if parts <= 0:
        raise InvalidInput("parts must be positive")
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]

"""A temperature as parents type it ("38.4", "38,4", "101.2F", "37.9 °C"), read in the unit
the number shows, or why not. Pure.

The ranges a child's temperature can have do not overlap between the units (30-44 °C is
86-111.2 °F), so the unit is told by the value when it is not typed: 38.4 is °C, 101.2 is °F.
Below 30 °C or above 44 °C (111.2 °F) is refused: a thermometer read wrong, or a typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOWEST_C, HIGHEST_C = 30.0, 44.0
LOW_BELOW_C = 36.0  # 30-35.9 °C: the card's low-temperature line
_TYPED = re.compile(
    r"^\s*(?:temp(?:erature)?\s*(?:of|is|was|:)?\s*)?(\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º|deg(?:rees)?)?\s*([cf])?\s*$",
    re.IGNORECASE,
)

NOT_A_TEMPERATURE = "not_a_temperature"
OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Reading:
    celsius: float  # to a tenth
    fahrenheit: bool  # typed (or told by the value) in °F
    typed: str  # the number as typed, with its unit: "101.2 °F", "38,4 °C"


def read(text: str) -> Reading | str:
    """The reading, or NOT_A_TEMPERATURE / OUT_OF_RANGE."""
    m = _TYPED.match(text)
    if m is None:
        return NOT_A_TEMPERATURE
    number = m.group(1)
    value = float(number.replace(",", "."))
    unit = (m.group(2) or "").lower()
    fahrenheit = unit == "f" or (not unit and value > 50)
    celsius = round((value - 32) * 5 / 9 if fahrenheit else value, 1)
    if not LOWEST_C <= celsius <= HIGHEST_C:
        return OUT_OF_RANGE
    return Reading(celsius, fahrenheit, f"{number} {'°F' if fahrenheit else '°C'}")


def plainly(text: str) -> Reading | None:
    """A message that is a temperature and nothing else, in range: "38.4", "101.2F"."""
    found = read(text)
    return found if isinstance(found, Reading) else None

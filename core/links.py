"""A page's address by its name and whole-number arguments, reversed once per process for each
kind of link, then filled in for each row.

A page that links every row of a list (an attendance list: a form and a note for each person)
would otherwise reverse the same pattern again and again, and reversing is among the dearest
things a template does. `link(name, *ids)` gives what `reverse(name, args=ids)` gives: the
pattern is reversed once with stand-in numbers (per URLconf and script prefix, again after a
test changes the settings) and each stand-in replaced.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse

_STAND_IN = 7_340_000_001  # a number no pattern's fixed text contains


def link(name: str, *ids: int) -> str:
    if not all(isinstance(i, int) for i in ids):  # other values may need quoting: reverse()
        raise TypeError(f"link({name!r}) takes whole numbers, not {ids!r}")
    pattern = _pattern(name, len(ids), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return pattern.format(*ids)


@cache
def _pattern(name: str, count: int, urlconf: str, prefix: str) -> str:
    stand_ins = [str(_STAND_IN + i) for i in range(count)]
    pattern = reverse(name, args=stand_ins).replace("{", "{{").replace("}", "}}")
    for i, stand_in in enumerate(stand_ins):
        if pattern.count(stand_in) != 1:
            raise ValueError(f"{name}: its address does not hold argument {i} once")
        pattern = pattern.replace(stand_in, f"{{{i}}}")
    return pattern


def _forget(**kwargs) -> None:
    _pattern.cache_clear()


setting_changed.connect(_forget)

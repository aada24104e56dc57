"""Each translated message looked up once per language and process, not on every use.

Django's catalog for a regional English ("en-gb", our default) chains six plain gettext
catalogs behind it, one for "en" from each package that ships one (Python's gettext finds
both "en_GB" and "en" files and Django keeps the second as a fallback). None of them holds our
own messages, so every {% translate %} on an English page walked all seven before giving the
message back: a tenth of a busy page's time (bench/README.md). A catalog
never changes once loaded (a language's is built once per process, and again after a test
changes the settings it comes from), so the answer for each message is remembered on it.
"""

from gettext import GNUTranslations

from django.utils.translation.trans_real import DjangoTranslation

_lookup = GNUTranslations.gettext
_AT_MOST = 20_000  # messages remembered per language: the catalogs hold a few thousand


def _remembered_gettext(self, message):
    remembered = self.__dict__.setdefault("_remembered", {})
    try:
        return remembered[message]
    except KeyError:
        found = _lookup(self, message)
        if len(remembered) < _AT_MOST:
            remembered[message] = found
        return found


def remember_lookups() -> None:
    DjangoTranslation.gettext = _remembered_gettext

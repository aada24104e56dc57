"""One rule for digits across the app: numbers, dates, times and phone numbers are typed in the
digits 0 to 9. Python reads Arabic-Indic, full-width and other digits as numbers, so without
the rule some parts took "\u0662\u0660\u0662\u0667-01-01" as a date while others refused it."""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.forms import DigitsRule
from core.validators import phone_number
from members import text_numbers
from sessions.models import GroupSession

ARABIC_INDIC_2027 = "\u0662\u0660\u0662\u0667"


def our_forms():
    """Every form class of every app of ours with a forms module: found among the top-level
    apps, not listed, so that a form in a new app (accounts, say) cannot slip past."""
    ours = [
        app.name
        for app in apps.get_app_configs()
        if Path(app.path).parent == settings.BASE_DIR and (Path(app.path) / "forms.py").exists()
    ]
    assert "accounts" in ours and "members" in ours
    for module in ours:
        found = importlib.import_module(f"{module}.forms")
        for _, cls in inspect.getmembers(found, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == found.__name__:
                yield pytest.param(cls, id=cls.__name__)


@pytest.mark.parametrize("form", list(our_forms()))
def test_every_form_of_ours_keeps_the_digits_rule(form):
    assert issubclass(form, DigitsRule)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("day", f"{ARABIC_INDIC_2027}-01-05"),
        ("duration", "\u0669\u0660"),
    ],
)
def test_a_date_or_number_in_other_digits_is_refused_with_a_message(personas, world, field, value):
    session = world.upcoming
    local = timezone.localtime(session.starts_at, session.group_zone)
    data = {
        "day": local.date().isoformat(),
        "at": local.strftime("%H:%M"),
        "duration": "90",
        "location": "Room 1",
    } | {field: value}
    response = personas["facilitator"].post(reverse("session_change", args=[session.pk]), data)
    assert response.status_code == 400 and "Use the digits 0 to 9." in response.text
    assert GroupSession.objects.get(pk=session.pk).starts_at == session.starts_at


@pytest.mark.parametrize(
    "typed", ["\u0660\u0667\u0664\u0660\u0660 123456", "+\uff14\uff14 7400 123456"]
)
def test_a_mobile_number_in_other_digits_is_refused(typed):
    with pytest.raises(ValidationError, match="Use the digits 0 to 9"):
        text_numbers.normalised(typed)
    with pytest.raises(ValidationError):
        phone_number(typed)

"""The long select (core/forms.py) draws what Django's own select draws, in one template."""

import re

from django import forms

from core.forms import LongSelect
from members.models import timezone_choices


def drawn(widget_class, value) -> list:
    field = forms.ChoiceField(choices=timezone_choices, widget=widget_class)
    html = field.widget.render("timezone", value, attrs={"id": "id_timezone", "required": True})
    return [
        re.sub(r"\s+", " ", part).strip()
        for part in re.findall(r"<select[^>]*>|<optgroup[^>]*>|<option[^>]*>[^<]*</option>", html)
    ]


def test_it_draws_the_same_select_as_django_with_the_chosen_zone_selected():
    ours, django = drawn(LongSelect, "America/New_York"), drawn(forms.Select, "America/New_York")
    assert ours == django
    assert ours[0] == '<select name="timezone" id="id_timezone" required>'
    assert len(ours) > 400
    chosen = [i for i, o in enumerate(ours) if "selected" in o]
    # Listed twice (common zones first, then A to Z): chosen once, among the common ones.
    assert [ours[i] for i in chosen] == [
        '<option value="America/New_York" selected>America/New_York</option>'
    ]
    assert chosen[0] < ours.index('<optgroup label="All time zones">')

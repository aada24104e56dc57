"""Programme templates: versions that never change, files that round-trip and refuse what is
wrong, sessions planned in order (round again for a rolling group), and a member's progress."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from demo.programmes import EXAMPLE
from programmes import exchange, queries, services
from programmes.models import Module, PlannedModule
from sessions.models import Attendance, GroupSession
from tests.programmes.factories import example_programme, programme
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def weekly_sessions(group, count, first_in_days=1):
    start = timezone.now() + timedelta(days=first_in_days)
    return [
        GroupSessionFactory(group=group, starts_at=start + timedelta(weeks=week))
        for week in range(count)
    ]


def test_the_example_programme_reads_and_round_trips_through_a_file():
    version = example_programme()
    assert version.number == 1 and version.modules.count() == 8
    exported = exchange.export(version)
    assert exported["format"] == "together-programme" and exported["format_version"] == 1
    text = exchange.read(json.dumps(exported).encode())
    assert [m.key for m in text.modules] == [m.key for m in version.modules.all()]
    assert text.modules[0].note_prompts == version.modules.first().note_prompts
    assert exported == {**json.loads(EXAMPLE.read_text()), "version": 1}


def test_saving_a_template_again_makes_a_new_version_and_leaves_the_old_one_as_it_was():
    first = programme(keys=("one", "two"))
    second = programme(keys=("one", "two", "three"))
    assert (first.number, second.number) == (1, 2) and first.template == second.template
    assert [m.key for m in first.modules.all()] == ["one", "two"]
    assert first.template.current == second


def test_the_database_refuses_to_change_a_written_version():
    module = programme().modules.first()
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        Module.objects.filter(pk=module.pk).update(title="Rewritten")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG not json", "not JSON"),
        (b'{"name": "x"}', "is not a programme template"),
        (b'{"format": "together-programme", "format_version": 9}', "format version 9"),
        (b"[" + b" " * 600_000 + b"]", "larger than 512 KB"),
    ],
)
def test_a_file_that_is_not_a_template_is_refused_with_what_is_wrong(content, says):
    with pytest.raises(ValidationError) as refused:
        exchange.read(content)
    assert says in " ".join(refused.value.messages)


def test_every_fault_in_a_template_file_is_listed_at_once():
    bad = {
        "format": "together-programme",
        "format_version": 1,
        "name": "Line\nbreak",
        "language": "fr",
        "modules": [
            {"key": "Has Spaces", "title": "One"},
            {"key": "two", "title": ""},
            {"key": "two", "title": "Three", "agenda": "x" * 4001, "note_prompts": "not a list"},
        ],
    }
    with pytest.raises(ValidationError) as refused:
        exchange.read(json.dumps(bad).encode())
    said = " ".join(refused.value.messages)
    for fault in (
        "needs a name of one line",
        "language must be one of",
        "Module 1 needs a key",
        "Module 2 needs a title",
        "Module 3 has the key two, used already",
        "Module 3: agenda must be text of up to 4,000",
        "Module 3: note_prompts must be a list",
    ):
        assert fault in said


def test_sessions_take_the_modules_in_order_and_a_rolling_group_comes_round_again(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    version = programme(keys=("one", "two", "three"))
    services.follow_programme(group=group, version=version, by=facilitator)
    first = weekly_sessions(group, 2)
    assert services.plan_from_programme(sessions=first) == 2
    later = weekly_sessions(group, 3, first_in_days=20)
    services.plan_from_programme(sessions=later)
    planned = GroupSession.objects.filter(group=group).order_by("starts_at")
    assert [s.planned_module.module.key for s in planned] == ["one", "two", "three", "one", "two"]
    assert planned[0].topic == "One" and planned[0].take_home == "Practise one"
    assert planned[2].curriculum_module == "3. Three"


def test_a_group_on_no_programme_plans_nothing(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    assert services.plan_from_programme(sessions=weekly_sessions(group, 2)) == 0
    assert not PlannedModule.objects.exists()


def test_a_new_version_never_rewrites_a_planned_session_and_carries_on_by_key(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    services.follow_programme(group=group, version=programme(), by=facilitator)
    services.plan_from_programme(sessions=weekly_sessions(group, 2))
    text = exchange.check(
        name="Four weeks",
        language="en-gb",
        description="",
        modules=[{"key": k, "title": f"New {k}"} for k in ("one", "two", "three", "four")],
    )
    newer = services.save_template(text=text, by=facilitator)
    services.follow_programme(group=group, version=newer, by=facilitator)
    services.plan_from_programme(sessions=weekly_sessions(group, 1, first_in_days=20))
    topics = list(group.sessions.order_by("starts_at").values_list("topic", flat=True))
    assert topics == ["One", "Two", "New three"]


def test_a_member_who_joins_late_sees_what_is_left_and_completes_on_the_last_one(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    member = EnrollmentFactory(group=group).participant
    services.follow_programme(group=group, version=programme(keys=("one", "two")), by=facilitator)
    sessions = weekly_sessions(group, 4, first_in_days=-40)  # one, two, one, two
    services.plan_from_programme(sessions=sessions)
    AttendanceFactory(session=sessions[1], participant=member, status=Attendance.Status.PRESENT)
    AttendanceFactory(session=sessions[2], participant=member, status=Attendance.Status.ABSENT)
    progress = queries.progress(group, member)
    assert progress.done == 1 and [m.key for m in progress.still_to_do] == ["one"]
    assert progress.completed_at is None
    AttendanceFactory(session=sessions[0], participant=EnrollmentFactory(group=group).participant)
    Attendance.objects.filter(session=sessions[2], participant=member).update(
        status=Attendance.Status.PRESENT
    )
    progress = queries.progress(group, member)
    assert progress.still_to_do == [] and progress.completed_at == sessions[2].starts_at

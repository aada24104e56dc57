import datetime

import factory

from tests.members.factories import UserFactory
from therapy_groups.models import Enrollment, TherapyGroup


class TherapyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapyGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Tuesday group {n}")
    location = "Room 2, 10 High Street"
    timezone = "Europe/London"
    capacity = 10
    start_date = datetime.date(2026, 1, 1)

    @factory.post_generation
    def facilitators(group, create, extracted, **kwargs):
        if create and extracted:
            group.facilitators.add(*extracted)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    group = factory.SubFactory(TherapyGroupFactory)
    participant = factory.SubFactory(UserFactory)
    status = Enrollment.Status.ACTIVE
    joined_on = datetime.date(2026, 1, 1)

from django.utils.functional import SimpleLazyObject

from members.models import Organisation


def organisation(request):
    # Lazy: pages that never show the organisation's name cost no query.
    return {"organisation": SimpleLazyObject(Organisation.current)}

from django.http import HttpResponse

from members.access import signed_in
from members.models import User


@signed_in
def floor(request):
    """The floor: an authenticated view doing one indexed query, through the same middleware."""
    email = User.objects.filter(pk=request.user.pk).values_list("email", flat=True).first()
    return HttpResponse(f"ok {len(email)}", content_type="text/plain")

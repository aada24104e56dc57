from django.contrib import messages
from django.core.exceptions import ValidationError


def report(request, error: ValidationError) -> None:
    """Show a service's refusal to the person, one message per reason."""
    for message in error.messages:
        messages.error(request, message)

from django.dispatch import Signal

# Sent by members.services.accept_invitation with `invitation` and `user`. Lets apps that build
# on members (therapy_groups) attach what was waiting for this person, without members knowing.
invitation_accepted = Signal()

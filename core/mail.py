"""Email in development, readable: `console://` prints each message as a person reads it."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    """Django's console backend prints the MIME source: quoted-printable bodies whose links
    break at "=" and cannot be pasted. This prints who, what and the plain-text body as
    sent, links whole, and says when an HTML version went with it."""

    def write_message(self, message):
        html = [kind for _, kind in getattr(message, "alternatives", ()) if kind == "text/html"]
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            message.body,
        ]
        if html:
            lines += ["", "(An HTML version of the same words went with it.)"]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")

from demo.programmes import seed_example_programme
from programmes import exchange, services


def example_programme():
    """The example programme the demo ships (eight sessions), version 1."""
    return seed_example_programme()


def programme(name="Four weeks", keys=("one", "two", "three", "four"), by=None):
    text = exchange.check(
        name=name,
        language="en-gb",
        description="",
        modules=[
            {"key": key, "title": key.title(), "take_home": f"Practise {key}"} for key in keys
        ],
    )
    return services.save_template(text=text, by=by)


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(content: bytes = PDF, name: str = "handout.pdf", content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type)


def session_handout(session, by, *, title="Sleep diary", language="en-gb", content=PDF):
    from programmes import handouts

    return handouts.add_handout(
        upload=upload(content), title=title, language=language, by=by, session=session
    )


def released_handout(session, by, **fields):
    from programmes import handouts

    handout = session_handout(session, by, **fields)
    handouts.release_handout(session=session, handout=handout, by=by)
    return handout

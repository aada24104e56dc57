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

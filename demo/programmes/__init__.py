"""The example programme the demo ships: structure and text written for this project."""

from pathlib import Path

from programmes import exchange, services
from programmes.models import ProgrammeTemplate, TemplateVersion

EXAMPLE = Path(__file__).with_name("eight-weeks-mood-and-action.json")


def seed_example_programme() -> TemplateVersion:
    text = exchange.read(EXAMPLE.read_bytes())
    existing = ProgrammeTemplate.objects.filter(name=text.name).first()
    if existing is not None:
        return existing.current
    return services.save_template(text=text, by=None)

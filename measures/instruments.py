"""The questionnaires: data, not code, so a third one is a new entry here and nothing else.

PHQ-9 and GAD-7 were released by their developers (Drs Robert L. Spitzer, Janet B. W. Williams,
Kurt Kroenke and colleagues) for use without copyright restriction. Their wording, the two-week
frame and the answer labels are kept exactly as published.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    code: str  # ours, stored with each answer
    name: str
    plain_name: str  # what participants read: no clinical names on their pages
    title: str
    frame: str  # the question every item answers
    items: tuple[str, ...]
    options: tuple[str, ...]  # labels for the scores 0, 1, 2, 3
    bands: tuple[Band, ...]
    reliable_change: int  # points, either way, that are more than measurement error
    case_level: int  # at or above: "case level" for recovery
    loinc_panel: str
    loinc_total: str
    # The unscored question after the items (how difficult the problems made daily life).
    difficulty: str = ""
    difficulty_options: tuple[str, ...] = ()
    risk_item: int | None = None  # 1-based: any answer above 0 opens a safety follow-up
    loinc_risk_item: str = ""
    response_fraction: float | None = None  # "response": down by this share of the baseline
    remission_below: int | None = None  # "remission": a latest total below this
    # Languages this wording is the validated, published version in. Another language is only
    # ever offered with its validated translation, never a home-made one; none is bundled yet,
    # so a participant who reads Spanish sees the English wording, with a note (language_shown).
    languages: tuple[str, ...] = ("en",)

    def language_shown(self, language: str) -> str:
        """The language the instrument is shown in to someone reading `language`."""
        base = language.split("-")[0]
        return base if base in self.languages else self.languages[0]

    @property
    def max_total(self) -> int:
        return len(self.items) * (len(self.options) - 1)

    def band(self, total: int) -> Band:
        return next(band for band in self.bands if band.low <= total <= band.high)


FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")
DIFFICULTY = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)
DIFFICULTY_OPTIONS = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)

PHQ9 = Instrument(
    code="phq9",
    name="PHQ-9",
    plain_name=gettext_lazy("mood questions"),
    title="Patient Health Questionnaire (PHQ-9)",
    frame=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=FREQUENCY,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    reliable_change=6,
    case_level=10,
    loinc_panel="44249-1",
    loinc_total="44261-6",
    difficulty=DIFFICULTY,
    difficulty_options=DIFFICULTY_OPTIONS,
    risk_item=9,
    loinc_risk_item="44260-8",
    response_fraction=0.5,
    remission_below=5,
)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7",
    plain_name=gettext_lazy("worry questions"),
    title="Generalized Anxiety Disorder 7-item (GAD-7)",
    frame="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    options=FREQUENCY,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    reliable_change=4,
    case_level=8,
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7)}
CHOICES = [(i.code, i.name) for i in INSTRUMENTS.values()]

"""Spanish stays complete: every message has its Spanish, the catalogue holds every message in
the code (gathered again here as `make messages` gathers them), the compiled catalogue is the
one the .po makes, and templates have no words outside {% translate %}."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
SPANISH = ROOT / "locale" / "es" / "LC_MESSAGES"


def entries(po: Path) -> list[dict]:
    """A .po file's entries: msgctxt, msgid, msgid_plural, msgstr (a list), flags."""
    found, entry, field = [], None, None
    for line in [*po.read_text().splitlines(), ""]:
        if not line.strip():
            if entry and (entry["msgid"] or entry["msgctxt"]):
                found.append(entry)
            entry = None
            continue
        entry = entry or {"msgctxt": "", "msgid": "", "msgid_plural": "", "msgstr": {}, "flags": ""}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = eval(line)  # a quoted C string from our own catalogue
            if isinstance(field, int):
                entry["msgstr"][field] += text
            else:
                entry[field] += text
        else:
            keyword, _, quoted = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            field = int(match[1]) if match else keyword
            text = eval(quoted)
            if field == "msgstr":
                field = 0
            if isinstance(field, int):
                entry["msgstr"][field] = text
            else:
                entry[field] = text
    return found


PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}")


def problems(po: Path) -> list[str]:
    found = []
    for entry in entries(po):
        name = entry["msgid"][:60]
        if "fuzzy" in entry["flags"]:
            found.append(f"fuzzy: {name}")
        if not entry["msgstr"] or not all(entry["msgstr"].values()):
            found.append(f"no Spanish: {name}")
            continue
        wanted = sorted(PLACEHOLDERS.findall(entry["msgid"] + entry["msgid_plural"]))
        for text in entry["msgstr"].values():
            if not set(PLACEHOLDERS.findall(text)) <= set(wanted) or (
                not entry["msgid_plural"] and sorted(PLACEHOLDERS.findall(text)) != wanted
            ):
                found.append(f"placeholders differ: {name}")
    return found


def test_every_message_has_its_spanish():
    assert entries(SPANISH / "django.po"), "the catalogue is empty"
    assert problems(SPANISH / "django.po") == []


def test_the_parser_sees_a_missing_translation(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid "Hello"\nmsgstr ""\n\nmsgid "Hi %(name)s"\nmsgstr "Hola"\n\n'
        '#, fuzzy\nmsgid "Bye"\nmsgstr "Adiós"\n'
    )
    assert problems(po) == [
        "no Spanish: Hello",
        "placeholders differ: Hi %(name)s",
        "fuzzy: Bye",
    ]


@pytest.fixture(scope="module")
def gathered_again(tmp_path_factory) -> Path:
    """The project copied aside and its messages gathered again, as `make messages` does (in a
    copy: makemessages writes where it finds the catalogue)."""
    copy = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "staticfiles", "test-artifacts", "*.pyc", "__pycache__"
    )
    shutil.copytree(ROOT, copy / "app", ignore=ignore)
    app = copy / "app"
    command = [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete"]
    command += ["--no-location", "--ignore=tests/*", "--ignore=bench/*", "--ignore=static/*"]
    command += ["--ignore=scripts/*"]
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run(command, cwd=app, env=env, check=True, capture_output=True)
    return app / "locale" / "es" / "LC_MESSAGES"


def test_the_catalogue_holds_every_message_in_the_code(gathered_again):
    ours = {(e["msgctxt"], e["msgid"]) for e in entries(SPANISH / "django.po")}
    now = {(e["msgctxt"], e["msgid"]) for e in entries(gathered_again / "django.po")}
    assert sorted(now - ours) == [], "new messages: run `make messages` and translate them"
    assert sorted(ours - now) == [], "messages no longer used: run `make messages`"


def test_the_compiled_catalogue_is_the_one_the_po_makes(tmp_path):
    compiled = tmp_path / "django.mo"
    # What compilemessages runs.
    subprocess.run(["msgfmt", "--check-format", "-o", compiled, SPANISH / "django.po"], check=True)
    assert compiled.read_bytes() == (SPANISH / "django.mo").read_bytes(), "run `make messages`"


# Templates ------------------------------------------------------------------------------

TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1>|<[^>]*>", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")
LITERAL = re.compile(r'\|\w+:"([^"]*)"')
# data-label: a table's column name, shown before each value when a phone lays rows as cards.
SHOWN_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder|data-label)="([^"]*)"')


def untranslated(source: str) -> list[str]:
    """Words a template shows outside {% translate %} / {% blocktranslate %}: its text with
    every tag and translated stretch taken out, then its HTML markup."""
    shown, inside = [], 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            inside += name in {"blocktranslate", "blocktrans"}
            inside -= name in {"endblocktranslate", "endblocktrans"}
            shown.append("\x00")
        elif token.token_type == TokenType.TEXT and not inside:
            shown.append(token.contents)
        elif token.token_type == TokenType.VAR:  # {{ x|default:"Words" }} shows the words
            shown.extend(f" {words} " for words in LITERAL.findall(token.contents))
        else:
            shown.append("\x00")
    text = "".join(shown)
    found = [word for value in SHOWN_ATTRIBUTES.findall(text) for word in WORDS.findall(value)]
    return found + WORDS.findall(TAG.sub(" ", text).replace("&nbsp;", " "))


def test_templates_show_no_words_outside_translation():
    left = {}
    for path in sorted((ROOT / "templates").rglob("*.*")):
        words = untranslated(path.read_text())
        if words:
            left[str(path.relative_to(ROOT / "templates"))] = words[:8]
    assert left == {}


def test_the_template_check_sees_words_left_out():
    assert untranslated('<p>Hello {{ name }}</p><a title="Go home">x</a>') == [
        "Go",
        "home",
        "Hello",
    ]
    assert untranslated('<a href="{% url \'home\' %}" class="brand">{{ name }}</a>') == []
    assert untranslated('{% load i18n %}<p>{% translate "Hello" %}</p>') == []
    assert untranslated("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}") == []


# Python ---------------------------------------------------------------------------------

APPS = ["core", "members", "therapy_groups", "sessions", "programmes", "measures", "pathways"]
APPS += ["administration", "participation", "facilitation", "accounts"]
SHOWN_KEYWORDS = {"label", "help_text", "verbose_name", "question", "consequences", "button"}
MESSAGES = {"success", "info", "warning", "error"}


def words(node) -> bool:
    """A literal with words in it: a string people would read, if shown."""
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(WORDS.search(node.value))
    )


def untranslated_in_python(source: str) -> list[str]:
    """Literal words reaching people without gettext: messages, refusals, form and field
    labels and help, the review step's words, choice labels and message kinds' labels; also a
    literal first assigned to a name (`error = "..."`) and then shown."""
    found = []
    tree = ast.parse(source)
    assigned = {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }

    def literal(node, depth=3):
        """What a shown name holds, when a literal was put in it; the node itself otherwise
        (a few steps deep, so `x = x or y` cannot loop)."""
        if depth and isinstance(node, ast.Name) and node.id in assigned:
            return literal(assigned[node.id], depth - 1)
        if depth and isinstance(node, ast.IfExp):
            return next(
                (n for n in (node.body, node.orelse) if words(literal(n, depth - 1))), node.body
            )
        return node

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            shown = [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
            if name.startswith("messages.") and name.split(".")[-1] in MESSAGES:
                shown += node.args[1:2]
            if name.endswith("ValidationError") or name in {"Content", "outbox.Text"}:
                shown += node.args[:1]
            if name.endswith(("MessageKind", "Topic")):
                shown += node.args[1:2]
                # A label kept from start-up must be lazy: gettext then would fix its language.
                found += [
                    f"eager: {ast.unparse(n)[:60]}"
                    for n in node.args[1:2]
                    if isinstance(n, ast.Call) and ast.unparse(n.func) == "_"
                ]
            if name.startswith(("models.", "Encrypted")) and name.endswith("Field"):
                shown += node.args[:1]
            found += [ast.unparse(literal(n))[:70] for n in shown if words(literal(n))]
        elif isinstance(node, ast.ClassDef) and any(
            ast.unparse(base).endswith("Choices") for base in node.bases
        ):
            for item in node.body:
                value = getattr(item, "value", None)
                if isinstance(value, ast.Tuple) and len(value.elts) == 2 and words(value.elts[1]):
                    found.append(ast.unparse(value.elts[1])[:70])
    return found


def test_python_shows_no_words_outside_gettext():
    # Every app of ours is read: a new one (accounts, say) must be named above.
    apps_here = {p.parent.name for p in ROOT.glob("*/apps.py")} - {"demo"}
    assert apps_here <= set(APPS), f"name them in APPS: {sorted(apps_here - set(APPS))}"
    left = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            if found := untranslated_in_python(path.read_text()):
                left[str(path.relative_to(ROOT))] = found
    assert left == {}


def test_the_python_check_sees_words_left_out():
    source = (
        'messages.success(request, "Saved.")\n'
        'messages.success(request, _("Saved."))\n'
        'raise ValidationError(f"Too many: {n}")\n'
        'forms.CharField(label="Your name")\n'
        'models.CharField("first name", max_length=9)\n'
        'class Colour(models.TextChoices):\n    RED = "red", "Red"\n    BLUE = "blue", _("Blue")\n'
        'outbox.MessageKind("x", _("Kind"), email=build)\n'
        'problem = "Choose a date."\nform.add_error(None, ValidationError(problem))\n'
        'why = _("Too late.") if late else "Too soon."\nraise ValidationError(why)\n'
    )
    assert sorted(untranslated_in_python(source)) == [
        "'Choose a date.'",
        "'Red'",
        "'Saved.'",
        "'Too soon.'",
        "'Your name'",
        "'first name'",
        "eager: _('Kind')",
        "f'Too many: {n}'",
    ]


def test_a_remembered_translation_is_what_the_catalogs_give_in_each_language():
    """core/translations.py remembers each answer on the language's catalog: the same answer
    as the whole chain of catalogs gives, for every message we ship, first use and again."""
    from gettext import GNUTranslations

    from django.utils import translation
    from django.utils.translation import trans_real

    with open("locale/es/LC_MESSAGES/django.mo", "rb") as compiled:
        shipped = GNUTranslations(compiled)._catalog
    messages = [m if isinstance(m, str) else m[0] for m in shipped if m]
    messages += ["Enter a valid email address.", "This field is required.", "not a message"]
    for language in ("en-gb", "es"):
        catalog = trans_real.translation(language)
        for message in messages:
            expected = GNUTranslations.gettext(catalog, message)
            with translation.override(language):
                assert translation.gettext(message) == expected
                assert translation.gettext(message) == expected
    with translation.override("es"):
        assert translation.gettext("Sign out") == "Cerrar sesión"

"""A programme template as a JSON file, so clinics can share them (README: "Programme
templates as files"). Reading one checks everything and says what is wrong, in words a
facilitator can act on; nothing is saved from a file with any fault."""

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.validators import CONTROL
from programmes.models import TemplateVersion
from programmes.worksheets import KINDS

FORMAT = "together-programme"
FORMAT_VERSION = 1
MAX_MODULES = 52  # a year of weekly sessions
MAX_BYTES = 512 * 1024
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
LIMITS = {"title": 200, "agenda": 4000, "take_home": 2000}
LANGUAGES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class ModuleText:
    key: str
    title: str
    agenda: str = ""
    take_home: str = ""
    note_prompts: str = ""  # one a line
    worksheet: str = ""  # a worksheet kind's slug (programmes/worksheets.json), or none


@dataclass(frozen=True)
class TemplateText:
    name: str
    language: str
    description: str
    modules: tuple[ModuleText, ...]


def export(version: TemplateVersion) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": version.template.name,
        "version": version.number,
        "language": version.language,
        "description": version.description,
        "modules": [
            {
                "key": module.key,
                "title": module.title,
                "agenda": module.agenda,
                "take_home": module.take_home,
                "note_prompts": module.prompts,
                **({"worksheet": module.worksheet} if module.worksheet else {}),
            }
            for module in version.modules.all()
        ],
    }


def read(raw: bytes) -> TemplateText:
    """The template in a file, or a ValidationError listing every fault found."""
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("That file is larger than 512 KB: it is not a programme template."))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError(
            _("That file is not JSON. Choose a programme template file.")
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(
            _('That file is not a programme template (it has no "format": "%(format)s").')
            % {"format": FORMAT}
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise ValidationError(
            _("That template is in format version %(found)s; this app reads version %(ours)s.")
            % {"found": data.get("format_version"), "ours": FORMAT_VERSION}
        )
    return check(
        name=data.get("name"),
        language=data.get("language"),
        description=data.get("description", ""),
        modules=data.get("modules"),
    )


def check(*, name, language, description, modules) -> TemplateText:
    """The same checks for a file and for the edit form: every fault, in one error."""
    faults = []
    if not _text(name, 120) or CONTROL.search(name):
        faults.append(_("The template needs a name of one line, up to 120 characters."))
    if language not in LANGUAGES:
        faults.append(
            _("Its language must be one of: %(codes)s.") % {"codes": ", ".join(sorted(LANGUAGES))}
        )
    if not isinstance(description, str) or len(description) > 2000:
        faults.append(_("Its description must be text of up to 2,000 characters."))
    if not isinstance(modules, list) or not 1 <= len(modules) <= MAX_MODULES:
        faults.append(
            _("It needs a list of 1 to %(most)s modules (sessions).") % {"most": MAX_MODULES}
        )
        modules = []
    read_modules, keys = [], set()
    kinds = set(KINDS)
    for number, module in enumerate(modules, start=1):
        text, module_faults = _module(module, number, keys, kinds)
        faults += module_faults
        read_modules.append(text)
    if faults:
        raise ValidationError(faults)
    return TemplateText(
        name=name.strip(),
        language=language,
        description=description.strip(),
        modules=tuple(read_modules),
    )


def _module(module, number: int, keys: set, kinds: set) -> tuple[ModuleText | None, list[str]]:
    where = {"n": number}
    if not isinstance(module, dict):
        return None, [_("Module %(n)s is not a set of fields.") % where]
    faults = []
    key = module.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        faults.append(
            _(
                "Module %(n)s needs a key: lower-case letters, digits and hyphens, "
                "up to 50 (for example mood-and-activity)."
            )
            % where
        )
    elif key in keys:
        faults.append(_("Module %(n)s has the key %(key)s, used already.") % {**where, "key": key})
    keys.add(key)
    title = module.get("title")
    if not _text(title, LIMITS["title"]) or CONTROL.search(title):
        faults.append(_("Module %(n)s needs a title of one line, up to 200 characters.") % where)
    for field in ("agenda", "take_home"):
        value = module.get(field, "")
        if not isinstance(value, str) or len(value) > LIMITS[field]:
            faults.append(
                _("Module %(n)s: %(field)s must be text of up to %(most)s characters.")
                % {**where, "field": field, "most": f"{LIMITS[field]:,}"}
            )
    prompts = module.get("note_prompts", [])
    if not isinstance(prompts, list) or not all(
        _text(p, 300) and not CONTROL.search(p) for p in prompts
    ):
        faults.append(_("Module %(n)s: note_prompts must be a list of one-line questions.") % where)
    worksheet = module.get("worksheet", "")
    if not isinstance(worksheet, str) or (worksheet and worksheet not in kinds):
        faults.append(
            _("Module %(n)s: there is no worksheet %(name)s here (there are: %(kinds)s).")
            % {**where, "name": worksheet, "kinds": ", ".join(sorted(kinds))}
        )
    if faults:
        return None, faults
    return ModuleText(
        key=key,
        title=title.strip(),
        agenda=module.get("agenda", "").strip(),
        take_home=module.get("take_home", "").strip(),
        note_prompts="\n".join(p.strip() for p in prompts),
        worksheet=worksheet,
    ), []


def _text(value, most: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= most

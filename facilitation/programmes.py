"""The organisation's programme templates, for facilitators: the list (with a file to import),
a template with its versions, a new template, a new version (editing), and a version as a
file to share. Templates hold no one's details: every facilitator sees them all."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import refused_input
from facilitation.forms import ModuleFormSet, ProgrammeFileForm, ProgrammeForm
from members.access import roles_required
from members.models import Role
from programmes import exchange, services
from programmes.models import ProgrammeTemplate, TemplateVersion

facilitator_only = roles_required(Role.FACILITATOR)


@facilitator_only
def programme_list(request):
    return _list(request, ProgrammeFileForm())


def _list(request, file_form, status=200):
    templates = ProgrammeTemplate.objects.annotate(latest=Max("versions__number"))
    return render(
        request,
        "facilitation/programme_list.html",
        {"templates": templates, "file_form": file_form},
        status=status,
    )


@facilitator_only
@require_POST
def programme_import(request):
    form = ProgrammeFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            text = exchange.read(form.cleaned_data["file"].read(exchange.MAX_BYTES + 1))
        except ValidationError as error:
            form.add_error("file", error)
        else:
            version = services.save_template(text=text, by=request.user)
            messages.success(request, _saved(version))
            return redirect("programme_detail", template_id=version.template_id)
    refused_input()
    return _list(request, form, status=400)


@facilitator_only
def programme_detail(request, template_id: int):
    template = get_object_or_404(ProgrammeTemplate, pk=template_id)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    shown = _version(template, request.GET.get("version")) or versions[0]
    return render(
        request,
        "facilitation/programme_detail.html",
        {
            "template": template,
            "version": shown,
            "latest": shown == versions[0],
            "modules": shown.modules.all(),
            "versions": versions,
            "groups": shown.groups.select_related("group").order_by("group__name"),
        },
    )


@facilitator_only
def programme_new(request):
    return _edit(request, template=None)


@facilitator_only
def programme_edit(request, template_id: int):
    return _edit(request, template=get_object_or_404(ProgrammeTemplate, pk=template_id))


def _edit(request, *, template):
    current = template.current if template else None
    posted = request.method == "POST"
    form = ProgrammeForm(request.POST if posted else None, initial=_details(current))
    modules = ModuleFormSet(
        request.POST if posted else None,
        initial=[_module(m) for m in current.modules.all()] if current else None,
        prefix="module",
    )
    if posted and form.is_valid() and modules.is_valid():
        if template is not None:  # the name is the template's: a new one is a new template
            form.cleaned_data["name"] = template.name
        try:
            text = exchange.check(
                **{k: form.cleaned_data[k] for k in ("name", "language", "description")},
                modules=[_as_file_module(row) for row in _kept(modules)],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if template is None and ProgrammeTemplate.objects.filter(name=text.name).exists():
                form.add_error("name", _("There is a template of that name: edit that one."))
            else:
                version = services.save_template(text=text, by=request.user)
                messages.success(request, _saved(version))
                return redirect("programme_detail", template_id=version.template_id)
    if template is not None:
        form.fields["name"].disabled = True
    return render(
        request,
        "facilitation/programme_form.html",
        {"template": template, "form": form, "modules": modules},
    )


@facilitator_only
def programme_export(request, template_id: int):
    template = get_object_or_404(ProgrammeTemplate, pk=template_id)
    version = _version(template, request.GET.get("version")) or template.current
    body = json.dumps(exchange.export(version), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"{slugify(template.name) or 'programme'}-v{version.number}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _version(template: ProgrammeTemplate, number: str | None) -> TemplateVersion | None:
    if number is None or not number.isdigit():
        return None
    return template.versions.filter(number=int(number)).first()


def _saved(version: TemplateVersion) -> str:
    if version.number == 1:
        return _("%(name)s is saved.") % {"name": version.template.name}
    return _(
        "%(name)s version %(number)s is saved. Groups on an earlier version keep it until you "
        "move them on."
    ) % {"name": version.template.name, "number": version.number}


def _details(version: TemplateVersion | None) -> dict:
    if version is None:  # a new template is in the language the page is in
        return {"language": "es" if get_language().startswith("es") else "en-gb"}
    return {
        "name": version.template.name,
        "language": version.language,
        "description": version.description,
    }


def _module(module) -> dict:
    return {
        "key": module.key,
        "title": module.title,
        "agenda": module.agenda,
        "take_home": module.take_home,
        "note_prompts": module.note_prompts,
        "worksheet": module.worksheet,
    }


def _kept(modules) -> list[dict]:
    """The rows filled in and not marked for removal, in the order asked for (rows without an
    order number keep their place after the numbered ones)."""
    rows = [
        (form.cleaned_data.get("ORDER") or 1000 + index, form.cleaned_data)
        for index, form in enumerate(modules.forms)
        if form.has_changed() or form.initial
    ]
    rows = [(order, row) for order, row in rows if row and not row.get("DELETE")]
    return [row for _order, row in sorted(rows, key=lambda pair: pair[0])]


def _as_file_module(row: dict) -> dict:
    return {
        "key": row["key"],
        "title": row["title"],
        "agenda": row["agenda"],
        "take_home": row["take_home"],
        "note_prompts": [line for line in row["note_prompts"].splitlines() if line.strip()],
        "worksheet": row["worksheet"],
    }

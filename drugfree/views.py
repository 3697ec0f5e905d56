"""The programme's pages: the assessment, the titles (applications, steps, targets), a
community's page, the evidence records (lists, forms, export, evidence files) and the A4 prints.

Every page starts from `drugfree.selectors` (deny by default: 404 for anyone without a
standing, or for a community outside the user's region); links and buttons are shown only to
the users who may use them.
"""

from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.errors import RecordRefused
from casework.models import Region
from config.db_routers import replica_reads
from drugfree import assessment, forms, selectors, services
from drugfree.flows import STEP_LEVEL
from drugfree.models import (
    Activity,
    Application,
    Declaration,
    Inspection,
    Letter,
    Review,
    Screening,
    Survey,
    Title,
    TownshipTarget,
    UnitScore,
)

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000


def _page(request, template, context, status=200):
    """Render a programme page with the programme's tabs."""
    context = {"record_kinds": [(key, spec.label) for key, spec in RECORDS.items()], **context}
    return render(request, template, context, status=status)


# --- the assessment --------------------------------------------------------


def _assessment_scope(request, standing):
    today = timezone.localdate()
    form = forms.AssessmentForm(
        request.GET or None, regions=selectors.visible_regions(request.user), initial={"year": today.year}
    )
    region, year = standing.region, today.year
    if form.is_bound and form.is_valid():
        region = form.cleaned_data.get("region") or region
        year = form.cleaned_data.get("year") or year
    return form, region, year, today


@replica_reads
def assessment_page(request):
    standing = selectors.standing_or_404(request.user)
    form, region, year, today = _assessment_scope(request, standing)
    rows = assessment.assess(request.user, region, year, today, live=request.GET.get("live") == "1")
    trend = assessment.passes_by_year(request.user, region, [year - 1], today)
    return _page(
        request,
        "drugfree/assessment.html",
        {
            "form": form,
            "region": region,
            "year": year,
            "rows": rows,
            "passed": sum(r.passed for r in rows),
            "trend": [*trend, (year, sum(r.passed for r in rows), len(rows))],
            "standing": standing,
            "query": request.GET.urlencode(),
        },
    )


@replica_reads
def assessment_print(request):
    """The assessment sheet on A4: the report a township sends up, with a line per community."""
    standing = selectors.standing_or_404(request.user)
    _form, region, year, today = _assessment_scope(request, standing)
    rows = assessment.assess(request.user, region, year, today)
    return render(
        request,
        "drugfree/print_assessment.html",
        {"region": region, "year": year, "rows": rows, "today": today, "passed": sum(r.passed for r in rows)},
    )


# --- titles: applications, steps, targets ----------------------------------


def _current_titles(communities):
    return Title.objects.filter(community__in=communities, revoked_on__isnull=True)


def titles_page(request):
    standing = selectors.standing_or_404(request.user)
    communities = selectors.visible_communities(request.user)
    today = timezone.localdate()
    applications = list(
        Application.objects.filter(community__in=communities)
        .select_related("community")
        .prefetch_related(Prefetch("titles", queryset=Title.objects.order_by("granted_on")))
        .order_by("-year", "community__path")[:200]
    )
    steps = _open_steps(applications)
    for application in applications:
        task = steps.get(application.pk)
        application.step = task.flow_task.name if task else ""
        application.step_title = task.flow_task.task_title if task else ""
        application.mine = bool(task) and services.step_allowed(
            request.user, STEP_LEVEL[task.flow_task.name], application.community
        )
    targets = _target_progress(standing, communities)
    return _page(
        request,
        "drugfree/titles.html",
        {
            "standing": standing,
            "applications": applications,
            "todo": [a for a in applications if a.mine],
            "targets": targets,
            "target_form": forms.TargetForm(initial={"year": today.year})
            if standing.township_office
            else None,
            "today": today,
        },
    )


def _open_steps(applications) -> dict:
    """{application id: its open human step} for the listed applications (one query)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from drugfree.flows import TitleFlow

    ids = [a.pk for a in applications]
    tasks = Task.objects.filter(
        process__flow_class=TitleFlow,
        process__artifact_object_id__in=ids,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).select_related("process")
    return {task.process.artifact_object_id: task for task in tasks}


def _target_progress(standing, communities):
    """The townships' targets with the communities named so far (two queries)."""
    targets = list(
        TownshipTarget.objects.filter(township__path__startswith=standing.region.path)
        .select_related("township")
        .order_by("-year", "township__path")
    )
    if not targets:
        return []
    named = (
        _current_titles(communities)
        .values("community__path", "level", "year")
        .annotate(n=Count("community", distinct=True))
    )
    rows = list(named)
    for target in targets:
        mine = [
            r
            for r in rows
            if r["community__path"].startswith(target.township.path) and r["year"] <= target.year
        ]
        target.town_named = len({r["community__path"] for r in mine if r["level"] == Title.Level.TOWN})
        target.county_named = len({r["community__path"] for r in mine if r["level"] == Title.Level.COUNTY})
        target.progress = round(100 * target.town_named / target.communities, 1)
    return targets


def target_set(request):
    standing = selectors.standing_or_404(request.user)
    if request.method != "POST" or not standing.township_office:
        raise Http404
    form = forms.TargetForm(request.POST)
    if form.is_valid():
        try:
            services.target_set(actor=request.user, township=standing.region, **form.cleaned_data)
        except RecordRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("创建目标已保存。"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("drugfree_titles")


def community_page(request, community_id):
    standing = selectors.standing_or_404(request.user)
    community = selectors.community_get(request.user, community_id)
    applications = list(
        Application.objects.filter(community=community)
        .select_related("applied_by", "checked_by")
        .prefetch_related(
            Prefetch(
                "titles",
                queryset=Title.objects.select_related("granted_by", "revoked_by").order_by("granted_on"),
            ),
            Prefetch("reviews", queryset=Review.objects.select_related("reviewed_by").order_by("year")),
        )
        .order_by("-year")
    )
    titles = [t for a in applications for t in a.titles.all()]
    current = [t for t in titles if t.revoked_on is None]
    counts = {key: spec.model.objects.filter(community=community).count() for key, spec in RECORDS.items()}
    can_apply = standing.committee and standing.region.pk == community.pk
    return _page(
        request,
        "drugfree/community.html",
        {
            "community": community,
            "applications": applications,
            "titles": sorted(titles, key=lambda t: (t.granted_on, t.pk)),
            "current": max(current, key=lambda t: t.level == Title.Level.COUNTY, default=None),
            "counts": [(key, RECORDS[key].label, n) for key, n in counts.items()],
            "apply_form": forms.ApplicationForm(initial={"year": timezone.localdate().year})
            if can_apply
            else None,
        },
    )


def application_submit(request, community_id):
    selectors.standing_or_404(request.user)
    community = selectors.community_get(request.user, community_id)
    if request.method != "POST":
        raise Http404
    form = forms.ApplicationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_submit(actor=request.user, community=community, **form.cleaned_data)
        except RecordRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("已申报，等待乡镇禁毒办审核。"))
            return redirect("drugfree_community", community.pk)
    return _page(
        request,
        "drugfree/form.html",
        {
            "form": form,
            "title": _("申报无毒社区"),
            "cancel_url": reverse("drugfree_community", args=[community.pk]),
        },
        status=400,
    )


def application_evidence(request, application_id):
    """The application's documents, to users who may read the community's records (404 otherwise)."""
    selectors.standing_or_404(request.user)
    application = Application.objects.filter(
        community__in=selectors.visible_communities(request.user), pk=application_id
    ).first()
    if application is None or not application.evidence:
        raise Http404
    return FileResponse(
        application.evidence.open("rb"),
        as_attachment=False,
        filename=application.evidence.name.rsplit("/", 1)[-1],
    )


STEP_FORMS = {"check": forms.CheckForm, "county": forms.CountyForm, "review": forms.ReviewForm}


def application_step(request, application_id):
    """The application's open step, for the level that does it: the form, the criteria, the decision."""
    selectors.standing_or_404(request.user)
    application = (
        Application.objects.filter(
            community__in=selectors.visible_communities(request.user), pk=application_id
        )
        .select_related("community", "applied_by")
        .first()
    )
    if application is None:
        raise Http404
    task = services.open_step(application)
    if task is None or not services.step_allowed(
        request.user, STEP_LEVEL[task.flow_task.name], application.community
    ):
        raise Http404
    step = task.flow_task.name
    form = STEP_FORMS[step](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if step == "check":
                services.application_check(actor=request.user, application=application, **form.cleaned_data)
            elif step == "county":
                services.application_county_decide(
                    actor=request.user, application=application, **form.cleaned_data
                )
            else:
                services.application_review(actor=request.user, application=application, **form.cleaned_data)
        except RecordRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": task.flow_task.task_title})
            return redirect("drugfree_community", application.community_id)
    year = services.review_year(application) if step == "review" else application.year
    rows = assessment.assess(request.user, application.community, year, timezone.localdate())
    return _page(
        request,
        "drugfree/step.html",
        {
            "application": application,
            "step_title": task.flow_task.task_title,
            "form": form,
            "row": rows[0] if rows else None,
            "year": year,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the evidence records --------------------------------------------------


@dataclass(frozen=True)
class RecordSpec:
    model: type
    form: type
    label: str
    date_field: str
    choice_field: str | None  # the list's own filter, a field with choices
    columns: tuple[str, ...]
    printable: bool = False
    # Entered by the 禁毒办 only: the township signs the letters, inspects and scores the units.
    offices_only: bool = False


RECORDS = {
    "activities": RecordSpec(
        Activity,
        forms.ActivityForm,
        gettext_lazy("宣传教育活动"),
        "held_on",
        "audience",
        ("held_on", "kind", "audience", "title", "quantity", "minutes", "audience_size", "reached"),
    ),
    "surveys": RecordSpec(
        Survey,
        forms.SurveyForm,
        gettext_lazy("知晓率调查"),
        "held_on",
        "group",
        ("held_on", "group", "sample", "knew"),
    ),
    "letters": RecordSpec(
        Letter,
        forms.LetterForm,
        gettext_lazy("责任书"),
        "signed_on",
        "kind",
        ("signed_on", "kind", "duty", "unit", "responsible", "term_start", "term_end"),
        printable=True,
        offices_only=True,
    ),
    "screenings": RecordSpec(
        Screening,
        forms.ScreeningForm,
        gettext_lazy("排查"),
        "started_on",
        "kind",
        ("started_on", "ended_on", "kind", "households", "people_checked", "found"),
    ),
    "inspections": RecordSpec(
        Inspection,
        forms.InspectionForm,
        gettext_lazy("督查整改"),
        "inspected_on",
        "kind",
        ("inspected_on", "kind", "unit", "finding", "rectify_by", "closed_on"),
        offices_only=True,
    ),
    "declarations": RecordSpec(
        Declaration,
        forms.DeclarationForm,
        gettext_lazy("情况确认"),
        "year",
        "fact",
        ("year", "fact", "holds", "note"),
    ),
    "scores": RecordSpec(
        UnitScore,
        forms.UnitScoreForm,
        gettext_lazy("年度考核"),
        "year",
        None,
        ("year", "unit", "leadership", "enforcement", "awareness", "treatment", "screening", "total"),
        offices_only=True,
    ),
}


def _spec(kind: str) -> RecordSpec:
    spec = RECORDS.get(kind)
    if spec is None:
        raise Http404
    return spec


def _filtered(request, spec):
    communities = selectors.visible_communities(request.user).order_by("path")
    model = spec.model
    field = model._meta.get_field(spec.choice_field) if spec.choice_field else None
    form = forms.FilterForm(
        request.GET or None,
        communities=communities,
        choice_name=spec.choice_field,
        choice_label=field.verbose_name if field else "",
        choices=field.choices if field else (),
    )
    rows = selectors.records(request.user, model).select_related("community", "recorded_by")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("community"):
            rows = rows.filter(community=data["community"])
        if data.get("year"):
            lookup = spec.date_field if spec.date_field == "year" else f"{spec.date_field}__year"
            rows = rows.filter(**{lookup: data["year"]})
        if spec.choice_field and data.get(spec.choice_field):
            rows = rows.filter(**{spec.choice_field: data[spec.choice_field]})
    return form, rows.order_by(f"-{spec.date_field}", "-pk")


def _label(model, name):
    return _("总分") if name == "total" else model._meta.get_field(name).verbose_name


def _cells(record, spec):
    out = []
    for name in spec.columns:
        if name == "total":
            out.append((_("总分"), record.total))
            continue
        field = record._meta.get_field(name)
        value = getattr(record, name)
        if field.choices:
            value = getattr(record, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = _("是") if value else _("否")
        out.append((field.verbose_name, "" if value is None else value))
    return out


def record_list(request, kind):
    standing = selectors.standing_or_404(request.user)
    spec = _spec(kind)
    form, rows = _filtered(request, spec)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    headers = [_label(spec.model, name) for name in spec.columns]
    return _page(
        request,
        "drugfree/records.html",
        {
            "kind": kind,
            "spec": spec,
            "kinds": [(key, s.label) for key, s in RECORDS.items()],
            "form": form,
            "page": page,
            "rows": [(record, _cells(record, spec)) for record in page.object_list],
            "headers": headers,
            "query": query.urlencode(),
            "can_close": kind == "inspections" and not standing.committee,
            "can_add": not (spec.offices_only and standing.committee),
            "sheet_year": timezone.localdate().year if kind == "scores" else None,
        },
    )


def record_new(request, kind):
    standing = selectors.standing_or_404(request.user)
    spec = _spec(kind)
    if spec.offices_only and standing.committee:
        raise Http404
    communities = selectors.visible_communities(request.user).order_by("path")
    form = spec.form(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        try:
            services.record_save(actor=request.user, record=record, community=form.cleaned_data["community"])
        except RecordRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:  # a model check the form did not catch: a message, nothing saved
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("已保存：%(label)s。") % {"label": spec.label})
            return redirect(
                reverse("drugfree_records", args=[kind]) + "?" + urlencode({"community": record.community_id})
            )
    return _page(
        request,
        "drugfree/form.html",
        {
            "form": form,
            "title": _("新增%(label)s") % {"label": spec.label},
            "cancel_url": reverse("drugfree_records", args=[kind]),
            "multipart": True,
        },
        status=400 if request.method == "POST" else 200,
    )


def record_export(request, kind):
    selectors.standing_or_404(request.user)
    spec = _spec(kind)
    _form, rows = _filtered(request, spec)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.label)[:30]
    headers = [str(_("社区/村")), *(str(_label(spec.model, n)) for n in spec.columns)]
    sheet.append([*headers, str(_("录入人")), str(_("录入时间"))])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in rows[:EXPORT_LIMIT]:
        user = record.recorded_by
        sheet.append(
            [
                record.community.name,
                *(str(v) if not isinstance(v, int | float) else v for _label, v in _cells(record, spec)),
                f"{user.last_name}{user.first_name}" or user.username,
                timezone.localtime(record.recorded_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="drugfree-{kind}-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


def _record_get(request, kind, pk):
    spec = _spec(kind)
    record = (
        selectors.records(request.user, spec.model)
        .select_related("community", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    return spec, record


def record_evidence(request, kind, pk):
    """The record's evidence file, to users who may read the record (the same 404 otherwise)."""
    selectors.standing_or_404(request.user)
    _spec_, record = _record_get(request, kind, pk)
    if not record.evidence:
        raise Http404
    return FileResponse(
        record.evidence.open("rb"), as_attachment=False, filename=record.evidence.name.rsplit("/", 1)[-1]
    )


def inspection_close(request, pk):
    standing = selectors.standing_or_404(request.user)
    _spec_, inspection = _record_get(request, "inspections", pk)
    if standing.committee:
        raise Http404
    form = forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_close(
                actor=request.user, inspection=inspection, note=form.cleaned_data["note"]
            )
        except RecordRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("整改已销号。"))
            return redirect(reverse("drugfree_records", args=["inspections"]))
    return _page(
        request,
        "drugfree/form.html",
        {
            "form": form,
            "title": _("整改销号：%(unit)s") % {"unit": inspection.unit},
            "cancel_url": reverse("drugfree_records", args=["inspections"]),
        },
        status=400 if request.method == "POST" else 200,
    )


def letter_print(request, pk):
    """The responsibility letter on A4, for signing and keeping on paper."""
    selectors.standing_or_404(request.user)
    _spec_, letter = _record_get(request, "letters", pk)
    township = Region.objects.get_parent(letter.community)
    return render(request, "drugfree/print_letter.html", {"letter": letter, "township": township})


def named_communities(request):
    """The communities holding a title now, by level (what the county sees among its named)."""
    standing = selectors.standing_or_404(request.user)
    titles = (
        _current_titles(selectors.visible_communities(request.user))
        .select_related("community", "granted_by")
        .order_by("level", "community__path")
    )
    level = request.GET.get("level")
    if level in Title.Level.values:
        titles = titles.filter(level=level)
    return _page(
        request,
        "drugfree/named.html",
        {"titles": titles, "standing": standing, "levels": Title.Level.choices, "level": level or ""},
    )


def score_sheet_print(request, year):
    """The year-end score sheet of the units on A4 (第三篇 六(四) 严格考核), highest total first."""
    standing = selectors.standing_or_404(request.user)
    scores = sorted(
        selectors.records(request.user, UnitScore).filter(year=year).select_related("community"),
        key=lambda s: (-s.total, s.unit),
    )
    return render(
        request,
        "drugfree/print_scores.html",
        {"scores": scores, "year": year, "region": standing.region, "today": timezone.localdate()},
    )

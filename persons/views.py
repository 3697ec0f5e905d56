"""Pages for persons and their files. Every read goes through `permissions.selectors`."""

import time
from datetime import date, datetime, timedelta
from io import BytesIO

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import CharField, Count, Exists, OuterRef, Q
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework import holds
from casework.built import built_once
from casework.deadlines import period_label
from casework.forms import ID_ERRORS, EpisodeForm, PersonEditForm, PersonForm, PersonSearchForm, RevealForm
from casework.idnumber import InvalidIdNumber, looks_like_id_number, parse_id_number
from casework.links import url_by_pk
from casework.models import Agency, Agreement, Episode, ObligationKind, Plan, Transfer
from casework.search_keys import id_number_key
from casework.selectors import communities_under, persons_search, search_communities
from obligations.parties import duty_kinds_of
from permissions import selectors
from permissions.gate import PersonGate, person_gate
from permissions.models import AccessLog, RecordType
from permissions.services import access_log_write
from persons.selectors import (
    KEYSET_SORT,
    PersonPage,
    id_number_check,
    person_count,
    person_figures,
    person_keyset_page,
    person_numbered_page,
    person_rows,
    person_sort,
)
from workflows import work
from workflows.branches import breaches
from workflows.branches import intake as services
from workflows.registry import task_title
from workflows.work import RECORDABLE

PAGE_SIZE = 25


def _staff_or_404(request, *kinds):
    staff = selectors.staff_for(request.user)
    if staff is None or (kinds and staff.agency.kind not in kinds):
        raise Http404
    return staff


def home(request):
    staff = selectors.staff_for(request.user)
    context = {"staff": staff}
    if staff is not None:
        persons = selectors.visible_persons(request.user)
        today = timezone.localdate()
        open_episodes = Episode.objects.filter(person__in=persons.values("pk")).exclude(
            status__in=Episode.CLOSED_STATUSES
        )
        counts = dict(open_episodes.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        context["status_counts"] = [
            (status, label, counts.get(status, 0))
            for status, label in Episode.Status.choices
            if counts.get(status)
        ]
        context["open_total"] = sum(counts.values())
        context["unreported"] = list(
            open_episodes.filter(status=Episode.Status.DECIDED)
            .select_related("person", "community")
            .order_by("report_deadline", "pk")[:10]
        )
        context["today"] = today
        context["can_register"] = staff.agency.kind == Agency.Kind.WORK_STATION
        context.update(_due_work(request.user, staff, today))
    return render(request, "home.html", context)


HOME_DUE_ROWS = 30


def _due_work(user, staff, today) -> dict:
    """What is due for the user: their party's steps and duties (overdue first, then today, this
    week; later only counted), grouped by person; the agency's figures for those acting for it."""
    mine = work.duties_mine(user, staff, today)
    counts = work.bucket_counts(mine, today)
    soon = mine.filter(
        work.bucket_filter("overdue", today)
        | work.bucket_filter("today", today)
        | work.bucket_filter("week", today)
    )
    rows = list(work.duty_rows_of(soon).order_by("due_by", "pk")[:HOME_DUE_ROWS])
    for row in rows:
        row.bucket = work.bucket_of(row, today)
    acts_for_agency = selectors.agency_group_id(staff) is not None
    agency_counts = (
        work.bucket_counts(work.duties_agency(user, staff, today), today) if acts_for_agency else None
    )
    return {
        "has_duties": bool(duty_kinds_of(staff.agency.kind)),
        "buckets": [(b, work.BUCKET_LABELS[b], counts[b]) for b in work.BUCKETS],
        "agency_buckets": [(b, work.BUCKET_LABELS[b], agency_counts[b]) for b in work.BUCKETS]
        if agency_counts is not None
        else [],
        "due_groups": work.grouped_by_person(rows),
        "due_more": sum(counts[b] for b in ("overdue", "today", "week")) > len(rows),
        "step_count": selectors.actionable_tasks(user).count(),
        "referral_count": work.referrals_to_do(user).count()
        if staff.agency.kind in (Agency.Kind.HUMAN_RESOURCES, Agency.Kind.CIVIL_AFFAIRS)
        else None,
        "recordable": work.RECORDABLE,
    }


def _list_filters(request, staff):
    """Bind the search form and return it with the persons it selects (unsorted, unpaged)."""
    form = PersonSearchForm(request.GET or None, regions=search_communities(staff.agency))
    persons = person_rows(request.user)
    id_key = request.GET.get("idk", "").strip()
    if not form.is_bound:
        return form, persons, id_key
    if not form.is_valid():
        return form, persons.none(), id_key
    fields = {k: form.cleaned_data[k] for k in ("q", "status", "kind", "region")}
    persons = persons_search(persons, id_key=id_key, **fields)
    return form, persons, id_key


def _id_number_redirect(request, target: str):
    """A full ID number typed into the search box: answer with a redirect to its keyed hash, so the
    number is neither echoed in the box nor kept in the address bar, history or access log."""
    query = request.GET.copy()
    typed = query.pop("q", [""])[0]
    query.pop("page", None)
    try:
        query["idk"] = id_number_key(parse_id_number(typed).value)
    except InvalidIdNumber as exc:
        messages.error(request, ID_ERRORS[str(exc)])
        # A key no number hashes to: the list answers "no one", not everyone.
        query["idk"] = "-"
    return redirect(f"{reverse(target)}?{query.urlencode()}")


def _cursor(request, name: str) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _list_page(request, persons, sort: str) -> PersonPage:
    """The page the request asks for: by cursor for the name sort, by number for the others."""
    count, estimated = person_count(persons)
    if (sort or KEYSET_SORT) == KEYSET_SORT:
        after, before = _cursor(request, "after"), _cursor(request, "before")
        rows, has_previous, has_next = person_keyset_page(
            request.user, persons, after=after, before=None if after else before, size=PAGE_SIZE
        )
        return PersonPage(
            rows,
            count,
            estimated,
            has_previous=has_previous and bool(rows),
            has_next=has_next and bool(rows),
            after=rows[-1].pk if rows else None,
            before=rows[0].pk if rows else None,
        )
    number = _cursor(request, "page") or 1
    rows, has_previous, has_next = person_numbered_page(request.user, persons, sort, number, PAGE_SIZE)
    return PersonPage(
        rows,
        count,
        estimated,
        has_previous=has_previous,
        has_next=has_next,
        number=number,
        num_pages=None if estimated else max(1, -(-count // PAGE_SIZE)),
    )


def person_list(request):
    staff = _staff_or_404(request)
    if looks_like_id_number(request.GET.get("q", "")):
        return _id_number_redirect(request, "person_list")
    form, persons, id_key = _list_filters(request, staff)
    sort = form.cleaned_data.get("sort") if form.is_bound and form.is_valid() else ""
    page = _list_page(request, persons, sort)
    # The labels by a lookup here: a loop over every choice per row and column was a fifth of
    # the page's rendering.
    statuses, kinds = dict(Episode.Status.choices), dict(Episode.Kind.choices)
    obligation_kinds = dict(ObligationKind.choices)
    person_url = url_by_pk("person_detail")
    for p in page.object_list:
        p.detail_url = person_url(p.pk)
        p.kind_label = kinds.get(p.current_kind, "")
        p.status_label = statuses.get(p.current_status, "")
        p.next_due_kind_label = obligation_kinds.get(p.next_due_kind, "")
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return render(
        request,
        "persons/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "id_search": bool(id_key),
            "can_register": staff.agency.kind == Agency.Kind.WORK_STATION,
            "today": timezone.localdate(),
        },
    )


EXPORT_LIMIT = 5_000


def person_export(request):
    """The list as it is filtered and sorted, as a spreadsheet: numbers masked, at most
    EXPORT_LIMIT rows, one access-log row per person exported (个人信息保护法 art 51)."""
    staff = _staff_or_404(request)
    if looks_like_id_number(request.GET.get("q", "")):
        return _id_number_redirect(request, "person_export")
    form, persons, _id_key = _list_filters(request, staff)
    sort = form.cleaned_data.get("sort") if form.is_bound and form.is_valid() else ""
    rows = list(person_sort(person_figures(request.user, persons), sort)[:EXPORT_LIMIT])
    from openpyxl import Workbook
    from openpyxl.styles import Font

    statuses = dict(Episode.Status.choices)
    kinds = dict(Episode.Kind.choices)
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    headers = [
        _("姓名"),
        _("性别"),
        _("公民身份号码"),
        _("社区"),
        _("类别"),
        _("状态"),
        _("下次应办"),
        _("逾期事项"),
        _("最近谈话走访"),
        _("风险等级"),
    ]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in rows:
        sheet.append(
            [
                p.name,
                p.get_sex_display(),
                p.id_number_masked,
                p.region.name,
                str(kinds.get(p.current_kind, "")),
                str(statuses.get(p.current_status, "")),
                p.next_due,
                p.overdue_count,
                p.last_contact,
                p.get_risk_level_display(),
            ]
        )
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (10, 6, 22, 14, 10, 12, 12, 10, 14, 10), strict=True):
        sheet.column_dimensions[column].width = width
    access_log_write(
        request=request,
        person_ids=[p.pk for p in rows],
        action=AccessLog.Action.EXPORT,
        record_types=["identity", "list"],
    )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="persons-{today:%Y%m%d}.xlsx"'
    return response


def person_open_tasks(user, person, actions, episodes=()) -> list[dict]:
    """Return the open flow steps about this person, with whether the user may do them (one query).

    A supervisor's step (detox certification) is theirs when the episode's township lies in
    their region; `episodes` (already loaded, with their townships) tells where each one is.
    """
    from workflows.flows import SUPERVISOR

    tasks = selectors.person_tasks(person).filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"])
    codenames = {f"casework.{c}" for c in actions}
    region_path = selectors.supervisor_region_path(user)
    if region_path is not None:
        codenames |= {f"{SUPERVISOR}@{e.pk}" for e in episodes if e.township.path.startswith(region_path)}

    staff = selectors.staff_for(user)
    township_of = {e.pk: e.township_id for e in episodes}

    def may(t):
        if t.owner_permission == SUPERVISOR:
            return f"{SUPERVISOR}@{t.process.artifact_object_id}" in codenames
        if t.flow_task.name == "accept_or_decline":
            # A transfer is accepted by the receiving station, not by the one that asked.
            return t.owner_permission in codenames and staff.agency.region_id != township_of.get(
                t.process.artifact_object_id
            )
        return t.owner_permission in codenames

    return [
        {
            "task": t,
            "title": task_title(t),
            "can_act": t.owner_id == user.pk or (t.owner_id is None and may(t)),
        }
        for t in tasks.select_related("process").order_by("created", "pk")
    ]


def _transfer_request(request, gate: PersonGate):
    """What the new place of a pending transfer sees: the request, the person's name and masked
    identity, the decision's summary, and the step to accept or decline (戒毒条例 art 22)."""
    person = gate.person
    transfer = (
        Transfer.objects.select_related("episode", "from_township", "to_township", "requested_by")
        .filter(person=person, status=Transfer.Status.REQUESTED)
        .order_by("-id")
        .first()
    )
    if transfer is None:
        raise Http404
    access_log_write(
        request=request,
        person_ids=[person.pk],
        action=AccessLog.Action.DETAIL,
        record_types=["transfer_request"],
    )
    task = (
        selectors.actionable_tasks(request.user)
        .filter(process__artifact_object_id=transfer.episode_id)
        .first()
    )
    return render(
        request,
        "persons/transfer_request.html",
        {"person": person, "transfer": transfer, "episode": transfer.episode, "task": task},
    )


@built_once()
def _detail_episodes(with_counters: bool):
    """Episodes as the person page shows them: whether each has an agreement and a plan to
    print, why its completion waits, and (for readers of violations) the breach counter, all
    riding on the episodes query."""
    episodes = Episode.objects.annotate(
        has_agreement=Exists(Agreement.objects.filter(episode=OuterRef("pk"))),
        has_plan=Exists(Plan.objects.filter(episode=OuterRef("pk"))),
    )
    return holds.episodes_with_completion_hold(
        breaches.episodes_with_counters(episodes) if with_counters else episodes
    )


def person_detail(request, pk):
    gate = person_gate(request.user, pk, file=False)
    if gate.transfer_request_only:
        return _transfer_request(request, gate)
    person, access = gate.person, gate.access
    record_types = gate.record_types
    # This page shows identity, episodes, team and due items; the records tab shows (and logs) the rest.
    access_log_write(
        request=request, person_ids=[person.pk], action=AccessLog.Action.DETAIL, record_types=["identity"]
    )
    staff = selectors.staff_for(request.user)
    episodes = list(selectors.person_episodes(person, _detail_episodes(RecordType.VIOLATION in record_types)))
    for episode in episodes:
        reason = holds.hold_reason(episode) if episode.is_open else ""
        episode.completion_held = bool(reason)
        # Why completion waits is a fact about violations: the reason only for their readers.
        episode.completion_held_reason = reason if RecordType.VIOLATION in record_types else ""
    open_tasks = person_open_tasks(request.user, person, access.actions, episodes)
    # The record pages take only an episode in execution (or out of the county on leave).
    recordable = any(e.status in RECORDABLE for e in episodes)
    is_work_station = staff.agency.kind == Agency.Kind.WORK_STATION
    return render(
        request,
        "persons/detail.html",
        {
            "person": person,
            "due": list(selectors.person_obligations(person, record_types).order_by("due_by", "pk")),
            "open_tasks": open_tasks,
            "is_work_station": is_work_station,
            # Certification and referrals are the executing station's acts on the file.
            "station_acts": is_work_station and "act_work_station" in access.actions,
            # Links to transfer, suspension, termination and relapse (act grants only).
            "lifecycle_actions": bool({"act_work_station", "act_police"} & access.actions),
            "can_test": staff.agency.kind in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE)
            and RecordType.DRUGTEST in record_types
            and recordable,
            "can_talk": is_work_station and RecordType.TALK in record_types and recordable,
            # The breach counter rides on the episodes query as subqueries, for readers of violations.
            "episodes": episodes,
            "team": list(selectors.person_team(person)),
            "events": list(selectors.person_events(person, record_types)),
            "family": list(person.family.all()),
            "record_types": record_types,
            "record_type_labels": [label for value, label in RecordType.choices if value in record_types],
            "can_reveal": gate.full_identifiers,
            "can_edit": staff.agency.kind == Agency.Kind.WORK_STATION and gate.edits_identity,
            "is_supervisor": staff.agency.kind == Agency.Kind.DRUG_CONTROL,
            "today": timezone.localdate(),
            "tab": "file",
        },
    )


@require_http_methods(["GET", "POST"])
def person_records(request, pk):
    """The records tab: drug tests and talks, each shown only to the parties the matrix allows."""
    gate = person_gate(request.user, pk)
    person, access = gate.person, gate.access
    shown = gate.record_types & {RecordType.DRUGTEST, RecordType.TALK}
    access_log_write(
        request=request, person_ids=[person.pk], action=AccessLog.Action.DETAIL, record_types=shown
    )
    staff = selectors.staff_for(request.user)
    return render(
        request,
        "persons/records.html",
        {
            "person": person,
            "tab": "records",
            "record_types": access.record_types,
            "drug_tests": list(person.drug_tests.all()[:50]) if RecordType.DRUGTEST in shown else None,
            "talks": list(person.talks.select_related("staff")[:50]) if RecordType.TALK in shown else None,
            "is_supervisor": staff.agency.kind == Agency.Kind.DRUG_CONTROL,
            # Correcting and voiding: the parties that record them (workflows.views.records).
            "can_fix_tests": staff.agency.kind in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE),
            "can_fix_talks": staff.agency.kind == Agency.Kind.WORK_STATION,
        },
    )


@require_http_methods(["GET", "POST"])
def person_reveal(request, pk):
    person = person_gate(request.user, pk, full_identifiers=True).person
    form = RevealForm(request.POST or None)
    revealed = False
    if request.method == "POST" and form.is_valid():
        access_log_write(
            request=request,
            person_ids=[person.pk],
            action=AccessLog.Action.REVEAL,
            record_types=[RecordType.IDENTIFIERS],
            reason=form.cleaned_data["reason"],
        )
        revealed = True
    return render(request, "persons/reveal.html", {"person": person, "form": form, "revealed": revealed})


def person_access_tab(request, pk):
    _staff_or_404(request, Agency.Kind.DRUG_CONTROL)
    person = selectors.person_get(request.user, pk)
    access_log_write(request=request, person_ids=[person.pk], action=AccessLog.Action.ACCESS_TAB)
    return render(
        request,
        "persons/access.html",
        {"person": person, "rows": selectors.person_access(person), "tab": "access", "is_supervisor": True},
    )


def person_id_check(request):
    """The registration form's check of the number as it is typed (HTMX): whether it is valid,
    the sex and birth date it holds, and whether a file already has it."""
    _staff_or_404(request, Agency.Kind.WORK_STATION)
    check = id_number_check(request.user, request.GET.get("person-id_number", ""))
    return render(request, "persons/_id_check.html", {"check": check})


@require_http_methods(["GET", "POST"])
def person_register(request):
    staff = _staff_or_404(request, Agency.Kind.WORK_STATION)
    communities = communities_under(staff.agency.region)
    person_form = PersonForm(request.POST or None, prefix="person", regions=None)
    episode_form = EpisodeForm(request.POST or None, prefix="episode", communities=communities)
    check = None
    if request.method == "POST":
        # The same answer under the number as while typing: a link to a file the clerk may open.
        check = id_number_check(request.user, request.POST.get("person-id_number", ""))
        person_ok = person_form.is_valid()
        episode_ok = episode_form.is_valid()
        if person_ok and episode_ok:
            episode = services.decision_register(
                actor=request.user, person_form=person_form, episode_form=episode_form
            )
            messages.success(
                request,
                _("已登记。报到期限：%(deadline)s") % {"deadline": date_format(episode.report_deadline)}
                + (
                    f"（{basis}）"
                    if (basis := period_label(episode.report_period_days, episode.report_day_count))
                    else ""
                ),
            )
            return redirect("person_detail", pk=episode.person_id)
        messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request,
        "persons/form.html",
        {
            "person_form": person_form,
            "episode_form": episode_form,
            "title": _("登记决定书"),
            "is_new": True,
            "check": check,
        },
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    """Edit the file's identity part: the identity record type; numbers masked without reveal.

    Each rendering of the form is a read of the file and writes one access-log row, naming
    `identifiers` when the form showed the full numbers.
    """
    _staff_or_404(request, Agency.Kind.WORK_STATION)
    gate = person_gate(request.user, pk, edit_identity=True)
    person = gate.person
    form = PersonEditForm(
        request.POST or None, instance=person, prefix="person", reveal=gate.full_identifiers
    )
    if request.method == "POST":
        if form.is_valid():
            services.person_edit(actor=request.user, person_form=form)
            messages.success(request, _("档案已保存。"))
            return redirect("person_detail", pk=person.pk)
        messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    access_log_write(
        request=request,
        person_ids=[person.pk],
        action=AccessLog.Action.DETAIL,
        record_types=[RecordType.IDENTITY] + ([RecordType.IDENTIFIERS] if gate.full_identifiers else []),
    )
    return render(
        request,
        "persons/form.html",
        {"person_form": form, "person": person, "title": _("修改档案"), "is_new": False},
    )


@require_http_methods(["GET", "POST"])
def episode_add(request, pk):
    staff = _staff_or_404(request, Agency.Kind.WORK_STATION)
    person = person_gate(request.user, pk, edit_identity=True).person
    person_form = PersonForm(instance=person, prefix="person")
    episode_form = EpisodeForm(
        request.POST or None,
        prefix="episode",
        communities=communities_under(staff.agency.region),
        person=person,
    )
    if request.method == "POST":
        if episode_form.is_valid():
            services.decision_register(actor=request.user, person_form=person_form, episode_form=episode_form)
            messages.success(request, _("已登记新的决定书。"))
            return redirect("person_detail", pk=person.pk)
        messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request,
        "persons/episode_form.html",
        {"episode_form": episode_form, "person": person, "title": _("登记新的决定书")},
    )


# The days the access log can be searched by: far enough on both sides of any row, and inside
# what a moment in the local time zone can be converted to and from.
LOG_DATES = (date(2000, 1, 1), date(9000, 12, 31))


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows: a county's log holds millions, and an
    exact count read every row of them on each request. Past the cap the pages stop at the
    cap's (`capped` says so); older rows are found by date."""

    def __init__(self, object_list, per_page, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


def access_log(request):
    _staff_or_404(request, Agency.Kind.DRUG_CONTROL)
    rows = selectors.access_log_visible(request.user)
    filters = {}
    person_id = request.GET.get("person", "").strip()
    username = request.GET.get("user", "").strip()
    day = request.GET.get("date", "").strip()
    if person_id.isdigit():
        # The link from a person's "who can see" tab names the person it came from.
        rows = rows.filter(person_id=int(person_id))
        filters["person"] = person_id
    q = request.GET.get("q", "").strip()
    if q:
        # A person by name, or by the last four characters of the ID number (as on the person list).
        if len(q) == 4 and q[:3].isdigit() and (q[3].isdigit() or q[3] in "xX"):
            rows = rows.filter(person__id_number__endswith=q.upper())
        else:
            rows = rows.filter(person__name__contains=q)
        filters["q"] = q
    if username:
        full_name = Concat("user__last_name", "user__first_name", output_field=CharField())
        rows = rows.annotate(user_full_name=full_name).filter(
            Q(user__username=username) | Q(user_full_name=username)
        )
        filters["user"] = username
    if day:
        try:
            asked = date.fromisoformat(day)
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD。"))
        else:
            filters["date"] = day
            if LOG_DATES[0] <= asked <= LOG_DATES[1]:
                # A range on the stored moment, not a date of it: the log's monthly partitions
                # are by that moment, so a range reads the day's partition only.
                start = timezone.make_aware(datetime.combine(asked, datetime.min.time()))
                rows = rows.filter(at__gte=start, at__lt=start + timedelta(days=1))
            else:
                messages.error(request, _("日期超出可查询的范围。"))
                rows = rows.none()
    page = CappedPaginator(
        rows.select_related("user", "person").order_by("-at", "-id"), 50, settings.ACCESS_LOG_PAGE_ROWS_MAX
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "access_log.html", {"page": page, "filters": filters, "query": query.urlencode()})


def _episode_for(user, episode_id) -> Episode:
    episode = Episode.objects.select_related("person", "township", "community").filter(pk=episode_id).first()
    if episode is None:
        raise Http404
    person_gate(user, episode.person_id)  # 404 unless the user may open the person's file
    return episode


def agreement_print(request, pk):
    """The signed agreement as an A4 page (戒毒条例 art 16)."""
    episode = _episode_for(request.user, pk)
    agreement = episode.agreements.select_related("signed_by").first()
    if agreement is None:
        raise Http404
    access_log_write(
        request=request,
        person_ids=[episode.person_id],
        action=AccessLog.Action.PRINT,
        record_types=["agreement"],
    )
    return render(
        request,
        "print/agreement.html",
        {"episode": episode, "person": episode.person, "agreement": agreement},
    )


def plan_print(request, pk):
    """The individual plan as an A4 page (rules.md §6.2)."""
    episode = _episode_for(request.user, pk)
    plan = episode.plans.select_related("written_by").first()
    if plan is None:
        raise Http404
    access_log_write(
        request=request, person_ids=[episode.person_id], action=AccessLog.Action.PRINT, record_types=["plan"]
    )
    return render(
        request,
        "print/plan.html",
        {
            "episode": episode,
            "person": episode.person,
            "plan": plan,
            "family": list(episode.person.family.all()),
        },
    )


def session_alive(request):
    """The idle warning's "继续使用": any request slides the idle limit (SessionTimeoutMiddleware);
    the answer says how long the session now has left."""
    request.session["touched_at"] = time.time()
    return JsonResponse({"idle_seconds": settings.SESSION_COOKIE_AGE})

"""Recording what fulfils a duty: drug tests, talks and visits, excusing a duty (戒毒条例 arts 16, 28)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.models import Agency, Episode, Obligation, ObligationKind, Staff
from casework.templatetags.casework_tags import staff_name
from obligations.services import obligation_excuse, talk_record
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import RecordType
from workflows.branches.records import drug_test_record
from workflows.forms.records import DrugTestForm, ExcuseForm, TalkForm
from workflows.pages import current_episode, form_render
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once


def _drug_test_initial(user, staff, obligation_id) -> dict:
    """Today, the user as first collector, and the place of the user's last test (of a person the
    user may still read about), else the user's agency."""
    from casework.models import DrugTest

    last_place = (
        DrugTest.objects.filter(
            recorded_by=user, person__in=selectors.visible_persons(user, RecordType.DRUGTEST).values("pk")
        )
        .order_by("-recorded_at", "-pk")
        .values_list("place", flat=True)
        .first()
    )
    return {
        "tested_on": timezone.localdate(),
        "place": last_place or staff.agency.name,
        "collector_1": staff_name(user),
    }


def _talk_initial(user, staff, obligation_id) -> dict:
    """Today, the kind the named duty asks for (a home visit or a talk), and the user's last place."""
    from casework.models import Talk

    last_place = (
        selectors.visible_talks(user)
        .filter(staff=user)
        .exclude(place="")
        .order_by("-recorded_at", "-pk")
        .values_list("place", flat=True)
        .first()
    )
    duty = (
        Obligation.objects.filter(pk=obligation_id).values_list("kind", flat=True).first()
        if str(obligation_id or "").isdigit()
        else None
    )
    return {
        "held_on": timezone.localdate(),
        "kind": Talk.Kind.HOME_VISIT if duty == ObligationKind.HOME_VISIT else Talk.Kind.TALK,
        "place": last_place or "",
    }


def _record_page(
    request,
    pk,
    record_type,
    form_class,
    save,
    template_title,
    extra_kwargs,
    anchor,
    default_duty=None,
    initial_for=None,
):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind not in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE):
        raise Http404
    person = person_gate(request.user, pk, read=record_type).person
    episode = current_episode(person, [Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY])
    obligation_id = request.GET.get("obligation") or request.POST.get("obligation")
    if request.method == "GET" and not obligation_id and default_duty:
        # Name the duty this page fulfils when it is rendered: a repeated post then finds that
        # duty done and is refused, instead of fulfilling the next one and moving the schedule.
        obligation_id = (
            episode.obligations.filter(kind=default_duty, status__in=Obligation.OPEN_STATUSES)
            .values_list("pk", flat=True)
            .first()
        )
    initial = {"obligation": obligation_id}
    if request.method == "GET" and initial_for is not None:
        # What the app already knows, so the form opens filled in: the user changes what differs.
        initial.update(initial_for(request.user, staff, obligation_id))
    form = submission_key_add(form_class(request.POST or None, initial=initial, **extra_kwargs(person)))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("obligation", None)
            key = data.pop("submission_key", None)
            try:
                submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: save(
                        actor=request.user,
                        episode=episode,
                        obligation_id=form.cleaned_data.get("obligation"),
                        **data,
                    ),
                    record_url=lambda record: (
                        reverse("person_records", args=[person.pk]) + f"#{anchor}-{record.pk}"
                    ),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=template_title
                )
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已保存，下次应办日期已更新。"))
                return redirect("person_detail", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(request, form=form, person=person, title=template_title)


@require_http_methods(["GET", "POST"])
def drug_test_new(request, pk):
    return _record_page(
        request,
        pk,
        RecordType.DRUGTEST,
        DrugTestForm,
        drug_test_record,
        _("登记吸毒检测"),
        lambda p: {"person": p},
        "drugtest",
        default_duty=ObligationKind.DRUG_TEST,
        initial_for=_drug_test_initial,
    )


@require_http_methods(["GET", "POST"])
def talk_new(request, pk):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.WORK_STATION:
        raise Http404
    # A talk page names no duty by itself: whether it fulfils a talk or a home visit is chosen
    # on the form. A link from a due item names it (?obligation=); the key stops a double click.
    return _record_page(
        request,
        pk,
        RecordType.TALK,
        TalkForm,
        talk_record,
        _("登记谈话走访"),
        lambda p: {},
        "talk",
        initial_for=_talk_initial,
    )


@require_http_methods(["GET", "POST"])
def obligation_excuse_page(request, pk):
    staff = selectors.staff_for(request.user)
    if (
        staff is None
        or staff.role != Staff.Role.HEAD
        or staff.agency.kind
        not in (
            Agency.Kind.WORK_STATION,
            Agency.Kind.DRUG_CONTROL,
        )
    ):
        raise Http404
    obligation = selectors.visible_obligations(request.user).select_related("person").filter(pk=pk).first()
    if obligation is None:
        raise Http404
    if staff.agency.kind == Agency.Kind.WORK_STATION:
        # Excusing is the executing station's act on the file, not a transfer's new place's.
        person_gate(request.user, obligation.person_id, act="act_work_station")
    form = submission_key_add(ExcuseForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            submitted_once(
                key=form.cleaned_data["submission_key"],
                user=request.user,
                save=lambda: obligation_excuse(
                    actor=request.user, obligation=obligation, reason=form.cleaned_data["reason"]
                ),
                record_url=lambda excused: reverse("person_detail", args=[excused.person_id]),
            )
        except AlreadyRecorded as repeat:
            return already_recorded_page(
                request, person=obligation.person, submission=repeat.submission, title=_("免除应办事项")
            )
        except RecordRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已免除。"))
            return redirect("person_detail", pk=obligation.person_id)
    return form_render(
        request, form=form, person=obligation.person, title=_("免除应办事项"), obligation=obligation
    )

"""Every form of the app, posted with random and hostile values by a party that may use it.

The property: no answer is a 5xx, and a form that refuses its input (any answer but a
redirect) writes no row. The forms are found by opening each page and taking the form objects
it renders, so a field added later is fuzzed without anyone listing it here.
"""

import os
import re
import time
from datetime import date, timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from viewflow.workflow.timers import fire_due_timers

from casework.deadlines import add_months
from casework.idnumber import make_id_number
from casework.models import DrugTest, Episode, HandOver, Obligation, Referral, Staff, Suspension
from obligations.services import obligations_open_first
from tests import factories as f
from tests.workflows.test_certification import approve_task, certifiable
from tests.workflows.test_completion import completed
from tests.workflows.test_intake_flow import open_task
from tests.workflows.test_registration import form_data
from workflows.branches.absences import absence_report
from workflows.branches.certification import certification_propose
from workflows.branches.completion import completion_start
from workflows.branches.records import drug_test_record
from workflows.branches.referrals import referral_accept, referral_create
from workflows.branches.suspensions import suspension_start
from workflows.branches.transfers import transfer_request
from workflows.engine import step_run
from workflows.flows import BreachHandOverFlow, CompletionFlow, IntakeFlow, TransferFlow

pytestmark = pytest.mark.django_db

# 48 examples x 49 forms (+12 each for the rates and assessment pages, which recompute a year of
# figures per request) = 2,376 posts; FORM_FUZZ_EXAMPLES=500 runs a longer search locally.
EXAMPLES_PER_FORM = int(os.environ.get("FORM_FUZZ_EXAMPLES", "48"))

HOSTILE = [
    "",
    " ",
    "\x00",
    "a" * 5000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "%00",
    "../../../../etc/passwd",
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "2026-02-30",
    "2126-01-01",
    "0001-01-01",
    "9999-12-31",
    "2026-99999999999999999999",
    "１２３４",
    "𠀀𠀁𠀂" * 50,
    "\u202e\u200b",
    "[]",
    "{}",
    "null",
    "true",
    "😀" * 100,
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
OMIT = object()


def _forms_of(response) -> list[forms.BaseForm]:
    found = {}
    for context in response.context or []:
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, forms.BaseForm):
                    found[id(value)] = value
    return list(found.values())


def _forms_from_html(response) -> list[forms.BaseForm]:
    """A filter form rendered by hand (no Form object): its inputs' names, fuzzed as text."""
    names = sorted(
        set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', response.content.decode()))
    )
    names = [n for n in names if n != "csrfmiddlewaretoken"]
    form = forms.Form()
    for name in names:
        form.fields[name] = forms.CharField(required=False)
    return [form] if names else []


def _choice_values(field) -> list[str]:
    values = []
    for value, _label in field.choices:
        if isinstance(_label, (list, tuple)):  # option groups
            values.extend(str(v) for v, _ in _label)
        elif value not in ("", None):
            values.append(str(getattr(value, "value", value)))
    return values[:40]


def _strategy(field, initial):
    hostile = st.sampled_from(HOSTILE)
    text = st.text(max_size=40)
    plausible = [st.just(str(initial))] if initial not in (None, "") else []
    if isinstance(field, forms.FileField):
        names = st.sampled_from(["scan.png", "x.pdf", "<b>.html", "a" * 300 + ".png", "", "a.svg"])
        content = st.one_of(st.binary(max_size=512), st.just(PNG), st.just(b"%PDF-1.4\n"), st.just(b"<svg/>"))
        return st.builds(lambda n, c: SimpleUploadedFile(n or "f", c), names, content)
    if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
        valid = _choice_values(field)
        return st.lists(st.one_of(st.sampled_from(valid), hostile) if valid else hostile, max_size=4)
    if isinstance(field, forms.ChoiceField):
        valid = _choice_values(field)
        return st.one_of(st.sampled_from(valid), hostile, *plausible) if valid else st.one_of(hostile, text)
    if isinstance(field, forms.DateField):
        today = timezone.localdate()
        dates = st.dates(min_value=today - timedelta(days=900), max_value=today + timedelta(days=200))
        return st.one_of(dates.map(lambda d: d.isoformat()), hostile, *plausible)
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return st.one_of(
            st.integers(-(10**22), 10**22).map(str), st.integers(0, 60).map(str), hostile, *plausible
        )
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "1", "0", "false", "x" * 20])
    if isinstance(field, forms.UUIDField):
        return st.one_of(
            st.just(str(initial)) if initial else st.uuids().map(str), st.uuids().map(str), hostile
        )
    return st.one_of(text, hostile, *plausible)


def _values_strategy(page_forms):
    fields = {}
    for form in page_forms:
        for name, field in form.fields.items():
            initial = form.initial.get(name, field.initial)
            if callable(initial):
                initial = initial()
            if hasattr(initial, "pk"):
                initial = initial.pk
            if isinstance(initial, (list, tuple)):
                initial = None
            fields[form.add_prefix(name)] = st.one_of(st.just(OMIT), _strategy(field, initial))
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not OMIT})


# Rows that a refused request may rightly write: the session, the access log of the page it
# re-rendered, and django-axes' record of a failed login.
UNCOUNTED = ("django_session", "permissions_accesslog")


def _snapshot_sql(tables) -> str:
    """One query: the row count of every table a form could write to.

    (PostgreSQL's per-transaction counters would catch updates too, but they also count rows a
    refused save wrote and rolled back, which is exactly the behaviour wanted.)
    """
    return "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)


def _snapshot(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _registered(client, world, served_days_ago, n) -> Episode:
    """A decision registered through the page, its intake flow started (the first step open)."""
    served = (timezone.localdate() - timedelta(days=served_days_ago)).isoformat()
    id_number = make_id_number("320102", date(1988, 5, 6), 100 + n, "M")
    data = form_data(
        world,
        **{
            "person-id_number": id_number,
            "episode-decision_number": f"城公(禁)决字〔2026〕9{n:02d}号",
            "episode-decision_date": served,
            "episode-served_on": served,
        },
    )
    client.force_login(world["work_station1_user"])
    response = client.post(reverse("person_register"), data)
    assert response.status_code == 302, [f.errors for f in _forms_of(response)]
    return Episode.objects.get(person__id_number=id_number)


def _on_detail(name, referral, form_name):
    """A form that posts to a POST-only URL: found on the referral's page, by its context name."""
    return (
        reverse(name, args=[referral.pk]),
        "post",
        reverse("referral_detail", args=[referral.pk]),
        form_name,
    )


def _user(world, agency_key, role, username):
    return f.staff_user(world[agency_key], username=username, role=role)


def _targets(world, client):
    """(label, user, url, method) for every form, each on its own person in the state it needs."""
    today = timezone.localdate()
    ws = world["work_station1_user"]
    head = _user(world, "work_station1", Staff.Role.HEAD, "fuzz-head")
    hr = world["human_resources1_user"]
    sup = world["sup1_user"]

    def active():
        person = f.person_with_episode(world["c1"], served_on=today - timedelta(days=200))
        obligations_open_first(person.episodes.get())
        return person

    def away():
        person = active()
        episode = person.episodes.get()
        return absence_report(
            actor=ws,
            episode=episode,
            reported_on=today,
            leaves_on=today,
            returns_by=today + timedelta(days=6),
            destination="南京",
            reason="探亲",
            contact_phone="13800001111",
        )

    def referral(accepted):
        person = active()
        made = referral_create(
            actor=ws,
            episode=person.episodes.get(),
            kind=Referral.Kind.EMPLOYMENT,
            on=today,
            needs="就业",
            skills="驾驶",
        )
        return referral_accept(actor=hr, referral=made, on=today) if accepted else made

    suspended = active()
    suspension_start(
        actor=ws,
        episode=suspended.episodes.get(),
        reason=Suspension.Reason.DETENTION,
        starts_on=today,
        place="拘留所",
    )
    intake = _registered(client, world, 2, 1)
    late = _registered(client, world, 30, 2)
    fire_due_timers()
    done, _ = completed(world, add_months(today, -25), term=24)  # in the 3-year follow-up
    excusable = active().obligations.filter(status__in=Obligation.OPEN_STATUSES).first()
    steps = _step_targets(world, client, active, head)
    targets = [
        ("register", ws, reverse("person_register"), "post"),
        ("edit", ws, reverse("person_edit", args=[active().pk]), "post"),
        ("reveal", ws, reverse("person_reveal", args=[active().pk]), "post"),
        ("drug test", ws, reverse("drug_test_new", args=[active().pk]), "post"),
        ("drug test (police)", world["police1_user"], reverse("drug_test_new", args=[active().pk]), "post"),
        ("talk", ws, reverse("talk_new", args=[active().pk]), "post"),
        ("excuse", head, reverse("obligation_excuse", args=[excusable.pk]), "post"),
        ("breach", ws, reverse("breach_confirm", args=[active().pk]), "post"),
        ("absence report", ws, reverse("absence_report", args=[active().pk]), "post"),
        ("absence unreported", ws, reverse("absence_unreported", args=[active().pk]), "post"),
        ("absence return", ws, reverse("absence_return", args=[away().pk]), "post"),
        ("absence extend", ws, reverse("absence_extend", args=[away().pk]), "post"),
        ("referral", ws, reverse("referral_new", args=[active().pk]), "post"),
        ("referral decide", hr, *_on_detail("referral_decide", referral(False), "decide_form")),
        ("referral outcome", hr, reverse("referral_outcome_new", args=[referral(True).pk]), "post"),
        ("referral close", hr, *_on_detail("referral_close", referral(True), "close_form")),
        ("transfer", ws, reverse("transfer_new", args=[active().pk]), "post"),
        ("suspension", ws, reverse("suspension_new", args=[active().pk]), "post"),
        ("suspension end", ws, reverse("suspension_end", args=[suspended.pk]), "post"),
        ("terminate", ws, reverse("episode_terminate", args=[active().pk]), "post"),
        ("relapse after completion", ws, reverse("follow_up_relapse", args=[done.pk]), "post"),
        ("report in", ws, reverse("task_page", args=[open_task(intake, "report_in").pk]), "post"),
        ("refusal check", ws, reverse("task_page", args=[open_task(late, "refusal_check").pk]), "post"),
        ("person search", ws, reverse("person_list"), "get"),
        ("access log filter", sup, reverse("access_log"), "get"),
        # The rates page recomputes a year of figures per request (about 1 s): fewer examples.
        ("rates filter", sup, reverse("rates"), "get", reverse("rates"), None, 12),
        ("overdue audit filter", sup, reverse("overdue_audit"), "get"),
        (
            "assessment filter",
            sup,
            reverse("drugfree_assessment"),
            "get",
            reverse("drugfree_assessment"),
            None,
            12,
        ),
        ("monthly report", sup, reverse("monthly_report"), "get"),
        ("referral list", hr, reverse("referral_list"), "get"),
        ("login", None, reverse("login"), "post"),
        ("language", ws, reverse("set_language"), "post", reverse("home"), None, EXAMPLES_PER_FORM),
        ("certification proposal", ws, reverse("certification", args=[certifiable(world)[1].pk]), "post"),
        (
            "new decision",
            ws,
            reverse("episode_add", args=[completed(world, today - timedelta(days=1300))[0].pk]),
            "post",
        ),
        (
            "hand-over print reason",
            world["police1_user"],
            reverse("handover_print", args=[_handover(world, active).pk]),
            "post",
        ),
        *steps,
    ]
    return targets


def _handover(world, make_person) -> HandOver:
    episode = make_person().episodes.get()
    step_run(
        world["work_station1_user"],
        BreachHandOverFlow,
        "prepare",
        _relapse(world, episode),
        {"prepared_on": timezone.localdate(), "documents": ["检测报告", "移交回执"]},
    )
    return HandOver.objects.get(episode=episode)


def _relapse(world, episode, result=DrugTest.Result.POSITIVE) -> Episode:
    """A positive test opens the hand-over to the police; a refused one, the follow-up."""
    drug_test_record(
        actor=world["work_station1_user"],
        episode=episode,
        tested_on=timezone.localdate(),
        place="工作站",
        result=result,
        substances="甲基苯丙胺" if result == DrugTest.Result.POSITIVE else "",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
    )
    return episode


def _step_targets(world, client, make_person, head):
    """The open steps of every flow, each as the party that does it."""
    today = timezone.localdate()
    ws, ws2, police, sup = (
        world["work_station1_user"],
        world["work_station2_user"],
        world["police1_user"],
        world["sup1_user"],
    )

    def page(episode, name):
        return reverse("task_page", args=[open_task(episode, name).pk])

    report_in = {"reported_on": today, "documents": "决定书", "decision_photo": None}
    agreement = {"signed_on": today, "measures": "按期检测", "rules": "遵守协议", "liability": "责任"}
    plan = {
        "written_on": today,
        "current_situation": "稳定",
        "treatment": "",
        "encourage_mmt": False,
        "detox_treatment_needed": False,
        "counselling": "",
        "assistance": "",
    }
    intake = [_registered(client, world, 2, 10 + n) for n in range(3)]
    for n, episode in enumerate(intake):
        step_run(ws, IntakeFlow, "report_in", episode, report_in)
        if n >= 1:
            step_run(ws, IntakeFlow, "agreement", episode, agreement)
        if n >= 2:
            step_run(ws, IntakeFlow, "plan", episode, plan)
    refused = _registered(client, world, 30, 13)
    fire_due_timers()
    step_run(
        ws,
        IntakeFlow,
        "refusal_check",
        refused,
        {"legitimate_reason": False, "reason": "无正当理由", "new_deadline": None},
    )
    to_police = _registered(client, world, 30, 14)
    fire_due_timers()
    step_run(
        ws,
        IntakeFlow,
        "refusal_check",
        to_police,
        {"legitimate_reason": False, "reason": "无正当理由", "new_deadline": None},
    )
    step_run(ws, IntakeFlow, "handover", to_police, {"prepared_on": today, "documents": ["决定书"]})

    positive = _relapse(world, make_person().episodes.get(), DrugTest.Result.REFUSED)
    proposed = certifiable(world, community="c1")[1]
    proposal = certification_propose(actor=ws, episode=proposed, summary="执行期间表现良好", on=today)
    handing_over = _relapse(world, make_person().episodes.get())
    received = _handover(world, make_person).episode

    world["t1"].absence_approval_required = True
    world["t1"].save()
    pending = make_person().episodes.get()
    absence_report(
        actor=ws,
        episode=pending,
        reported_on=today,
        leaves_on=today + timedelta(days=1),
        returns_by=today + timedelta(days=7),
        destination="南京",
        reason="探亲",
        contact_phone="13800001111",
    )
    world["t1"].absence_approval_required = False
    world["t1"].save()

    transferring = make_person().episodes.get()
    transfer_request(actor=ws, episode=transferring, to_township=world["t2"], reason="迁居", on=today)
    accepted = []
    for n in range(3):
        episode = make_person().episodes.get()
        transfer_request(actor=ws, episode=episode, to_township=world["t2"], reason="迁居", on=today)
        decision = {"decision": "accept", "decided_on": today, "community": world["c2"], "decline_reason": ""}
        step_run(ws2, TransferFlow, "accept_or_decline", episode, decision)
        if n >= 1:
            step_run(ws2, TransferFlow, "report_at_new_place", episode, {"reported_on": today})
        if n >= 2:
            step_run(ws2, TransferFlow, "agreement", episode, agreement)
        accepted.append(episode)

    ending = [
        f.person_with_episode(world["c1"], served_on=add_months(today, -36)).episodes.get() for _ in range(2)
    ]
    for n, episode in enumerate(ending):
        Episode.objects.filter(pk=episode.pk).update(expected_end_date=today + timedelta(days=5))
        assert completion_start(episode.pk, today)
        if n == 1:
            step_run(ws, CompletionFlow, "prepare_file", episode, {"sent_on": today, "documents": "档案"})

    return [
        ("intake agreement", ws, page(intake[0], "agreement"), "post"),
        ("intake plan", ws, page(intake[1], "plan"), "post"),
        ("intake team", ws, page(intake[2], "team"), "post"),
        ("intake hand-over", ws, page(refused, "handover"), "post"),
        ("intake police decision", police, page(to_police, "police_decision"), "post"),
        ("follow-up of a refused test", ws, page(positive, "review"), "post"),
        ("certification decision", sup, reverse("task_page", args=[approve_task(proposal).pk]), "post"),
        ("breach hand-over package", ws, page(handing_over, "prepare"), "post"),
        ("breach police decision", police, page(received, "receive"), "post"),
        ("absence approval", head, page(pending, "decide"), "post"),
        ("transfer decision", ws2, page(transferring, "accept_or_decline"), "post"),
        ("transfer report at new place", ws2, page(accepted[0], "report_at_new_place"), "post"),
        ("transfer agreement", ws2, page(accepted[1], "agreement"), "post"),
        ("transfer team", ws2, page(accepted[2], "team"), "post"),
        ("completion file to police", ws, page(ending[0], "prepare_file"), "post"),
        ("release notice", police, page(ending[1], "release_notice"), "post"),
    ]


def _fuzz(label, send, url, page_forms, examples, snapshot_sql, totals) -> None:
    """Post `examples` generated value sets to one form; check each answer and the rows."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same inputs on every run, so CI's time and verdict are stable
        suppress_health_check=list(HealthCheck),
    )
    @given(values=_values_strategy(page_forms))
    def post_once(values):
        # The counts after one post are the counts before the next: one snapshot per post.
        before = last["counts"]
        response = send(url, values)
        totals["posts"] += 1
        last["counts"] = _snapshot(snapshot_sql)
        assert response.status_code < 500, (label, values, response.status_code)
        if response.status_code in (301, 302, 303):
            totals["accepted"] += 1
            return
        totals["refused"] += 1
        assert last["counts"] == before, (label, values, response.status_code)

    last = {"counts": _snapshot(snapshot_sql)}
    post_once()


# About 2,400 requests: a few minutes on an idle machine, longer when it is shared.
@pytest.mark.timeout(1200)
def test_every_form_survives_random_and_hostile_input(world):
    tables = [
        t for t in connection.introspection.table_names() if t not in UNCOUNTED and not t.startswith("axes_")
    ]
    snapshot_sql = _snapshot_sql(tables)
    setup_client = Client()
    targets = _targets(world, setup_client)
    clients: dict[int | None, Client] = {}
    totals = {"posts": 0, "refused": 0, "accepted": 0}
    per_form = {}

    for label, user, url, method, *where in targets:
        page_url, form_name, examples = (
            (*where, EXAMPLES_PER_FORM)[:3] if where else (url, None, EXAMPLES_PER_FORM)
        )
        if user is None:
            client = Client()
        else:
            client = clients.get(user.pk)
            if client is None:
                client = clients[user.pk] = Client()
                client.force_login(user)
        page = client.get(page_url)
        assert page.status_code == 200, (label, page.status_code)
        page_forms = [page.context[form_name]] if form_name else (_forms_of(page) or _forms_from_html(page))
        assert page_forms, f"{label}: no form on {url}"
        send = client.post if method == "post" else client.get

        start, started = totals["posts"], time.monotonic()
        _fuzz(label, send, url, page_forms, examples, snapshot_sql, totals)
        per_form[label] = (totals["posts"] - start, examples)
        print(f"{label}: {per_form[label][0]} posts, {time.monotonic() - started:.1f} s")

    print(
        f"\nform fuzz: {totals['posts']} posts to {len(targets)} forms "
        f"({totals['accepted']} accepted, {totals['refused']} refused), 0 responses 5xx, "
        "0 rows written by a refused form"
    )
    # Hypothesis stops early only when a form's inputs are exhausted; none of these are that small.
    assert all(posts == examples for posts, examples in per_form.values()), per_form
    if "FORM_FUZZ_EXAMPLES" not in os.environ:
        assert totals["posts"] >= 2000, totals

"""Writes of the programme: the application and its steps through `drugfree.flows.TitleFlow`,
the township targets and the evidence records. Keyword-only, the actor named; a refusal
raises `RecordRefused` with a Chinese message and changes nothing.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.models import Region
from drugfree import selectors
from drugfree.flows import COUNTY, STEP_LEVEL, TOWNSHIP, TitleFlow
from drugfree.models import Application, Review, Title, TitleProcess, TownshipTarget


def _township_of(community: Region) -> Region:
    return Region.objects.get_parent(community)


def step_allowed(user, level_marker: str, community: Region) -> bool:
    """Whether the user's office is the level the step asks for, over this community."""
    standing = selectors.standing_for(user)
    if standing is None or not community.path.startswith(standing.region.path):
        return False
    if level_marker == TOWNSHIP:
        return standing.township_office
    if level_marker == COUNTY:
        return standing.county_office
    return False


def application_submit(
    *, actor, community: Region, year: int, statement: str, evidence=None, applied_on: date | None = None
) -> Application:
    """A community committee applies for its own community's title for `year` (自行申报)."""
    standing = selectors.standing_for(actor)
    if standing is None or not standing.committee or standing.region.pk != community.pk:
        raise RecordRefused(_("只有本社区(村)的村(居)民委员会可以申报。"))
    applied_on = applied_on or timezone.localdate()
    if year < applied_on.year:
        raise RecordRefused(_("不能申报已过去的年度。"))
    if not statement.strip():
        raise RecordRefused(_("请填写创建情况。"))
    days = selectors.settings_for(community)["check_days"]
    with transaction.atomic():
        if Application.objects.select_for_update().filter(community=community, year=year).exists():
            raise RecordRefused(_("本社区 %(year)d 年度已申报，不能重复申报。") % {"year": year})
        application = Application(
            community=community,
            year=year,
            applied_on=applied_on,
            statement=statement.strip(),
            applied_by=actor,
            check_due=applied_on + timedelta(days=days),
        )
        if evidence:
            application.evidence = evidence
        application.save()
        TitleFlow.start.run(application=application)
    return application


def open_step(application: Application) -> Task | None:
    """The application's open human step, if any (one query)."""
    return (
        Task.objects.filter(
            process__in=TitleProcess.objects.filter(artifact_object_id=application.pk, flow_class=TitleFlow),
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .select_related("process")
        .first()
    )


def _complete(actor, application: Application, node: str, handle) -> None:
    """Do the open step `node` of the application as `actor` under the flow's lock."""
    task = open_step(application)
    if task is None or task.flow_task.name != node:
        raise RecordRefused(_("该申报当前没有待办理的此步骤。"))
    if not step_allowed(actor, STEP_LEVEL[node], application.community):
        raise RecordRefused(
            {
                TOWNSHIP: _("只有该社区所在乡镇的禁毒办可以办理此步骤。"),
                COUNTY: _("只有县禁毒办可以进行县级命名。"),
            }[STEP_LEVEL[node]]
        )
    with TitleFlow.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or (task.owner_id and task.owner_id != actor.pk):
            raise RecordRefused(_("该步骤已由他人办结或认领，本次提交未保存。"))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(actor)
        activation.start(_Request(actor))
        locked = Application.objects.select_for_update().get(pk=application.pk)
        data = handle(locked)
        process = activation.process
        process.data = {**(process.data or {}), **data}
        process.save(update_fields=["data"])
        activation.execute()


class _Request:
    """What viewflow's activation asks of a request when a step is done from a service."""

    def __init__(self, user):
        self.user = user


def application_check(
    *, actor, application: Application, name: bool, note: str, on: date | None = None
) -> None:
    """The township 禁毒办 checks the application against the criteria and names it 镇级, or not."""
    on = on or timezone.localdate()
    if not name and not note.strip():
        raise RecordRefused(_("不予命名时请写明审核意见。"))

    def handle(locked: Application):
        locked.checked_on, locked.checked_by, locked.check_note = on, actor, note.strip()
        locked.status = Application.Status.TOWN if name else Application.Status.REJECTED
        locked.save(update_fields=["checked_on", "checked_by", "check_note", "status"])
        if name:
            Title.objects.create(
                community=locked.community,
                application=locked,
                level=Title.Level.TOWN,
                year=locked.year,
                granted_on=on,
                granted_by=actor,
            )
        return {"named": name}

    _complete(actor, application, "check", handle)


def application_county_decide(*, actor, application: Application, name: bool, on: date | None = None) -> None:
    """The county 禁毒办 names the best 镇级 communities 县级, within the yearly limit (“1-2个”)."""
    on = on or timezone.localdate()
    county = Region.objects.get_parent(_township_of(application.community))
    limit = selectors.settings_for(county)["county_titles_per_year"]

    def handle(locked: Application):
        if name:
            named = (
                Title.objects.select_for_update()
                .filter(
                    level=Title.Level.COUNTY,
                    year=locked.year,
                    community__path__startswith=county.path,
                )
                .count()
            )
            if named >= limit:
                raise RecordRefused(
                    _("本县 %(year)d 年度县级无毒社区已命名 %(n)d 个，已达上限 %(limit)d 个。")
                    % {"year": locked.year, "n": named, "limit": limit}
                )
            Title.objects.create(
                community=locked.community,
                application=locked,
                level=Title.Level.COUNTY,
                year=locked.year,
                granted_on=on,
                granted_by=actor,
            )
            locked.status = Application.Status.COUNTY
            locked.save(update_fields=["status"])
        return {"county": name}

    _complete(actor, application, "county", handle)


def review_year(application: Application) -> int:
    """The year the next re-assessment is for: the year after naming, then each year after."""
    return application.year + 1 + application.reviews.count()


def application_review(
    *, actor, application: Application, keep: bool, note: str, on: date | None = None
) -> Review:
    """The yearly re-assessment (巩固): the title is kept, or revoked with the reason (第三篇 六(四))."""
    on = on or timezone.localdate()
    if not note.strip():
        raise RecordRefused(_("请填写复核意见。"))
    year = review_year(application)
    if on.year < year:
        raise RecordRefused(_("%(year)d 年度复核须在 %(year)d 年内进行。") % {"year": year})
    created: list[Review] = []

    def handle(locked: Application):
        created.append(
            Review.objects.create(
                application=locked, year=year, reviewed_on=on, reviewed_by=actor, kept=keep, note=note.strip()
            )
        )
        if not keep:
            Title.objects.filter(application=locked, revoked_on__isnull=True).update(
                revoked_on=on, revoked_by=actor, revoke_reason=note.strip()
            )
            locked.status = Application.Status.REVOKED
            locked.save(update_fields=["status"])
        return {"kept": keep}

    _complete(actor, application, "review", handle)
    return created[0]


def target_set(
    *, actor, township: Region, year: int, communities: int, county_level: int = 0
) -> TownshipTarget:
    """The township 禁毒办 sets how many communities it means to have named by `year`."""
    standing = selectors.standing_for(actor)
    if standing is None or not standing.township_office or standing.region.pk != township.pk:
        raise RecordRefused(_("只有本乡镇禁毒办可以设定创建目标。"))
    if communities < 1 or county_level < 0 or county_level > communities:
        raise RecordRefused(_("目标数至少为1，县级数不能超过目标数。"))
    target, _created = TownshipTarget.objects.update_or_create(
        township=township,
        year=year,
        defaults={"communities": communities, "county_level": county_level, "set_by": actor},
    )
    return target


# Records the township signs or makes about the units, not the units about themselves.
OFFICE_RECORDS = ("Letter", "Inspection", "UnitScore")


def record_save(*, actor, record, community: Region):
    """Save an evidence record for a community the actor may record for (its committee or a 禁毒办 over it)."""
    standing = selectors.standing_for(actor)
    if standing is None or not community.path.startswith(standing.region.path):
        raise RecordRefused(_("只能录入本辖区社区(村)的记录。"))
    if standing.committee and type(record).__name__ in OFFICE_RECORDS:
        raise RecordRefused(_("责任书、督查和考核由禁毒办录入。"))
    record.community = community
    record.recorded_by = actor
    record.full_clean()
    record.save()
    return record


def inspection_close(*, actor, inspection, note: str, on: date | None = None) -> None:
    """The township or county 禁毒办 closes a rectification (整改销号) once done."""
    on = on or timezone.localdate()
    standing = selectors.standing_for(actor)
    if (
        standing is None
        or standing.committee
        or not inspection.community.path.startswith(standing.region.path)
    ):
        raise RecordRefused(_("只有督查的禁毒办可以对整改销号。"))
    if inspection.closed_on:
        raise RecordRefused(_("该整改已销号。"))
    if not note.strip():
        raise RecordRefused(_("请填写整改情况。"))
    if on < inspection.inspected_on:
        raise RecordRefused(_("销号日期不能早于督查日期。"))
    inspection.closed_on, inspection.closed_by, inspection.closure_note = on, actor, note.strip()
    inspection.save(update_fields=["closed_on", "closed_by", "closure_note"])

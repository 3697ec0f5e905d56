"""What the API shows and accepts. Input serializers refuse unknown fields; the rules of a
record are the page's own form (run by the view), so the API and the pages refuse alike."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from casework.models import DrugTest, Episode, Obligation, Person, Referral, ReferralOutcome, Talk, TeamMember
from permissions.models import RecordType
from workflows.forms.records import DrugTestForm


class StrictSerializer(serializers.Serializer):
    """Refuse fields the operation does not take (a typo must not be silently dropped)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("不接受该字段。")] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass


# --- persons -------------------------------------------------------------------------------


class RegionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonListSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.CharField(help_text="脱敏的公民身份号码 / masked ID number")
    region = RegionRefSerializer(help_text="管辖社区 / community")
    current_status = serializers.ChoiceField(
        choices=Episode.Status.choices,
        allow_null=True,
        help_text="最新执行期的状态 / latest episode's status",
    )
    current_kind = serializers.ChoiceField(
        choices=Episode.Kind.choices, allow_null=True, help_text="最新执行期的类别 / latest episode's kind"
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "birth_date",
            "id_number_masked",
            "region",
            "risk_level",
            "current_status",
            "current_kind",
        ]


class PersonDetailSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.CharField(help_text="脱敏的公民身份号码 / masked ID number")
    phone_masked = serializers.CharField(help_text="脱敏的联系电话 / masked phone")
    region = RegionRefSerializer()
    residence_region = RegionRefSerializer()
    household_region = RegionRefSerializer()
    record_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RecordType.choices),
        help_text="调用者可读的记录类型 / record types the caller may read",
    )
    can_reveal = serializers.BooleanField(help_text="可否查看完整号码 / may reveal full numbers")

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "birth_date",
            "id_number_masked",
            "phone_masked",
            "household_address",
            "household_region",
            "residence_address",
            "residence_region",
            "region",
            "education",
            "employment",
            "marital_status",
            "drug_types",
            "use_mode",
            "risk_level",
            "record_types",
            "can_reveal",
        ]


class TransferRequestSerializer(serializers.Serializer):
    """What the new place of a pending transfer may read before it accepts (戒毒条例 art 22)."""

    person = inline_serializer(
        name="TransferRequestPerson",
        fields={
            "id": serializers.IntegerField(),
            "name": serializers.CharField(),
            "sex": serializers.ChoiceField(choices=Person.Sex.choices),
            "id_number_masked": serializers.CharField(help_text="脱敏的公民身份号码 / masked ID number"),
        },
    )
    episode = inline_serializer(
        name="TransferRequestEpisode",
        fields={
            "kind": serializers.ChoiceField(choices=Episode.Kind.choices),
            "decision_number": serializers.CharField(),
            "issuing_authority": serializers.CharField(),
            "decision_date": serializers.DateField(),
            "term_months": serializers.IntegerField(),
            "start_date": serializers.DateField(allow_null=True),
            "expected_end_date": serializers.DateField(allow_null=True),
        },
    )
    id = serializers.IntegerField(help_text="变更申请 id / transfer request id")
    from_township = RegionRefSerializer(help_text="原执行地 / from township")
    to_township = RegionRefSerializer(help_text="新执行地 / to township")
    reason = serializers.CharField(help_text="变更原因 / reason")
    requested_on = serializers.DateField(help_text="申请日期 / requested on")
    requested_by = serializers.CharField(help_text="申请人 / requested by")
    task = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "调用者可办理的接收或拒绝步骤（可认领）；他人正在办理时为空。\n\n"
            "The accept-or-decline step the caller may claim; null while someone else holds it."
        ),
    )


class RevealSerializer(StrictSerializer):
    reason = serializers.CharField(
        min_length=4, max_length=200, help_text="查看理由（记入访问日志）/ reason, logged"
    )


class RevealedSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    guarantor_phone = serializers.CharField(allow_blank=True)


class EpisodeSerializer(serializers.ModelSerializer):
    township = RegionRefSerializer()
    community = RegionRefSerializer()

    class Meta:
        model = Episode
        fields = [
            "id",
            "kind",
            "status",
            "decision_number",
            "decision_date",
            "issuing_authority",
            "served_on",
            "term_months",
            "township",
            "community",
            "report_deadline",
            "reported_on",
            "start_date",
            "expected_end_date",
            "closed_on",
            "closed_reason",
        ]


class TeamMemberSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.code", help_text="参与方 / party")
    role_name = serializers.CharField(source="role.name")
    member = serializers.SerializerMethodField(help_text="成员姓名或用户名 / member's name")
    agency = serializers.SerializerMethodField(help_text="所在单位 / agency")

    class Meta:
        model = TeamMember
        fields = ["id", "episode", "role", "role_name", "member", "agency", "start_date", "end_date"]

    def get_member(self, obj) -> str:
        if obj.user_id:
            return obj.user.get_full_name() or obj.user.username
        return obj.name

    def get_agency(self, obj) -> str:
        staff = getattr(obj.user, "staff", None) if obj.user_id else None
        return staff.agency.name if staff is not None else ""


class ObligationSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")

    class Meta:
        model = Obligation
        fields = [
            "id",
            "person",
            "person_name",
            "episode",
            "kind",
            "sequence",
            "programme_year",
            "due_from",
            "due_by",
            "status",
            "owner_party",
        ]


class MyDutySerializer(ObligationSerializer):
    mine = serializers.BooleanField(help_text="我在其帮教小组 / I am on the help team")

    class Meta(ObligationSerializer.Meta):
        fields = [*ObligationSerializer.Meta.fields, "mine"]


# --- records -------------------------------------------------------------------------------

# The test page's own fields: the API records the same test the form does ("ad_hoc" is the
# API's own, named beside the duty it fulfils).
DRUG_TEST_FIELDS = [name for name in DrugTestForm.Meta.fields if name != "ad_hoc"]


class DrugTestSerializer(serializers.ModelSerializer):
    class Meta:
        model = DrugTest
        fields = ["id", "person", "episode", "obligation", "ad_hoc", *DRUG_TEST_FIELDS, "recorded_at"]


class DrugTestCreateSerializer(StrictModelSerializer):
    obligation = serializers.IntegerField(min_value=1, help_text="所履行的应办事项 id / the duty it fulfils")

    class Meta:
        model = DrugTest
        fields = ["obligation", *DRUG_TEST_FIELDS]
        # Required as on the record page's form, defaults of the model or not.
        extra_kwargs = {"sample_type": {"required": True}, "method": {"required": True}}


class TalkSerializer(serializers.ModelSerializer):
    staff = serializers.CharField(source="staff.username")

    class Meta:
        model = Talk
        fields = [
            "id",
            "person",
            "episode",
            "obligation",
            "held_on",
            "kind",
            "place",
            "summary",
            "follow_up",
            "staff",
            "recorded_at",
        ]


class TalkCreateSerializer(StrictModelSerializer):
    obligation = serializers.IntegerField(min_value=1, help_text="所履行的应办事项 id / the duty it fulfils")

    class Meta:
        model = Talk
        fields = ["obligation", "held_on", "kind", "place", "summary", "follow_up"]
        extra_kwargs = {"kind": {"required": True}}


# --- my work -------------------------------------------------------------------------------


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="步骤 / step")
    flow_task = serializers.CharField()
    status = serializers.ChoiceField(choices=["NEW", "ASSIGNED"])
    mine = serializers.BooleanField(help_text="已由我认领 / claimed by me")
    person = serializers.IntegerField(allow_null=True)
    person_name = serializers.CharField(allow_blank=True)
    episode = serializers.IntegerField()
    created = serializers.DateTimeField()


# --- referrals -----------------------------------------------------------------------------


class OutcomeSerializer(serializers.ModelSerializer):
    employer = serializers.SerializerMethodField(help_text="仅工作站和人社可见 / work station and 人社 only")

    class Meta:
        model = ReferralOutcome
        fields = ["id", "kind", "on_date", "course", "hours", "certificate", "employer", "amount", "note"]

    def get_employer(self, obj) -> str:
        return obj.employer if self.context.get("show_employer") else ""


class ReferralSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "person_name",
            "episode",
            "kind",
            "status",
            "needs",
            "skills",
            "referred_on",
            "accepted_on",
            "decline_reason",
            "closed_on",
        ]


class ReferralDetailSerializer(ReferralSerializer):
    outcomes = OutcomeSerializer(many=True)

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "outcomes"]


class ReferralDecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=["accept", "decline"], help_text="受理 accept / 不予受理 decline"
    )
    on = serializers.DateField(help_text="日期 / date")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="不予受理理由 / reason to decline"
    )


class OutcomeCreateSerializer(StrictModelSerializer):
    class Meta:
        model = ReferralOutcome
        fields = ["kind", "on_date", "course", "hours", "certificate", "employer", "amount", "note"]


# --- supervisors ---------------------------------------------------------------------------


class RateSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="百分比 / percent")
    definition = serializers.CharField()


class RateSheetSerializer(serializers.Serializer):
    region = RegionRefSerializer()
    start = serializers.DateField()
    end = serializers.DateField()
    rates = RateSerializer(many=True)
    three_years_clean = serializers.IntegerField()
    timeliness = serializers.DictField(child=serializers.IntegerField())
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="夜间汇总时间；实时计算为空 / null when live"
    )


class OverdueRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    person_id = serializers.IntegerField()
    person_name = serializers.CharField()
    township = serializers.CharField()
    community = serializers.CharField(allow_null=True)
    party = serializers.CharField()
    party_label = serializers.CharField()
    staff = serializers.CharField(allow_blank=True)
    due = serializers.DateField()
    days = serializers.IntegerField()


# --- tokens --------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token_key = serializers.CharField(help_text="令牌前缀（用于识别和撤销）/ the token's prefix")
    name = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=60, help_text="用途，例如“公安对接” / what uses it")
    days = serializers.IntegerField(min_value=1, max_value=365, default=90, help_text="有效天数 / days valid")


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="令牌本身，只显示这一次 / the token, shown this once")

from django import forms
from django.utils.translation import gettext_lazy as _

from caseload.columns import MAX_BYTES
from casework.models import Region


class UploadForm(forms.Form):
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"), queryset=Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("path")
    )
    file = forms.FileField(label=_("名册文件（.xlsx 或 .csv）"))

    def __init__(self, *args, township=None, **kwargs):
        super().__init__(*args, **kwargs)
        if township is not None:  # a work station imports into its own township only
            del self.fields["township"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)d MB，请分成几个文件导入。") % {"mb": MAX_BYTES // 2**20}
            )
        return upload


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("导出理由"), min_length=4, max_length=200)


class CaseFileForm(forms.Form):
    reason = forms.CharField(
        label=_("显示完整号码的理由（不填则隐去部分号码）"), required=False, max_length=200
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if reason and len(reason) < 4:
            raise forms.ValidationError(_("理由至少4个字。"))
        return reason

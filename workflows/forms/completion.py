"""The forms of completion and of a relapse after it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Episode
from workflows.forms.common import _not_future


class CompletionPrepareForm(forms.Form):
    sent_on = forms.DateField(label=_("移送公安日期"), widget=DATE_WIDGET)
    documents = forms.CharField(
        label=_("移送材料"), max_length=200, initial="社区戒毒(康复)协议、执行情况档案、检测记录"
    )

    def clean_sent_on(self):
        return _not_future(self.cleaned_data["sent_on"])


class ReleaseNoticeForm(forms.Form):
    number = forms.CharField(label=_("解除通知书文号"), max_length=60)
    issued_on = forms.DateField(label=_("出具日期"), widget=DATE_WIDGET)
    served_person_on = forms.DateField(label=_("送达本人日期"), widget=DATE_WIDGET)
    served_family_on = forms.DateField(label=_("送达家属日期"), widget=DATE_WIDGET, required=False)
    township_notified_on = forms.DateField(label=_("通知乡镇(街道)日期"), widget=DATE_WIDGET)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean(self):
        cleaned = super().clean()
        for name in ("issued_on", "served_person_on", "served_family_on", "township_notified_on"):
            value = cleaned.get(name)
            if value and value > timezone.localdate():
                self.add_error(name, _("日期不能晚于今天。"))
        return cleaned


class RelapseForm(forms.Form):
    relapsed_on = forms.DateField(label=_("复吸日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("情况说明(如检测报告编号)"), max_length=200)

    def clean_relapsed_on(self):
        return _not_future(self.cleaned_data["relapsed_on"])

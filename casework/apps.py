from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("档案")

    def ready(self):
        # The empty choice of every select reads "请选择", not Django's "---------" (a row of
        # dashes says nothing to a reader or a screen reader). Django binds one list as the
        # default of every select made from a model field's choices, and one keyword default for
        # every select of records; both are set here, once, where a form names no label of its own.
        from django.db.models import fields
        from django.forms.models import ModelChoiceField

        fields.BLANK_CHOICE_DASH[:] = [("", _("请选择"))]
        ModelChoiceField.__init__.__kwdefaults__["empty_label"] = _("请选择")

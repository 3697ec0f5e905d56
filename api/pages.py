"""The user's settings page for API tokens: make one (shown once), see them, revoke them."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api.models import ApiToken
from api.views.tokens import token_make, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"), max_length=60, help_text=gettext_lazy("用途，例如“公安对接”“外勤 App”。")
    )
    days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1, max_value=365, initial=90)


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = TokenForm(request.POST or None)
    shown = None
    if request.method == "POST":
        if form.is_valid():
            token, shown = token_make(actor=request.user, **form.cleaned_data)
            messages.success(request, _("令牌已生成。它只显示这一次，请立即复制保存。"))
            form = TokenForm()
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "shown": shown,
            "tokens": list(ApiToken.objects.filter(user=request.user).order_by("-created")),
            "title": _("接口令牌"),
        },
    )


@require_POST
def api_token_revoke(request, token_key):
    if token_revoke(actor=request.user, token_key=token_key):
        messages.success(request, _("令牌已撤销。"))
    else:
        messages.error(request, _("没有找到该令牌。"))
    return redirect("api_tokens")

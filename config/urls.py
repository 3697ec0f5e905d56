from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from permissions.forms import LoginForm

urlpatterns = [
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("persons.urls")),
    path("", include("workflows.urls")),
    path("", include("oversight.urls")),
    path("", include("notifications.urls")),
    path("", include("caseload.urls")),
    path("", include("drugfree.urls")),
    path("", include("api.urls")),
]

# A path under /api/ that no route matches answers in the API's error shape.
handler404 = "api.errors.not_found"

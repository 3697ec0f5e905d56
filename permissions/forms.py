"""The login form: refuses what the lockout table cannot store before anyone writes it."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

# django-axes stores every failed username in a varchar(255) column; a longer one would make
# PostgreSQL refuse the INSERT inside the login request (a 500), so it is refused as bad input.
AXES_USERNAME_MAX_LENGTH = 255


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length after the field is built, so no validator follows it.
        limit = min(self.fields["username"].max_length or AXES_USERNAME_MAX_LENGTH, AXES_USERNAME_MAX_LENGTH)
        self.fields["username"].validators.append(
            MaxLengthValidator(limit, message=_("用户名最多 %(limit_value)d 个字符。"))
        )

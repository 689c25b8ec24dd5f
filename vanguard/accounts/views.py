from django.contrib.auth import views as auth_views

from vanguard.accounts.forms import LoginForm
from vanguard.accounts.policy import AUTHENTICATED, PUBLIC, requires


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login_view = requires(PUBLIC)(LoginView.as_view())
logout_view = requires(AUTHENTICATED)(auth_views.LogoutView.as_view())

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.views import LoginView, PasswordResetView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The second factor (README, "Two-factor login").
    path("tweestapsaanmelding/", views.second_factor, name="second_factor"),
    path("tweestapsaanmelding/instellen/", views.second_factor_setup, name="second_factor_setup"),
    path("tweestapsaanmelding/code/", views.second_factor_verify, name="second_factor_verify"),
    path("tweestapsaanmelding/herstelcodes/", views.second_factor_recovery_codes, name="second_factor_recovery_codes"),
]

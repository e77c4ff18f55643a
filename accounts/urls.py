from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm
from accounts.views import LoginView, PasswordResetView

urlpatterns = [
    path("login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
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
    path("uitnodiging/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]

# Managing people: staff's invitations (/beheer/uitnodigingen/) and an organisation's members, for its contacts
# and staff (/organisaties/<pk>/leden/).
manage_urlpatterns = [
    path("beheer/uitnodigingen/", views.invitation_list, name="invitation-list"),
    path("beheer/uitnodigingen/nieuw/", views.invitation_new, name="invitation-new"),
    path("beheer/uitnodigingen/bestand/", views.invitation_bulk, name="invitation-bulk"),
    path("uitnodigingen/<int:pk>/opnieuw/", views.invitation_resend_view, name="invitation-resend"),
    path("uitnodigingen/<int:pk>/intrekken/", views.invitation_revoke_view, name="invitation-revoke"),
    path("organisaties/<int:organisation_pk>/leden/", views.members, name="members"),
    path("organisaties/<int:organisation_pk>/leden/uitnodigen/", views.members_invite, name="members-invite"),
    path("organisaties/<int:organisation_pk>/leden/<int:pk>/rol/", views.member_change, name="member-change"),
    path("organisaties/<int:organisation_pk>/leden/<int:pk>/verwijderen/", views.member_remove, name="member-remove"),
]

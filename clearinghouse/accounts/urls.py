from django.urls import path

from clearinghouse.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.api_token_create, name="api_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/notifications/", views.notifications, name="notifications"),
    path("account/notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("account/notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("account/notifications/settings/", views.notification_preferences, name="notification_preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("member-states/<str:alpha2>/members/", views.state_members, name="state_members"),
    path("member-states/<str:alpha2>/members/invite/", views.state_invite, name="state_invite"),
    path("organizations/<slug:slug>/members/", views.organization_members, name="organization_members"),
    path("organizations/<slug:slug>/members/invite/", views.organization_invite, name="organization_invite"),
    path("members/<int:pk>/position/", views.member_position, name="member_position"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reinvite/", views.member_reinvite, name="member_reinvite"),
    path("members/<int:pk>/reset-two-factor/", views.member_reset_two_factor, name="member_reset_two_factor"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

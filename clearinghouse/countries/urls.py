from django.urls import path

from clearinghouse.countries import views

app_name = "countries"

urlpatterns = [
    path("member-states/", views.member_state_list, name="member_state_list"),
    path("member-states/<str:alpha2>/", views.member_state_detail, name="member_state_detail"),
    path(
        "member-states/<str:alpha2>/profile/",
        views.member_state_profile_edit,
        name="member_state_profile_edit",
    ),
    path("member-states/<str:alpha2>/contacts/new/", views.contact_add, name="state_contact_add"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization_detail"),
    path("organizations/<slug:slug>/contacts/new/", views.contact_add, name="organization_contact_add"),
    path("directory/", views.contact_directory, name="contact_directory"),
    path("directory/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("directory/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("directory/rounds/", views.round_list, name="round_list"),
    path("directory/rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("directory/rounds/<int:pk>/send-again/", views.round_send_again, name="round_send_again"),
    path("directory/confirm/<str:token>/", views.confirm_reachability, name="confirm_reachability"),
]

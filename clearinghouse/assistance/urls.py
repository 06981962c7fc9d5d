from django.urls import path

from clearinghouse.assistance import views

app_name = "assistance"

urlpatterns = [
    path("assistance/", views.home, name="home"),
    path("assistance/requests/new/", views.request_create, name="request_create"),
    path("assistance/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("assistance/requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("assistance/requests/<int:pk>/translation/", views.request_translation, name="request_translation"),
    path("assistance/requests/<int:pk>/<str:action>/", views.request_step, name="request_step"),
    path("assistance/offers/", views.offer_list, name="offer_list"),
    path("assistance/offers/new/", views.offer_create, name="offer_create"),
    path("assistance/offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("assistance/offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("assistance/offers/<int:pk>/translation/", views.offer_translation, name="offer_translation"),
    path("assistance/offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]

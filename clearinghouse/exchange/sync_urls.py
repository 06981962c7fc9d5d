from django.urls import path

from clearinghouse.exchange import sync_views

app_name = "sync"

urlpatterns = [
    path("exchange/", sync_views.exchange_home, name="exchange_home"),
    path("exchange/sync/", sync_views.sync_list, name="sync_list"),
    path("exchange/sync/<int:pk>/", sync_views.sync_edit, name="sync_edit"),
    path("exchange/sync/<int:pk>/run/", sync_views.sync_run, name="sync_run"),
    path("exchange/sync/<int:pk>/toggle/", sync_views.sync_toggle, name="sync_toggle"),
]

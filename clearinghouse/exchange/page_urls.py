from django.urls import path

from clearinghouse.exchange import pages

app_name = "exchange_pages"

urlpatterns = [
    path("exchange/imports/", pages.import_list, name="import_list"),
    path("exchange/imports/new/", pages.import_new, name="import_new"),
    path("exchange/imports/<uuid:pk>/", pages.import_detail, name="import_detail"),
]

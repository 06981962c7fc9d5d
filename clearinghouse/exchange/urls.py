from django.urls import path

from clearinghouse.exchange import views

app_name = "exchange"

urlpatterns = [
    path("api/v1/stix/measures/", views.stix_export, name="stix_export"),
]

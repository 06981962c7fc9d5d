from django.urls import path

from clearinghouse.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_request, name="report_request"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]

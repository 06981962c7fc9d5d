from django.urls import path

from clearinghouse.mandates import views

app_name = "mandates"

urlpatterns = [
    path("resolutions/", views.resolution_list, name="resolution_list"),
    path("resolutions/import/", views.resolution_import, name="resolution_import"),
    path("resolutions/activities/", views.activity_list, name="activity_list"),
    path("resolutions/activities/new/", views.activity_create, name="activity_create"),
    path("resolutions/<str:body>/<int:number>/", views.resolution_detail, name="resolution_detail"),
    path("resolutions/<str:body>/<int:number>/compare/", views.revision_compare, name="revision_compare"),
]

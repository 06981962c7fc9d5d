"""TAXII 2.1 addresses (section 4): discovery, the API root, status, collections, objects, manifest."""

from django.urls import path

from clearinghouse.exchange import taxii

app_name = "taxii"

urlpatterns = [
    path("", taxii.DiscoveryView.as_view(), name="discovery"),
    path("api/", taxii.ApiRootView.as_view(), name="api_root"),
    path("api/status/<str:status_id>/", taxii.StatusView.as_view(), name="status"),
    path("api/collections/", taxii.CollectionsView.as_view(), name="collections"),
    path("api/collections/<str:collection_id>/", taxii.CollectionView.as_view(), name="collection"),
    path("api/collections/<str:collection_id>/objects/", taxii.ObjectsView.as_view(), name="objects"),
    path("api/collections/<str:collection_id>/manifest/", taxii.ManifestView.as_view(), name="manifest"),
    path("api/collections/<str:collection_id>/objects/<str:object_id>/", taxii.ObjectView.as_view(), name="object"),
    path(
        "api/collections/<str:collection_id>/objects/<str:object_id>/versions/",
        taxii.VersionsView.as_view(),
        name="versions",
    ),
]

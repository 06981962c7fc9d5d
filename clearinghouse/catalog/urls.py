from django.urls import path

from clearinghouse.catalog import translation_pages, views

app_name = "catalog"

urlpatterns = [
    path("catalogue/", views.search, name="search"),
    path("catalogue/export.<str:fmt>", views.export, name="export"),
    path("catalogue/measures/new/", views.measure_create, name="measure_create"),
    path("catalogue/measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("catalogue/measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("catalogue/measures/<int:pk>/history/", views.measure_history, name="measure_history"),
    path("catalogue/measures/<int:pk>/translation/", views.translation_edit, name="translation_edit"),
    path("catalogue/measures/<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("catalogue/measures/<int:pk>/<str:action>/", views.measure_workflow, name="measure_workflow"),
    path("catalogue/files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("catalogue/preview/", views.markdown_preview, name="markdown_preview"),
    path("catalogue/review/", views.review_queue, name="review_queue"),
    path("catalogue/mine/", views.my_submissions, name="my_submissions"),
    path("catalogue/taxonomy/", views.taxonomy, name="taxonomy"),
    path("catalogue/taxonomy/threats/<slug:slug>/", views.threat_names, name="threat_names"),
    path("catalogue/taxonomy/threats/<slug:slug>/synonyms/", views.synonym_add, name="synonym_add"),
    path(
        "catalogue/taxonomy/threats/<slug:slug>/synonyms/<int:pk>/remove/",
        views.synonym_remove,
        name="synonym_remove",
    ),
    path("catalogue/taxonomy/pillars/<slug:slug>/", views.pillar_names, name="pillar_names"),
    path("catalogue/technologies/", views.technology_list, name="technology_list"),
    path("catalogue/technologies/<slug:slug>/", views.technology_detail, name="technology_detail"),
    path("catalogue/translations/", translation_pages.translation_dashboard, name="translation_dashboard"),
    path("catalogue/translations/export.xlf", translation_pages.xliff_export, name="xliff_export"),
    path("catalogue/translations/import/", translation_pages.xliff_import, name="xliff_import"),
    path(
        "catalogue/translations/<str:language>/<str:kind>/<str:which>/",
        translation_pages.translation_list,
        name="translation_list",
    ),
    path(
        "catalogue/translations/review/<str:kind>/<int:pk>/<str:language>/",
        translation_pages.translation_review,
        name="translation_review",
    ),
]

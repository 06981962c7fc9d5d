from django.urls import path

from clearinghouse.insights import views

app_name = "insights"

urlpatterns = [
    # before the countries' "member-states/<alpha2>/"
    path("member-states/compare/", views.compare, name="compare"),
    path("member-states/<str:alpha2>/gaps/", views.gaps, name="gaps"),
    path("member-states/<str:alpha2>/recommendations/", views.recommendations, name="recommendations"),
    path("tracker/", views.tracker, name="tracker"),
]

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from clearinghouse.accounts.api import InvitationViewSet, NotificationPreferencesView, NotificationViewSet
from clearinghouse.assistance.api import AssistanceOfferViewSet, AssistanceRequestViewSet
from clearinghouse.catalog.api import MeasureViewSet, TechnologyViewSet, ThreatViewSet, TranslationViewSet
from clearinghouse.countries.api import (
    ContactViewSet,
    MemberStateViewSet,
    OrganizationViewSet,
    ReachabilityRoundViewSet,
)
from clearinghouse.mandates.api import ActivityViewSet, ResolutionViewSet, RevisionViewSet
from clearinghouse.reports.api import ReportViewSet

router = DefaultRouter()
router.register("member-states", MemberStateViewSet, basename="member-state")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("contacts", ContactViewSet, basename="contact")
router.register("reachability-rounds", ReachabilityRoundViewSet, basename="reachability-round")
router.register("measures", MeasureViewSet, basename="measure")
router.register("technologies", TechnologyViewSet, basename="technology")
router.register("threats", ThreatViewSet, basename="threat")
router.register("translations", TranslationViewSet, basename="translation")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("revisions", RevisionViewSet, basename="revision")
router.register("activities", ActivityViewSet, basename="activity")
router.register("reports", ReportViewSet, basename="report")
router.register("assistance-requests", AssistanceRequestViewSet, basename="assistance-request")
router.register("assistance-offers", AssistanceOfferViewSet, basename="assistance-offer")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("notifications", NotificationViewSet, basename="notification")

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", include("clearinghouse.exchange.urls")),
    path("taxii2/", include("clearinghouse.exchange.taxii_urls")),
    path("api/v1/notification-preferences/", NotificationPreferencesView.as_view(), name="notification-preferences"),
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves Swagger UI's start-up script from its own address: no inline script (CSP)
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
urlpatterns += i18n_patterns(
    path("", include("clearinghouse.web.urls")),
    path("", include("clearinghouse.insights.urls")),  # its member-states/compare/ first
    path("", include("clearinghouse.countries.urls")),
    path("", include("clearinghouse.accounts.urls")),
    path("", include("clearinghouse.catalog.urls")),
    path("", include("clearinghouse.mandates.urls")),
    path("", include("clearinghouse.reports.urls")),
    path("", include("clearinghouse.assistance.urls")),
    path("", include("clearinghouse.exchange.sync_urls")),
    path("", include("clearinghouse.exchange.page_urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

handler400 = "clearinghouse.core.views.bad_request"
handler403 = "clearinghouse.core.views.permission_denied"
handler404 = "clearinghouse.core.views.page_not_found"
handler500 = "clearinghouse.core.views.server_error"

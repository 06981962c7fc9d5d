"""``/api/v1/reports/``: list, request (curators) and download implementation reports."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.mandates.models import Body, Resolution
from clearinghouse.reports import selectors, services
from clearinghouse.reports.models import Edition, Report, ReportFormat, ReportStatus


class ReportSerializer(serializers.ModelSerializer):
    resolution = serializers.IntegerField(source="resolution.number", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "resolution",
            "period_start",
            "period_end",
            "format",
            "edition",
            "include_illustrative",
            "status",
            "progress",
            "step",
            "error",
            "size",
            "created_at",
            "finished_at",
            "download",
        ]

    def get_download(self, report: Report) -> str | None:
        """Where to fetch the file once ``status`` is ``done``."""
        if report.status != ReportStatus.DONE:
            return None
        path = reverse("reports:report_download", args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportRequestSerializer(serializers.Serializer):
    resolution = serializers.IntegerField(help_text="The resolution's number, e.g. 174.")
    body = serializers.ChoiceField(choices=Body.choices, default=Body.PP)
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    edition = serializers.ChoiceField(choices=Edition.choices, default=Edition.PUBLIC)
    include_illustrative = serializers.BooleanField(default=False)


class ReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reports the caller may see; POST (curators) asks for one, generated in the background: poll ``status``."""

    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[Report]:
        return selectors.reports_visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        return ReportRequestSerializer if self.action == "create" else ReportSerializer

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ReportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        resolution = Resolution.objects.filter(body=data["body"], number=data["resolution"]).first()
        if resolution is None:
            raise exceptions.ValidationError({"resolution": [f"Resolution {data['resolution']} is not imported."]})
        try:
            report = services.request_report(
                actor=request.user,
                resolution=resolution,
                format=data["format"],
                start=data.get("period_start"),
                end=data.get("period_end"),
                edition=data["edition"],
                include_illustrative=data["include_illustrative"],
            )
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"non_field_errors": error.messages}) from error
        report.refresh_from_db()
        body = ReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

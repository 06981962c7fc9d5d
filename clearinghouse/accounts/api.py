"""``/api/v1/notifications/`` and ``/api/v1/notification-preferences/``: the caller's own inbox and settings.
``/api/v1/invitations/``: the pending invitations a lead or an administrator manages; invite (within the same
limits as the pages) and revoke."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.accounts import selectors, services
from clearinghouse.accounts.models import Delivery, Invitation, Notification, NotificationKind, Position, Role
from clearinghouse.core.api import SlugRelatedField
from clearinghouse.countries.models import MemberState, Organization


class InvitationSerializer(serializers.ModelSerializer):
    member_state: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="alpha2", read_only=True, allow_null=True
    )
    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    invited_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(
        choices=Invitation.Status.choices,
        read_only=True,
        help_text="`not_sent` until the task worker has sent the e-mail; then `pending` until accepted, revoked "
        "or expired.",
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "position",
            "member_state",
            "organization",
            "language",
            "invited_by",
            "status",
            "created_at",
            "sent_at",
            "expires_at",
        ]


class InvitationRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="Where the invitation is sent; no active account may have it.")
    role = serializers.ChoiceField(
        choices=Role.choices,
        help_text="A lead gives the role of their own state (`focal_point`) or organization (`contributor`); only "
        "an administrator invites curators and administrators.",
    )
    position = serializers.ChoiceField(choices=Position.choices, default=Position.MEMBER)
    member_state = SlugRelatedField(
        slug_field="alpha2",
        queryset=MemberState.objects.all(),
        required=False,
        allow_null=True,
        help_text="ISO 3166 alpha-2 code of the Member State (capital letters).",
    )
    organization = SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), required=False, allow_null=True
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language the e-mail is written in; by default, the language of the request.",
    )


class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The pending invitations the caller manages (an administrator: all; a lead: their own state's or
    organization's; anyone else: none). POST invites someone: the e-mail is sent in the background."""

    serializer_class = InvitationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitations_visible_to(self.request.user, pending_only=True)

    def get_serializer_class(self) -> Any:
        return InvitationRequestSerializer if self.action == "create" else InvitationSerializer

    @extend_schema(request=InvitationRequestSerializer, responses={201: InvitationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = InvitationRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            invitation = services.invite_person(actor=request.user, **given.validated_data)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            raise exceptions.ValidationError(detail) from error
        body = InvitationSerializer(invitation, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the invitation: its link stops working."""
        try:
            invitation = services.revoke_invitation(self.get_object(), actor=request.user)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        return Response(InvitationSerializer(invitation, context=self.get_serializer_context()).data)


# -- notifications ------------------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(
        read_only=True,
        help_text="One line in the language of the request; it names the record only if the caller may see it now.",
    )
    comment = serializers.CharField(read_only=True, help_text="The curator's comment on a measure sent back.")
    url = serializers.SerializerMethodField(help_text="The record's page, or null when the caller may not see it.")
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "comment", "url", "is_read", "created_at", "read_at"]
        read_only_fields = fields

    def get_url(self, notification: Notification) -> str | None:
        if not notification.link:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(notification.link) if request else notification.link


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first; nobody reads another's."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Notification.objects.none()  # for the schema; requests read get_queryset

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notifications_of(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []  # the API always paginates
        notifications = selectors.attach_records(page, request.user)
        return self.get_paginated_response(self.get_serializer(notifications, many=True).data)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one notification read."""
        notification = self.get_object()
        services.mark_read(notification, actor=request.user)
        [notification] = selectors.attach_records([notification], request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: inline_serializer("ReadAll", {"marked": serializers.IntegerField()})})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification of the caller read; answers how many."""
        return Response({"marked": services.mark_all_read(actor=request.user)})


class NotificationPreferencesSerializer(serializers.Serializer):
    """How the caller hears of each kind of notification (one field per kind), and the language of their e-mails."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = {
            kind.value: serializers.ChoiceField(choices=Delivery.choices, required=False, help_text=str(kind.label))
            for kind in NotificationKind
        }
        fields["language"] = serializers.ChoiceField(
            choices=settings.LANGUAGES, required=False, help_text="The language of the caller's e-mails."
        )
        return fields


class NotificationPreferencesView(generics.GenericAPIView):
    """GET: how the caller hears of each kind of notification. PATCH: change some of them."""

    serializer_class = NotificationPreferencesSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(self._settings(request.user))

    @staticmethod
    def _settings(user: Any) -> dict[str, str]:
        return {**selectors.deliveries_of(user), "language": user.language or settings.LANGUAGE_CODE}

    def patch(self, request: Request) -> Response:
        given = NotificationPreferencesSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        choices = dict(given.validated_data)
        with transaction.atomic():
            if "language" in choices:
                services.set_language(choices.pop("language"), actor=request.user)
            services.set_deliveries(choices, actor=request.user)
        return Response(self._settings(request.user))

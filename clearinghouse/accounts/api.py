"""``/api/v1/invitations/``: the pending invitations a lead or an administrator manages; invite (within the same
limits as the pages) and revoke."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.accounts import selectors, services
from clearinghouse.accounts.models import Invitation, Position, Role
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

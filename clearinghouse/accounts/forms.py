from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, UserChangeForm, UserCreationForm, UsernameField
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clearinghouse.accounts.models import Delivery, Invitation, NotificationKind, Position, Role, User
from clearinghouse.accounts.services import check_role_and_membership
from clearinghouse.countries.models import MemberState, Organization


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “nightly export”.")
    )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise ValidationError(_("The code is made of digits only."))
        return code


class TotpReplacementForm(TotpCodeForm):
    """Enrolling a new authenticator over a confirmed one: a code from each."""

    current_code = forms.CharField(
        label=_("Six-digit code from the authenticator you are replacing"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Lost it? An administrator can reset your two-factor authentication."),
    )

    field_order = ["current_code", "code"]

    def clean_current_code(self) -> str:
        code = self.cleaned_data["current_code"].replace(" ", "")
        if not code.isdigit():
            raise ValidationError(_("The code is made of digits only."))
        return code


class _MembershipFields(forms.ModelForm):
    """Admin forms that edit the role and the membership together, under the same rule as the services."""

    member_state = forms.ModelChoiceField(
        queryset=MemberState.objects.order_by("name_en"), required=False, label=_("Member State")
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), required=False, label=_("Organization")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["member_state"].initial = self.instance.member_state
            self.fields["organization"].initial = self.instance.organization

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role"):
            try:
                check_role_and_membership(data["role"], data.get("member_state"), data.get("organization"))
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return data


class AdminUserCreationForm(_MembershipFields, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")


class AdminUserChangeForm(_MembershipFields, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "is_active")  # type: ignore[assignment]


class LanguageTaggedPasswordResetForm(PasswordResetForm):
    """The reset e-mail says which language it is written in (the language of the page it was asked from),
    so that mail readers and screen readers read it right."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], headers={"Content-Language": translation.get_language() or "en"}
        )
        message.send()


class InvitationForm(forms.Form):
    """Whom to invite, as what, and in which language the e-mail is written. The role list shows only the roles
    the inviter may give; the service refuses any other (a forged form) with a page that says so."""

    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    position = forms.ChoiceField(
        label=_("Position"),
        choices=Position.choices,
        initial=Position.MEMBER,
        help_text=_("A lead invites colleagues and manages the members; a member does everything else."),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=settings.LANGUAGES,
        help_text=_("The invitation is written in this language; the person can change it on the site at any time."),
    )

    def __init__(self, *args: Any, roles: list[str], language: str, grouped: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not grouped:  # a curator or an administrator belongs to no state or organization: no position in one
            del self.fields["position"]
        role = self.fields["role"]
        role.widget.choices = [(value, label) for value, label in Role.choices if value in roles]
        role.initial = roles[0] if roles else None
        self.fields["language"].initial = language


class MemberPositionForm(forms.Form):
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)


class AcceptInvitationForm(forms.Form):
    """The invited person names their account and chooses a password (checked by the password validators)."""

    username = UsernameField(
        label=_("User name"),
        max_length=150,
        help_text=_("What you will sign in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if invitation.user is not None:  # reopening an account: its user name stays
            del self.fields["username"]
            self.fields["first_name"].initial = invitation.user.first_name
            self.fields["last_name"].initial = invitation.user.last_name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ. Type the same password twice."))
        return data


class NotificationPreferencesForm(forms.Form):
    """The language of e-mails, and one choice per kind of notification this person can receive: e-mail at once,
    a digest, or the inbox only."""

    language = forms.ChoiceField(
        label=_("Language of e-mails"),
        choices=settings.LANGUAGES,
        help_text=_("The platform writes its e-mails and digests to you in this language."),
    )

    def __init__(self, *args: Any, kinds: list[NotificationKind], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.RadioSelect
            )

"""State changes to accounts, split by stage (DESIGN.md §3): accounts and their credentials, invitations, the
members of a state or organization, notifications, and (``services.digests``) the digests. Callers import from
here."""

from __future__ import annotations

from clearinghouse.accounts.services.accounts import (
    TooManyWrongCodes,
    WrongCurrentCode,
    check_role_and_membership,
    confirm_totp_enrollment,
    create_account,
    create_api_token,
    reset_two_factor,
    revoke_api_token,
    start_totp_enrollment,
)
from clearinghouse.accounts.services.invitations import (
    accept_invitation,
    check_may_invite,
    invitation_link,
    invite_person,
    reinvite,
    reinvite_member,
    revoke_invitation,
    send_invitation,
    unsign_invitation_token,
)
from clearinghouse.accounts.services.members import (
    change_member_position,
    deactivate_member,
)
from clearinghouse.accounts.services.notifications import (
    mark_all_read,
    mark_read,
    notify,
    read_unsubscribe_token,
    record_mail_failure,
    remember_language,
    send_notification_emails,
    set_deliveries,
    set_language,
    unsent_addresses,
    unsent_notifications,
    unsubscribe,
    unsubscribe_link,
    unsubscribe_token,
)

__all__ = [
    "TooManyWrongCodes",
    "WrongCurrentCode",
    "accept_invitation",
    "change_member_position",
    "check_may_invite",
    "check_role_and_membership",
    "confirm_totp_enrollment",
    "create_account",
    "create_api_token",
    "deactivate_member",
    "invitation_link",
    "invite_person",
    "mark_all_read",
    "mark_read",
    "notify",
    "read_unsubscribe_token",
    "record_mail_failure",
    "reinvite",
    "reinvite_member",
    "remember_language",
    "reset_two_factor",
    "revoke_api_token",
    "revoke_invitation",
    "send_invitation",
    "send_notification_emails",
    "set_deliveries",
    "set_language",
    "start_totp_enrollment",
    "unsent_addresses",
    "unsent_notifications",
    "unsign_invitation_token",
    "unsubscribe",
    "unsubscribe_link",
    "unsubscribe_token",
]

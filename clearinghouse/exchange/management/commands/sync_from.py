"""``manage.py sync_from URL --collection ID``: pull another instance's TAXII collection into drafts."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.exchange import sync
from clearinghouse.exchange.credentials import split_address
from clearinghouse.exchange.models import SyncSource
from clearinghouse.exchange.services import prepare_sync_source, verify_sync_source


class Command(BaseCommand):
    help = (
        "Pull what a remote TAXII 2.1 collection added since the last pull (the cursor is kept per address and "
        "collection) and take it in as catalogue drafts in review. The remote is signed in to with an API token "
        "(--token or $TAXII_TOKEN) or with HTTP Basic (--username or $TAXII_USERNAME, and $TAXII_PASSWORD or "
        "--password); credentials given are saved encrypted for the next pulls, and are checked with the remote "
        "first: credentials it refuses change nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the remote's TAXII API root, e.g. https://global.example.org/taxii2/api/")
        parser.add_argument("--collection", required=True, help="the remote collection's id")
        parser.add_argument("--token", default="", help="an API token of the remote (default: $TAXII_TOKEN)")
        parser.add_argument("--username", default="", help="a user name for HTTP Basic (default: $TAXII_USERNAME)")
        parser.add_argument(
            "--password",
            default="",
            help="its password (default: $TAXII_PASSWORD; prefer the variable, a command line is seen by others)",
        )
        owner = parser.add_mutually_exclusive_group()
        owner.add_argument("--owner-state", help="ISO code of the Member State that owns the drafts")
        owner.add_argument(
            "--owner-organization", help="short name of the organization that owns the drafts (default itu)"
        )
        parser.add_argument("--from-start", action="store_true", help="forget the cursor and pull everything again")

    def handle(self, *args: Any, **options: Any) -> None:
        owner: dict[str, Any]
        if options["owner_state"]:
            state = MemberState.objects.filter(alpha2=options["owner_state"].upper()).first()
            if state is None:
                raise CommandError(f"No Member State has the code {options['owner_state']!r}.")
            owner = {"owner_state": state, "owner_organization": None}
        else:
            slug = options["owner_organization"] or "itu"
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"No organization has the short name {slug!r} (load_reference_data loads itu).")
            owner = {"owner_organization": organization, "owner_state": None}
        url, url_username, url_password = split_address(options["url"])
        url = url if url.endswith("/") else url + "/"
        source = SyncSource.objects.filter(api_root=url, collection=options["collection"]).first()
        if source is None:
            source = SyncSource(name=url, api_root=url, collection=options["collection"], enabled=False)
        secrets: dict[str, str] = {
            "token": options["token"] or os.environ.get("TAXII_TOKEN", ""),
            "password": options["password"] or url_password or os.environ.get("TAXII_PASSWORD", ""),
        }
        username = options["username"] or url_username or os.environ.get("TAXII_USERNAME", "")
        if username:
            secrets["username"] = username
        if options["from_start"]:
            source.added_after = ""
        try:
            prepare_sync_source(source, api_root=url, collection=options["collection"], **owner, **secrets)
            if any(secrets.values()):
                verify_sync_source(source)  # credentials the remote refuses are not saved
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        source.save()
        try:
            runs = sync.pull(source)
        except sync.SyncError as error:
            raise CommandError(f"{error} Nothing of the failed page was kept; run again to resume.") from error
        created = sum(r.created_count for r in runs)
        updated = sum(r.updated_count for r in runs)
        unchanged = sum(r.unchanged_count for r in runs)
        total = sum(r.total_count for r in runs)
        source.refresh_from_db()
        self.stdout.write(
            f"{total:,} objects pulled in {len(runs)} page(s): {created:,} new drafts, {updated:,} updated, "
            f"{unchanged:,} already known. Next pull starts after {source.added_after or 'the beginning'}."
        )

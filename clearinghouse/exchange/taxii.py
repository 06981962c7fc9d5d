"""The TAXII 2.1 server at ``/taxii2/`` (OASIS TAXII 2.1, sections 4 and 5).

One API root (``/taxii2/api/``); collections by audience (``exchange.selectors``); objects, one object, its
versions and the manifest with ``added_after``, ``limit``, ``next`` and ``match[id|type|version|spec_version]``;
POST to a writable collection imports the bundle as drafts (``exchange.importing``) and answers with a
status resource. Authentication by API token (``Authorization: Token …``) or HTTP Basic. Pages are
streamed: the server holds one page's keys and 1,000 objects at a time, whatever the collection's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from clearinghouse.accounts.authentication import ApiTokenAuthentication
from clearinghouse.exchange import projection, selectors, stix
from clearinghouse.exchange.importing import import_bundle
from clearinghouse.exchange.models import ImportRun, ImportSource, ImportStatus, StixObject

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
#: Objects read from the database at a time while a page streams.
STREAM_CHUNK = 1000
MATCH_FIELDS = ("id", "type", "version", "spec_version")


class TaxiiError(Exception):
    def __init__(self, status: int, title: str, description: str = "", headers: dict[str, str] | None = None):
        super().__init__(title)
        self.status, self.title, self.description, self.headers = status, title, description, headers or {}


def error_response(
    status: int, title: str, description: str = "", headers: dict[str, str] | None = None
) -> HttpResponse:
    """A TAXII error message (section 3.6.1)."""
    body = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=TAXII_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def taxii_timestamp(moment: datetime) -> str:
    """TAXII timestamps carry microseconds, so ``added_after`` can resume exactly where a page ended."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise TaxiiError(
            400,
            _("Invalid %(name)s") % {"name": name},
            _("“%(value)s” is not a timestamp such as 2026-01-31T12:00:00.000000Z.") % {"value": value[:60]},
        ) from None
    if moment.tzinfo is None:
        raise TaxiiError(400, _("Invalid %(name)s") % {"name": name}, _("A timestamp must end in Z (UTC)."))
    return moment


def _media_type_ok(header: str, media_type: str, *, wildcards: bool) -> bool:
    """Whether an Accept or Content-Type header names ``media_type`` at version 2.1 (or at no version)."""
    kind, _version = media_type.split(";")
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        name = parts[0].lower()
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if name == kind and params.get("version", "2.1").strip() == "2.1":
            return True
        if wildcards and name in ("*/*", "application/*"):
            return True
    return False


class TaxiiBasicAuthentication(BasicAuthentication):
    """HTTP Basic, refused for accounts with two-factor authentication (they use an API token)."""

    www_authenticate_realm = "taxii"

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        user, auth = super().authenticate_credentials(userid, password, request)
        if user_has_device(user):
            raise exceptions.AuthenticationFailed(
                _("This account uses two-factor authentication: send an API token (Authorization: Token …).")
            )
        return user, auth


class TaxiiView(APIView):
    authentication_classes = [ApiTokenAuthentication, TaxiiBasicAuthentication]
    permission_classes = [AllowAny]
    schema = None  # TAXII is its own protocol, documented in docs/exchange.md, not part of the OpenAPI schema
    #: Reading a collection brings the stored objects up to date with the catalogue first.
    refreshes = False

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        return JSONRenderer(), TAXII_MEDIA_TYPE

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        accept = request.META.get("HTTP_ACCEPT", "")
        if not _media_type_ok(accept, TAXII_MEDIA_TYPE, wildcards=True):
            raise TaxiiError(
                406,
                _("Not acceptable"),
                _("This server answers in %(media)s; the request accepts “%(accept)s”.")
                % {"media": TAXII_MEDIA_TYPE, "accept": accept[:100]},
            )
        if self.refreshes:
            projection.refresh()

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, TaxiiError):
            return error_response(exc.status, exc.title, exc.description, exc.headers)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return error_response(
                401,
                _("Authentication required") if isinstance(exc, exceptions.NotAuthenticated) else _("Not signed in"),
                str(exc.detail),
                {"WWW-Authenticate": 'Basic realm="taxii", Token realm="api"'},
            )
        if isinstance(exc, exceptions.Throttled):
            return error_response(
                429,
                _("Too many requests"),
                str(exc.detail),
                {"Retry-After": str(int(getattr(exc, "wait", None) or 60))},
            )
        if isinstance(exc, exceptions.MethodNotAllowed):
            return error_response(405, _("Method not allowed"), str(exc.detail))
        if isinstance(exc, exceptions.APIException):
            return error_response(exc.status_code, str(exc.detail))
        raise exc

    # -- helpers shared by the collection endpoints --------------------------------------------------

    def collection(self, request: Request, identifier: str, *, write: bool = False) -> selectors.Collection:
        """The collection as this reader sees it. Another state's or organization's is "not found" to a signed-in
        reader, as an unknown one is (a collection one may not read is not confirmed to exist); an anonymous
        reader is asked to authenticate (401 with ``WWW-Authenticate``), so that a client knows to."""
        found = selectors.collection_for(request.user, identifier)
        if found is None:
            if not request.user.is_authenticated and selectors.known_collection(identifier):
                raise exceptions.NotAuthenticated(_("Sign in with an API token or HTTP Basic to read this collection."))
            raise TaxiiError(
                404, _("No such collection"), _("No collection has the id “%(id)s”.") % {"id": identifier[:60]}
            )
        if write and not found.can_write:
            raise TaxiiError(
                403, _("Read-only collection"), _("Post bundles to your own state's or organization's collection.")
            )
        return found

    def versions(self, request: Request, collection_id: str, object_id: str) -> QuerySet[StixObject]:
        """Every version of one object this collection serves; 404 when it serves none."""
        versions = selectors.served(self.collection(request, collection_id)).filter(stix_id=object_id)
        if not versions.exists():
            raise TaxiiError(
                404, _("No such object"), _("This collection has no object “%(id)s”.") % {"id": object_id[:120]}
            )
        return versions


def _json(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=TAXII_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class Page:
    """One page of a collection's objects: filters from the query string, then the keys of at most ``limit``
    rows (the only part held in memory), then the bodies streamed in chunks."""

    def __init__(self, request: Request, queryset: QuerySet[StixObject], *, versions_filter: bool = True):
        params = request.query_params
        unknown = [key for key in params if key.startswith("match[") and key[6:-1] not in MATCH_FIELDS]
        if unknown:
            raise TaxiiError(
                400,
                _("Unsupported filter"),
                _(
                    "This server filters on match[id], match[type], match[version] and match[spec_version]; "
                    "not on %(names)s."
                )
                % {"names": ", ".join(unknown)},
            )
        self.limit = self._limit(params.get("limit"))
        queryset = queryset.filter(spec_version__in=self._list(params, "spec_version") or [stix.SPEC_VERSION])
        if ids := self._list(params, "id"):
            queryset = queryset.filter(stix_id__in=ids)
        if types := self._list(params, "type"):
            queryset = queryset.filter(type__in=types)
        if versions_filter:
            queryset = queryset.filter(self._versions(self._list(params, "version") or ["last"]))
        if "added_after" in params:
            queryset = queryset.filter(date_added__gt=parse_timestamp(params["added_after"], "added_after"))
        if "next" in params:
            token = params["next"]
            if not token.isdigit():
                raise TaxiiError(
                    400, _("Invalid next"), _("Use the “next” value of the previous page as it was given.")
                )
            queryset = queryset.filter(pk__gt=int(token))
        self.queryset = queryset.order_by("pk")
        keys = list(self.queryset.values_list("pk", flat=True)[: self.limit + 1])
        self.more = len(keys) > self.limit
        self.keys = keys[: self.limit]
        added = StixObject.objects.filter(pk__in=self.keys[:1] + self.keys[-1:]).values_list("pk", "date_added")
        self.added = dict(added) if self.keys else {}

    @staticmethod
    def _limit(value: str | None) -> int:
        if value is None:
            return settings.TAXII_PAGE_SIZE
        if not value.isdigit() or int(value) < 1:
            raise TaxiiError(400, _("Invalid limit"), _("“limit” must be a whole number of at least 1."))
        return min(int(value), settings.TAXII_MAX_PAGE_SIZE)

    @staticmethod
    def _list(params: Any, field: str) -> list[str]:
        value = params.get(f"match[{field}]", "")
        return [item.strip() for item in value.split(",") if item.strip()]

    @staticmethod
    def _versions(values: list[str]) -> Q:
        condition = Q(pk__in=[])
        for value in values:
            if value == "all":
                return Q()
            if value == "last":
                condition |= Q(is_latest=True)
            elif value == "first":
                condition |= Q(is_first=True)
            else:
                condition |= Q(modified=stix.timestamp(parse_timestamp(value, "match[version]")))
        return condition

    def headers(self) -> dict[str, str]:
        if not self.keys:
            return {}
        return {
            "X-TAXII-Date-Added-First": taxii_timestamp(self.added[self.keys[0]]),
            "X-TAXII-Date-Added-Last": taxii_timestamp(self.added[self.keys[-1]]),
        }

    def opening(self) -> str:
        head: dict[str, Any] = {"more": self.more}
        if self.more:
            head["next"] = str(self.keys[-1])
        return json.dumps(head)[:-1]

    def in_page(self) -> QuerySet[StixObject]:
        """The page's rows again, by the range of its keys: no list of a thousand ids in the query."""
        return self.queryset.filter(pk__gte=self.keys[0], pk__lte=self.keys[-1])

    def bodies(self) -> Iterator[str]:
        """The page's objects, joined ``STREAM_CHUNK`` at a time.

        Where the page's rows lie close together (the usual case: a collection most objects belong to),
        the range is read without the filters again and rows outside the page are skipped here, which is
        cheaper than the database evaluating the visibility rule a second time."""
        for start in range(0, len(self.keys), STREAM_CHUNK):
            keys = self.keys[start : start + STREAM_CHUNK]
            first, last = keys[0], keys[-1]
            if last - first < 2 * len(keys):
                wanted = set(keys)
                dense = StixObject.objects.filter(pk__gte=first, pk__lte=last).order_by("pk")
                yield ",".join(body for pk, body in dense.values_list("pk", "body") if pk in wanted)
            else:
                yield ",".join(self.queryset.filter(pk__gte=first, pk__lte=last).values_list("body", flat=True))

    def envelope(self) -> StreamingHttpResponse:
        def stream() -> Iterator[str]:
            if not self.keys:
                yield self.opening() + "}"
                return
            yield self.opening() + ',"objects":['
            for n, group in enumerate(self.bodies()):
                yield ("," if n else "") + group
            yield "]}"

        return _streamed(stream(), self.headers())


def _streamed(chunks: Iterator[str], headers: dict[str, str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=TAXII_MEDIA_TYPE)
    for name, value in headers.items():
        response[name] = value
    return response


class DiscoveryView(TaxiiView):
    def get(self, request: Request) -> HttpResponse:
        root = request.build_absolute_uri("/taxii2/api/")
        return _json(
            {
                "title": _("%(site)s TAXII server") % {"site": settings.SITE_NAME},
                "description": _(
                    "Measures and technologies against the illicit use of ICTs (ITU Resolution 174) in STIX 2.1, "
                    "in collections by audience: public (TLP:CLEAR), members (TLP:GREEN), and one per Member "
                    "State and organization (TLP:AMBER). TLP:RED is never served."
                ),
                "contact": settings.TAXII_CONTACT,
                "default": root,
                "api_roots": [root],
            }
        )


class ApiRootView(TaxiiView):
    def get(self, request: Request) -> HttpResponse:
        return _json(
            {
                "title": _("Catalogue of measures and technologies"),
                "description": _("Collections of the catalogue by audience."),
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": settings.TAXII_MAX_CONTENT_LENGTH,
            }
        )


def status_resource(run: ImportRun) -> dict[str, Any]:
    report = run.report or {}
    return {
        "id": str(run.pk),
        "status": "complete" if run.status != "pending" else "pending",
        "request_timestamp": taxii_timestamp(run.requested_at),
        "total_count": run.total_count,
        "success_count": run.success_count,
        "successes": report.get("successes", []),
        "failure_count": run.failure_count,
        "failures": report.get("failures", []),
        "pending_count": run.pending_count,
        "pendings": report.get("pendings", []),
    }


class StatusView(TaxiiView):
    def get(self, request: Request, status_id: str) -> HttpResponse:
        run = selectors.status_for(request.user, status_id)
        if run is None:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(_("Sign in to read the status of your request."))
            raise TaxiiError(
                404, _("No such status"), _("No request of yours has the id “%(id)s”.") % {"id": status_id[:60]}
            )
        return _json(status_resource(run))


def collection_resource(collection: selectors.Collection) -> dict[str, Any]:
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "can_read": True,
        "can_write": collection.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    }


class CollectionsView(TaxiiView):
    def get(self, request: Request) -> HttpResponse:
        return _json({"collections": [collection_resource(c) for c in selectors.collections_for(request.user)]})


class CollectionView(TaxiiView):
    def get(self, request: Request, collection_id: str) -> HttpResponseBase:
        return _json(collection_resource(self.collection(request, collection_id)))


class ObjectsView(TaxiiView):
    refreshes = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.refreshes = request.method == "GET"
        super().initial(request, *args, **kwargs)

    def get(self, request: Request, collection_id: str) -> HttpResponseBase:
        collection = self.collection(request, collection_id)
        return Page(request, selectors.served(collection)).envelope()

    def post(self, request: Request, collection_id: str) -> HttpResponse:
        collection = self.collection(request, collection_id, write=True)
        content_type = request.META.get("CONTENT_TYPE", "")
        if not _media_type_ok(content_type, TAXII_MEDIA_TYPE, wildcards=False):
            raise TaxiiError(
                415,
                _("Unsupported media type"),
                _("Post an envelope as %(media)s, not “%(given)s”.")
                % {"media": TAXII_MEDIA_TYPE, "given": content_type[:100]},
            )
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.TAXII_MAX_CONTENT_LENGTH
        if not length.isdigit() or int(length) > limit:
            raise TaxiiError(
                413, _("Too large"), _("This API root takes at most %(limit)d bytes per request.") % {"limit": limit}
            )
        raw = request._request.read(limit + 1)
        if len(raw) > limit:
            raise TaxiiError(
                413, _("Too large"), _("This API root takes at most %(limit)d bytes per request.") % {"limit": limit}
            )
        run = import_bundle(
            raw, actor=request.user, source=ImportSource.TAXII, origin=collection.title, owner=collection.owner
        )
        if run.status == ImportStatus.FAILED and not run.total_count:
            # nothing could be read as objects at all: malformed JSON, not an envelope, not UTF-8
            raise TaxiiError(400, _("Not a TAXII envelope"), " ".join(run.report.get("errors", [])))
        return _json(status_resource(run), status=202)


class ObjectView(TaxiiView):
    refreshes = True

    def get(self, request: Request, collection_id: str, object_id: str) -> HttpResponseBase:
        return Page(request, self.versions(request, collection_id, object_id)).envelope()


class VersionsView(TaxiiView):
    refreshes = True

    def get(self, request: Request, collection_id: str, object_id: str) -> HttpResponseBase:
        page = Page(request, self.versions(request, collection_id, object_id), versions_filter=False)
        data: dict[str, Any] = {"more": page.more}
        if page.more:
            data["next"] = str(page.keys[-1])
        data["versions"] = list(page.in_page().values_list("modified", flat=True)) if page.keys else []
        return _json(data, headers=page.headers())


class ManifestView(TaxiiView):
    refreshes = True

    def get(self, request: Request, collection_id: str) -> HttpResponseBase:
        collection = self.collection(request, collection_id)
        page = Page(request, selectors.served(collection))

        def stream() -> Iterator[str]:
            if not page.keys:
                yield page.opening() + "}"
                return
            yield page.opening() + ',"objects":['
            rows = page.in_page().values_list("date_added", "stix_id", "modified").iterator(chunk_size=STREAM_CHUNK)
            first = True
            while group := list(islice(rows, STREAM_CHUNK)):
                records = (
                    {"id": i, "date_added": taxii_timestamp(d), "version": v, "media_type": STIX_MEDIA_TYPE}
                    for d, i, v in group
                )
                yield ("" if first else ",") + ",".join(json.dumps(r) for r in records)
                first = False
            yield "]}"

        return _streamed(stream(), page.headers())

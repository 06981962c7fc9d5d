"""A list a search narrowed, read in one pass (``core.paging``): the same pages and count as Django's paginator."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from clearinghouse.core.paging import OnePassPaginator, among
from clearinghouse.countries.models import MemberState

pytestmark = pytest.mark.django_db


def test_the_count_and_every_page_are_those_of_django_s_paginator():
    listed = MemberState.objects.filter(bdt_region="africa").order_by("-name_en")
    assert listed.count() > 40
    plain, one_pass = Paginator(listed, 20, orphans=3), OnePassPaginator(listed, 20, orphans=3)
    assert one_pass.count == plain.count and one_pass.num_pages == plain.num_pages
    for number in plain.page_range:
        assert list(one_pass.page(number)) == list(plain.page(number))
    assert list(one_pass.get_page(999)) == list(plain.get_page(999))  # past the end: the last page


def test_a_page_is_read_from_the_records_given_in_the_list_s_order():
    listed = MemberState.objects.filter(name_en__startswith="B").order_by("name_en")
    page = OnePassPaginator(listed, 5, records=MemberState.objects.only("name_en")).page(1)
    assert [state.name_en for state in page] == list(listed.values_list("name_en", flat=True)[:5])


def test_a_record_deleted_after_the_ids_were_read_is_left_out_of_its_page():
    listed = MemberState.objects.order_by("pk")
    paginator = OnePassPaginator(listed, 10)
    first = paginator.ids[0]
    assert paginator.count == 194
    MemberState.objects.filter(pk=first).delete()
    assert first not in [state.pk for state in paginator.page(1)]


def test_among_takes_more_ids_than_a_statement_takes_parameters():
    kenya = MemberState.objects.get(alpha3="KEN")
    ids = [*range(10_000_000, 10_040_000), kenya.pk]  # 40,001: past SQLite's 32,766 parameters
    assert list(among(MemberState.objects.all(), ids)) == [kenya]
    assert list(among(MemberState.objects.all(), [])) == []

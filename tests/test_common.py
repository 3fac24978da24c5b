"""The shared GraphQL building blocks: one page builder for every list."""

from __future__ import annotations

from graphql_api.common import Page
from graphql_api.messages.types import MessagePage


def test_a_page_converts_its_rows_and_keeps_the_counts():
    page = Page.of([1, 2], 12, 3, 2, str)
    assert page == Page(items=["1", "2"], total_count=12, page=3, page_size=2)


def test_rows_already_converted_are_taken_as_they_are():
    assert Page.of(["a"], 1, 1, 20).items == ["a"]


def test_a_page_type_with_counts_beside_its_list_gets_them_as_keywords():
    page = MessagePage.of([], 0, 1, 20, str, unread_count=4)
    assert isinstance(page, MessagePage)
    assert (page.items, page.total_count, page.unread_count) == ([], 0, 4)

"""The query parser: terms, phrases, exclusions and edges, without Whoosh's syntax."""

import pytest

from portal.errors import ValidationFailed
from portal.search.query import check_request, parse_query


def texts(terms):
    """Token texts per term."""
    return [[t.text for t in term.tokens] for term in terms]


def test_whitespace_separates_terms_and_minus_excludes():
    """Two terms must both match; -term and -"phrase" must not."""
    parsed = parse_query('大气 污染 -水 -"土壤 污染"')
    assert texts(parsed.required) == [["大气"], ["污染"]]
    assert texts(parsed.excluded) == [["水"], ["土壤", "污染"]]


def test_parentheses_and_operators_are_plain_text():
    """ASCII parentheses, AND/OR and colons are not syntax: 兵团建设局(环保局) is one term."""
    parsed = parse_query("兵团建设局(环保局) AND title:x")
    assert texts(parsed.required) == [
        ["兵团", "团建", "建设", "设局", "环保", "保局"],
        ["and"],
        ["title", "x"],
    ]


def test_chinese_quotes_and_full_width_quotes_make_phrases():
    """“大气 污染”, 「大气 污染」 and ＂大气 污染＂ are one phrase."""
    for q in ("“大气 污染”", "「大气 污染」", "＂大气 污染＂", '"大气 污染'):
        assert texts(parse_query(q).required) == [["大气", "污染"]], q


def test_lone_characters_at_a_terms_edges_are_open():
    """水 alone may sit anywhere in a word; in 局(环保 the 局 may end a longer word."""
    (single,) = parse_query("水").required
    assert single.tokens[0].open_left and single.tokens[0].open_right
    (edge,) = parse_query("局(环保").required
    assert edge.tokens[0].open_left and not edge.tokens[0].open_right
    assert not edge.tokens[-1].open_left and not edge.tokens[-1].open_right


def test_filters_accept_one_value_or_several():
    """A string is one value, a list is any of them; empty values are dropped."""
    request = check_request("污染", kind=["measure", "task", ""], unit="兵团建设局", year=2020)
    assert request.filters == {
        "kind": ("measure", "task"),
        "unit": ("兵团建设局",),
        "year": ("2020",),
    }


def test_messages_are_english_msgids_naming_the_search_field():
    """Without a request, gettext returns the English text."""
    with pytest.raises(ValidationFailed) as raised:
        parse_query(" " * 3)
    assert raised.value.message == "Search: type a word or phrase to look for."
    assert raised.value.field == "q"

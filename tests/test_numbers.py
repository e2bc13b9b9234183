"""Whole numbers from URLs and forms: digits other than ASCII, and ids a database cannot hold, are refused."""
import pytest

from portal.numbers import is_whole


@pytest.mark.parametrize("text, expected", [("0", True), ("2147483647", True), ("2147483648", False), ("²", False),
                                            ("٣", False), ("-1", False), ("", False), (" 1", False)])
def test_is_whole(text, expected):
    """Only ASCII digits up to the largest database integer count as a whole number."""
    assert is_whole(text) is expected


@pytest.mark.parametrize("path", ["/disclosures?area=²", "/disclosures?year=²", "/disclosures?unit=99999999999",
                                  "/api/v1/disclosures?area=²", "/api/v1/disclosures?unit=99999999999",
                                  "/consultations?area=²", "/disclosures.csv?area=²"])
def test_lists_refuse_odd_numbers_with_a_message(client, path):
    """A superscript digit or a huge id in a list filter is a 400 with a message, not a 500."""
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)

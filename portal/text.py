"""Text helpers that several layers need (the policy parser, search, routing, templates, downloads):
Chinese numerals, and CSV that spreadsheets read right.

A neutral module: it imports nothing of the portal, so any module may import it without a cycle.
"""

import csv
import io
from decimal import Decimal, InvalidOperation

NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text):
    """一 → 1, 十四 → 14, 三十五 → 35; None when `text` is not such a numeral."""
    if text == "十":
        return 10
    tens, sep, ones = text.partition("十")
    if not sep:
        return NUMERALS.get(text)
    t = NUMERALS.get(tens, 0) if tens else 1
    o = NUMERALS.get(ones, 0) if ones else 0
    if (tens and tens not in NUMERALS) or (ones and ones not in NUMERALS):
        return None
    return t * 10 + o


def numeral(number):
    """1 → 一, 14 → 十四, 35 → 三十五."""
    digits = {v: k for k, v in NUMERALS.items()}
    tens, ones = divmod(number, 10)
    if tens == 0:
        return digits[ones]
    return f"{digits[tens] if tens > 1 else ''}十{digits.get(ones, '')}"


def _cell(value):
    if value is None:
        return ""
    # A spreadsheet runs a text cell that starts with one of these as a formula (a number such as -5 is safe).
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        and not _is_number(value)
    ):
        return "'" + value
    return value


def _is_number(text):
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def csv_lines(rows):
    """`rows` as lines of CSV; a text cell that a spreadsheet would run as a formula gets an apostrophe first."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_text(header, rows):
    """`header` and `rows` as CSV with a byte-order mark, so that spreadsheets read the Chinese right."""
    return "\ufeff" + csv_lines([header, *rows])

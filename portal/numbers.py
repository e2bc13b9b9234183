"""Whole numbers typed into URLs and forms."""

# The largest value of a database integer column (PostgreSQL refuses larger ones with an error).
LARGEST = 2**31 - 1


def is_whole(text, largest=LARGEST):
    """True for ASCII digits whose value a database integer holds; `str.isdigit` also accepts '²' and '٣'."""
    text = str(text)
    return text.isascii() and text.isdigit() and int(text) <= largest

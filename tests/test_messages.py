"""Values quoted in messages are cut to one short line (a 1 MB cell is not a message)."""

from hypothesis import given
from hypothesis import strategies as st

from sim.messages import MESSAGE_VALUE_CHARS, shorten


def test_a_huge_value_is_cut_and_marked():
    text = shorten("x" * 1_000_000)
    assert len(text) <= MESSAGE_VALUE_CHARS
    assert "1,000,000 characters, cut" in text


def test_a_short_limit_marks_the_cut_with_dots():
    text = shorten("x" * 1_000, 30)
    assert len(text) == 30 and text.endswith("...")


def test_a_short_value_is_left_as_it_is():
    assert shorten("revenue") == "revenue"
    assert shorten(12.5) == "12.5"


@given(st.text(), st.integers(min_value=4, max_value=200))
def test_never_longer_than_the_limit_and_on_one_line(value, limit):
    text = shorten(value, limit)
    assert len(text) <= limit
    assert "\n" not in text and "\r" not in text
    if len(value) <= limit and "\n" not in value and "\r" not in value:
        assert text == value

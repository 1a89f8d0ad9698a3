import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.model.identifiers import (
    USCC_ALPHABET,
    complete_uscc,
    is_valid_uscc,
    normalise_industry_code,
    uscc_check_char,
    uscc_problem,
)
from chanrong.store.db import _MACROS

# Published codes: the GB 32100-2015 example and two registered companies.
VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", "check character is 4, GB 32100-2015 gives 3"),
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M000I00Y43", "alphabet: I"),
        ("9135010OM000100Y43", "alphabet: O"),
        ("9135A100M000100Y43", "administrative division"),
    ],
)
def test_invalid_codes_say_why(code: str, problem: str) -> None:
    assert problem in (uscc_problem(code) or "")


def test_any_single_character_change_is_caught() -> None:
    code = VALID[0]
    for pos in range(18):
        for ch in USCC_ALPHABET:
            if ch != code[pos] and (pos not in range(2, 8) or ch.isdigit()):
                assert not is_valid_uscc(code[:pos] + ch + code[pos + 1 :]), (pos, ch)


uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2).flatmap(
    lambda head: st.text(alphabet="0123456789", min_size=6, max_size=6).flatmap(
        lambda div: st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9).map(
            lambda tail: head + div + tail
        )
    )
)


@given(uscc_bodies, st.sampled_from(USCC_ALPHABET))
def test_sql_check_agrees_with_python(body: str, last: str) -> None:
    con = duckdb.connect()
    con.execute(_MACROS)
    for code in (complete_uscc(body), body + last):
        row = con.execute("SELECT uscc_ok(?)", [code]).fetchone()
        assert row is not None and row[0] == is_valid_uscc(code)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("C3525", "C3525"), ("3525", "C3525"), ("c33", "C33"), ("A01", "A01"), ("K70", "K70")],
)
def test_industry_codes_normalise(raw: str, normal: str) -> None:
    assert normalise_industry_code(raw) == normal


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("A33", "belongs to section C"), ("99", "no division 99"), ("C33111", "must look like")],
)
def test_industry_codes_reject(raw: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        normalise_industry_code(raw)

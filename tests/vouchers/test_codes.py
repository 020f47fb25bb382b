"""Voucher codes: Crockford base32 with the mod-37 check symbol (published vectors and typos)."""

import pytest

from services.vouchers.vouchers import codes
from services.vouchers.vouchers.service import parse_code

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # Crockford's examples as the base32-crockford package's own tests publish them
        (0, "0000000000000000" + "0"),
        (1234, "000000000000016J" + "D"),  # 1234 = "16J", 1234 mod 37 = 13 → "D"
        (32, "0000000000000010" + "*"),  # 32 mod 37 = 32 → the first check-only symbol "*"
        (36, "0000000000000014" + "U"),  # 36 → "U", the last check-only symbol
        (2**80 - 1, "ZZZZZZZZZZZZZZZZ" + "~"),  # (2^80 - 1) mod 37 = 33 → "~"
    ],
)
def test_encoding_matches_the_published_vectors(number: int, expected: str) -> None:
    assert (2**80 - 1) % 37 == 33 and 1234 % 37 == 13
    assert codes.encode(number) == expected
    assert codes.parse(expected) == expected


def test_a_new_code_carries_80_random_bits_and_its_check() -> None:
    seen = {codes.new_code() for _ in range(2000)}
    assert len(seen) == 2000
    for code in seen:
        assert len(code) == 17 and all(s in ALPHABET for s in code[:16])
        number = int("".join(f"{ALPHABET.index(s):05b}" for s in code[:16]), 2)
        assert code[16] == (ALPHABET + "*~$=U")[number % 37]


def test_what_people_type_is_forgiven() -> None:
    code = codes.encode(0x0123456789ABCDEF0123)
    typed = "-".join(code[i : i + 4] for i in range(0, 17, 4)).lower()
    assert codes.parse(typed) == code
    with_lookalikes = code.replace("1", "l").replace("0", "O")
    assert codes.parse(with_lookalikes) == code


def test_every_single_substitution_and_adjacent_transposition_is_caught() -> None:
    code = codes.new_code()
    for i in range(16):
        for symbol in ALPHABET:
            if symbol != code[i]:
                with pytest.raises(codes.CodeInvalid):
                    codes.parse(code[:i] + symbol + code[i + 1 :])
    for i in range(15):
        if code[i] != code[i + 1]:
            with pytest.raises(codes.CodeInvalid):
                codes.parse(code[:i] + code[i + 1] + code[i] + code[i + 2 :])


@pytest.mark.parametrize("bad", ["", "ABC", "0" * 18, "U" + "0" * 16, "0" * 15 + "#0"])
def test_malformed_codes_are_a_problem_naming_the_field(bad: str) -> None:
    from services.vouchers.vouchers.errors import VoucherCodeInvalid

    with pytest.raises(VoucherCodeInvalid) as caught:
        parse_code(bad, field="body.voucher_code")
    assert caught.value.errors[0].field == "body.voucher_code"
    assert caught.value.code == "voucher_code_invalid"


@pytest.mark.parametrize("number", [-1, 2**80, 2**81 + 5])
def test_only_an_80_bit_number_has_a_code(number: int) -> None:
    # 2^80 would need a 17th symbol: the code would be one too long to read back
    with pytest.raises(ValueError, match="exactly 80 bits"):
        codes.encode(number)

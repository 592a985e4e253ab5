"""Unicode in identifiers and passwords (issue 13, item 18): control, invisible formatting and line
separator characters are refused in every identifier field, by field name and code point, never with
the value; ZWNJ and ZWJ, which scripts need, are accepted; a password matches in NFC and NFD alike,
and a password set before normalisation still opens the store."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.store.conftest import make_nhs_number
from tests.users import CHEAP_KDF
from triage.letters.particulars import Patient
from triage.services.credentials import AccountError, check_new_account, hash_password, verify_hash
from triage.services.inputs import GpPracticeInput, InvalidInput, ReferralInput, parse
from triage.services.login import AuthenticationError, authenticate
from triage.services.store_setup import initialise_store
from triage.services.users import add_user, change_password

NAMED = ["\u0085", "\u2028", "\u2029", "\u202e", "\u202d", "\u2066", "\u200b", "\ufeff", "\u00ad", "\t", "\x1b"]
REFUSED = [
    chr(c)
    for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) in {"Cc", "Cf", "Zl", "Zp"} and chr(c) not in "\u200c\u200d"
]
ZWNJ_NAME = "Mehr\u200cnaz"  # Persian names are written with a zero-width non-joiner between parts
ZWJ_NAME = "\u0dc1\u0dca\u200d\u0dbb\u0dd3"  # Sinhala "Shri": the joiner makes the conjunct letter
# Sinhala needs shaping the letters cannot do, and their fonts have none (issue 14, item 7): a joiner in
# a name they print is accepted all the same.
PRINTABLE_ZWJ_NAME = "Anna\u200dMaria"
NFC = "caf\u00e9 au lait 2024"
NFD = unicodedata.normalize("NFD", NFC)
# Each identifier field of a referral, with a valid value and where a stray character goes in it.
REFERRAL = {
    "nhs_number": make_nhs_number(1),
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "1980-01-02",
    "received_on": "2024-01-02",
    "source": "gp",
    "gp_practice_code": "A81001",
    "phone": "07700 900123",
    "postcode": "DN1 1AA",
    "interpreter_language": "Polish",
}
FIELDS = ["nhs_number", "given_name", "family_name", "gp_practice_code", "phone", "postcode", "interpreter_language"]
NO_WAIT = {"sleep": lambda _seconds: None}


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.store.keys.KDF_PARAMS", CHEAP_KDF)


def inside(value: str, char: str) -> str:
    """``value`` with ``char`` in its middle, where stripping cannot remove it."""
    middle = len(value) // 2
    return value[:middle] + char + value[middle:]


def refusal(model: type[ReferralInput] | type[GpPracticeInput], data: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse(model, data)
    return caught.value.problems


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("char", NAMED, ids=[f"U+{ord(c):04X}" for c in NAMED])
def test_each_refused_character_is_named_by_field_and_code_point(field: str, char: str) -> None:
    value = str(REFERRAL[field])
    problems = refusal(ReferralInput, {**REFERRAL, field: inside(value, char)})
    assert problems == [
        f"{field}: must not contain control or invisible formatting characters such as line breaks, tabs or "
        f"direction overrides (it has U+{ord(char):04X})"
    ]
    assert not any(value in problem for problem in problems)


@settings(max_examples=300, deadline=None)
@given(char=st.sampled_from(REFUSED), field=st.sampled_from(FIELDS))
def test_every_character_of_the_refused_categories_is_refused(char: str, field: str) -> None:
    problems = refusal(ReferralInput, {**REFERRAL, field: inside(str(REFERRAL[field]), char)})
    assert problems == [f"{field}: must not contain control or invisible formatting characters such as line breaks, "
                        f"tabs or direction overrides (it has U+{ord(char):04X})"]  # fmt: skip


@pytest.mark.parametrize("field", FIELDS)
def test_a_lone_surrogate_is_refused_by_field_without_a_traceback(field: str) -> None:
    # JSON can carry "\ud800", which no file or screen can encode; pydantic's string check refuses it.
    problems = refusal(ReferralInput, {**REFERRAL, field: inside(str(REFERRAL[field]), "\ud800")})
    assert len(problems) == 1 and problems[0].startswith(f"{field}: ")


@pytest.mark.parametrize("char", NAMED, ids=[f"U+{ord(c):04X}" for c in NAMED])
def test_gp_practice_fields_and_letter_particulars_refuse_them_too(char: str) -> None:
    practice = {
        "code": "A81001",
        "name": "Low Road Surgery",
        "address": "1 Low Road\nDoncaster",
        "gp_names": ["Dr Kaur"],
    }
    assert parse(GpPracticeInput, practice).address == "1 Low Road\nDoncaster"  # an address has lines
    for field, value in (("name", "Low Road Surgery"), ("address", "1 Low Road\nDoncaster"), ("gp_names", ["Dr Kaur"])):
        bad = [inside(value[0], char)] if isinstance(value, list) else inside(value, char)
        problems = refusal(GpPracticeInput, {**practice, field: bad})
        assert len(problems) == 1 and problems[0].startswith(f"{field}") and f"U+{ord(char):04X}" in problems[0]
    patient = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1980-01-02",
               "nhs_number": make_nhs_number(1)}  # fmt: skip
    for field in ("given_name", "nhs_number"):
        with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}") as caught:
            Patient.model_validate({**patient, field: inside(patient[field], char)})
        assert patient[field] not in str(caught.value)


@pytest.mark.parametrize("char", NAMED, ids=[f"U+{ord(c):04X}" for c in NAMED])
def test_usernames_and_display_names_refuse_them(char: str) -> None:
    with pytest.raises(AccountError, match="^a username is"):
        check_new_account(inside("pwp.one", char), "P One", "a long password")
    with pytest.raises(AccountError, match="^a display name is"):
        check_new_account("pwp.one", inside("P One", char), "a long password")


def test_zero_width_joiners_that_scripts_need_are_accepted_in_a_name() -> None:
    referral = parse(ReferralInput, {**REFERRAL, "given_name": ZWNJ_NAME, "family_name": PRINTABLE_ZWJ_NAME})
    assert (referral.given_name, referral.family_name) == (ZWNJ_NAME, PRINTABLE_ZWJ_NAME)
    # The joiner is never the reason a name is refused; a script the letters cannot print is.
    assert refusal(ReferralInput, {**REFERRAL, "family_name": ZWJ_NAME}) == [
        "family_name: cannot be printed on a letter: its fonts have Latin (with Vietnamese and Welsh accents), "
        "Greek and Cyrillic letters only (it has U+0DC1)"
    ]
    assert parse(GpPracticeInput, {"code": "A81001", "name": "Surgery", "gp_names": [ZWNJ_NAME]}).gp_names == (
        ZWNJ_NAME,
    )
    check_new_account("pwp.one", ZWJ_NAME, "a long password")


# --- passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("set_as", "typed"), [(NFC, NFD), (NFD, NFC)], ids=["set NFC, typed NFD", "set NFD, typed NFC"]
)
def test_a_password_logs_in_whichever_way_its_accents_were_typed(tmp_path: Path, set_as: str, typed: str) -> None:
    assert set_as != typed and unicodedata.normalize("NFC", set_as) == unicodedata.normalize("NFC", typed)
    path = tmp_path / "triage.db"
    initialise_store(path, "admin", "The Admin", set_as)
    key, admin = authenticate(path, "admin", typed, **NO_WAIT)  # the key file's wrap
    assert admin.role == "admin" and len(key) == 32
    assert verify_hash(hash_password(set_as), typed)  # the account hash a team store logs in with
    with pytest.raises(AuthenticationError):
        authenticate(path, "admin", typed.replace("lait", "lai"), **NO_WAIT)


def test_a_password_change_typed_in_nfd_is_checked_and_stored_as_nfc(tmp_path: Path) -> None:
    from triage.services.login import open_authenticated

    path = tmp_path / "triage.db"
    initialise_store(path, "admin", "The Admin", "the admin password")
    store, admin = open_authenticated(path, "admin", "the admin password", **NO_WAIT)
    with store:
        pwp = add_user(store, admin, "pwp1", "P", "pwp", NFD)
        change_password(store, pwp, NFC, NFD + "!")
    assert authenticate(path, "pwp1", NFC + "!", **NO_WAIT)[1].username == "pwp1"


def test_a_password_set_before_normalisation_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hashes and wraps made before passwords were normalised hold the password exactly as typed.
    old_hash = PasswordHasher().hash(NFD)
    assert verify_hash(old_hash, NFD)
    assert not verify_hash(old_hash, "something else entirely")
    path = tmp_path / "triage.db"
    with monkeypatch.context() as before:
        before.setattr("triage.store.keys.normalise_password", lambda password: password)
        initialise_store(path, "admin", "The Admin", NFD)
    with monkeypatch.context() as nfc_only:  # the wrap really holds the form as typed: NFC alone fails
        nfc_only.setattr(
            "triage.store.keys.password_candidates", lambda password: (unicodedata.normalize("NFC", password),)
        )
        with pytest.raises(AuthenticationError):
            authenticate(path, "admin", NFD, **NO_WAIT)
    key, admin = authenticate(path, "admin", NFD, **NO_WAIT)
    assert admin.role == "admin" and len(key) == 32
    with pytest.raises(AuthenticationError):
        authenticate(path, "admin", NFD + "x", **NO_WAIT)

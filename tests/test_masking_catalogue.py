"""A catalogue of the personal data Norwegians write, masked before anything is stored:
fødselsnummer (valid and not), D- and H-numbers, phone numbers (+47, 8 digits with
spaces, other countries), e-mail, IPv4 and IPv6, street addresses and long digit runs.
The last test writes the whole catalogue to the real database and greps its files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from stdnum.no import fodselsnummer

from bot.answer import Answer
from bot.masking import (
    LOGGED,
    STORED,
    find_personal_data,
    mask,
    personal_data,
    personal_data_warning,
)
from bot.privacy import mask_personal_data
from bot.store import Store


def valid_number(birth: str) -> str:
    """A fødselsnummer (or D- or H-number) for `birth` (ddmmåå) whose control digits hold."""
    for individual in range(100, 500):
        base = f"{birth}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        k2 = fodselsnummer.calc_check_digit2(base + k1) if len(k1) == 1 else "10"
        if len(k2) == 1 and fodselsnummer.is_valid(base + k1 + k2):
            return base + k1 + k2
    raise AssertionError(birth)


FNR = valid_number("150385")
FNR2 = valid_number("311299")
D_NUMBER = valid_number("550190")  # born 15.01.1990: day + 40
H_NUMBER = "15456500053"  # month + 40
INVALID_DATE_SHAPED = "01019012345"
INVALID = "15456500054"  # H_NUMBER with a wrong control digit: not date-shaped either

# (what the asker wrote, what must not be kept, the kind it is found as)
CATALOGUE = [
    (f"Mitt fødselsnummer er {FNR}, hjelp!", FNR, "person_number"),
    (f"fnr {FNR[:6]} {FNR[6:]}", f"{FNR[:6]} {FNR[6:]}", "person_number"),
    (f"fnr. {FNR2[:6]}-{FNR2[6:]}", f"{FNR2[:6]}-{FNR2[6:]}", "person_number"),
    (f"personnummer {FNR2[:6]}.{FNR2[6:]}", f"{FNR2[:6]}.{FNR2[6:]}", "person_number"),
    (f"fnr:{FNR2}", FNR2, "person_number"),
    (f"Mitt d-nummer er {D_NUMBER}", D_NUMBER, "person_number"),
    (f"d-nr {D_NUMBER[:6]} {D_NUMBER[6:]}", f"{D_NUMBER[:6]} {D_NUMBER[6:]}", "person_number"),
    (f"H-nummer {H_NUMBER}", H_NUMBER, "person_number"),
    (f"feil nummer {INVALID_DATE_SHAPED}", INVALID_DATE_SHAPED, "person_number"),
    (f"sak {INVALID}", INVALID, "digits"),
    (f"sak {INVALID[:6]} {INVALID[6:]}", f"{INVALID[:6]} {INVALID[6:]}", "digits"),
    ("Ring meg på +47 912 34 567", "912 34 567", "phone"),
    ("tlf +4791234567", "91234567", "phone"),
    ("tlf 0047 91234567", "91234567", "phone"),
    ("Ring meg på 912 34 567", "912 34 567", "phone"),
    ("mobil 91 23 45 67", "91 23 45 67", "phone"),
    ("mobil 91234567.", "91234567", "phone"),
    ("mobil 912-34-567", "912-34-567", "phone"),
    ("sentralbord +47 73 59 50 00", "73 59 50 00", "phone"),
    ("sentralbord (+47) 73 59 50 00", "73 59 50 00", "phone"),
    ("Svensk nummer +46 70 123 45 67", "70 123 45 67", "phone"),
    ("UK +44 20 7946 0958", "7946 0958", "phone"),
    ("US +1 415 555 2671", "415 555 2671", "phone"),
    ("Finland +358 40 1234567", "40 1234567", "phone"),
    ("Sverige 0046 70 123 45 67", "70 123 45 67", "phone"),
    ("Skriv til ola.nordmann@example.no i dag", "ola.nordmann@example.no", "email"),
    ("e-post Kari+bot@NTNU.no.", "Kari+bot@NTNU.no", "email"),
    ("per_hansen@trondheim.kommune.no svarte ikke", "per_hansen@trondheim.kommune.no", "email"),
    ("fra 192.168.10.23 i går", "192.168.10.23", "ip"),
    ("min ip er 10.0.0.1.", "10.0.0.1", "ip"),
    ("klient 2001:db8::8a2e:370:7334 koblet til", "2001:db8::8a2e:370:7334", "ip"),
    ("adresse fe80::1ff:fe23:4567:890a.", "fe80::1ff:fe23:4567:890a", "ip"),
    ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "ip"),
    ("mappet ::ffff:192.0.2.1 her", "192.0.2.1", "ip"),
    ("Jeg bor i Storgata 12, 7011 Trondheim", "Storgata 12", "address"),
    ("Kongens gate 5B er adressen", "Kongens gate 5B", "address"),
    ("Jeg bor i Olav Tryggvasons gate 24", "Tryggvasons gate 24", "address"),
    ("adresse byåsveien 140 A", "byåsveien 140", "address"),
    ("Munkegata 3, 3. etasje", "Munkegata 3", "address"),
    ("Strindvegen 4", "Strindvegen 4", "address"),
    ("Prinsens allé 9", "Prinsens allé 9", "address"),
    ("jeg bor i elgeseter gate 10", "elgeseter gate 10", "address"),
    ("Thomas Angells gate 22-24", "Angells gate 22", "address"),
    ("konto 1503.12.34567", "1503.12.34567", "digits"),
    ("kortnummer 4111 1111 1111 1111", "4111 1111 1111 1111", "digits"),
    ("saksnummer 2023123456", "2023123456", "digits"),
    ("kundenummer 123456789", "123456789", "digits"),
]
ORDINARY = [
    "I 2019 og 2020 var 50% ansatt; 16 partnerskap og nærmere 40 kommuner. TRD3.0 æøå.",
    "Hva kostet prosjektet, 1 500 000 kroner?",
    "Hva skjedde 01.02.2024 kl. 10:30?",
    "Hva sa regjeringen i 2024 om alle 3 kommunene?",
    "Hvem kom på plass 1 i konkurransen?",
    "Hva har de sagt 3 ganger om fase 2?",
    "Indeksen gen-20261201T235840-fcc890 er skadet",
    "Hvordan definerer KS innovasjon?",
]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_the_catalogue_is_large_and_its_numbers_are_what_they_say():
    assert len(CATALOGUE) >= 30
    assert all(fodselsnummer.is_valid(n) for n in (FNR, FNR2, D_NUMBER, H_NUMBER))
    assert int(D_NUMBER[0]) >= 4
    assert not fodselsnummer.is_valid(INVALID) and not fodselsnummer.is_valid(INVALID_DATE_SHAPED)


@pytest.mark.parametrize(("text", "secret", "kind"), CATALOGUE)
def test_each_form_is_masked_for_storage(text, secret, kind):
    masked = mask(text, STORED)
    assert secret not in masked
    if len(_digits(secret)) >= 6:
        assert _digits(secret) not in _digits(masked)
    placeholder = personal_data()["placeholders"][kind]
    assert placeholder in masked, (masked, kind)
    assert [f.kind for f in find_personal_data(text)] == [kind]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_are_kept_as_written(text):
    assert mask(text) == text
    assert personal_data_warning(text, "nb") == ""


@pytest.mark.parametrize(("text", "secret", "kind"), CATALOGUE)
def test_the_log_masks_the_same_identifiers_and_keeps_numbers_and_streets(text, secret, kind):
    logged = mask_personal_data(text)
    if kind in LOGGED:
        assert logged == mask(text, STORED)
    else:
        assert logged == text


def test_the_warning_is_in_the_askers_language():
    question = "Ring meg på 912 34 567"
    nb, nn, en = (personal_data_warning(question, lang) for lang in ("nb", "nn", "en"))
    assert "trenger ingen personopplysninger" in nb and "ikke lagret" in nb
    assert "treng ingen personopplysningar" in nn and "ikkje lagra" in nn
    assert "does not need any personal data" in en and "not been kept" in en
    assert personal_data_warning(question, "de") == nb
    assert personal_data_warning("konto 1503.12.34567", "nb") == ""  # a number, no person


def test_no_identifier_of_the_catalogue_reaches_the_database_files(tmp_path):
    now = dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    store = Store(tmp_path, retention_days=30, now=lambda: now, purge_every=None)
    for text, _, _ in CATALOGUE:
        answer_id = store.record_question(Answer(text, "no_answer", "", "nb"))
        store.record_feedback(answer_id, "down", "Annet", f"Jeg skrev: {text}")
    assert store.read("SELECT count(*) FROM questions WHERE question IS NOT NULL") == [(47,)]
    wal = tmp_path / "trd30.sqlite3-wal"
    assert wal.exists() and wal.stat().st_size > 0  # the rows are in the WAL now
    _assert_no_secret(tmp_path)
    store.close()  # and after the checkpoint, in the database file
    _assert_no_secret(tmp_path)


def _assert_no_secret(folder):
    data = b"".join(path.read_bytes() for path in sorted(folder.iterdir()))
    assert "[fødselsnummer]".encode() in data and b"[telefon]" in data
    for _, secret, _ in CATALOGUE:
        assert secret.encode() not in data, secret
        if len(_digits(secret)) >= 6:
            assert _digits(secret).encode() not in data, secret


@pytest.mark.parametrize("text", ["a" * 65536, "a" * 65536 + "@", "1." * 32768, "ab:" * 20000])
def test_a_long_text_is_masked_in_about_linear_time(text):
    import time

    start = time.perf_counter()
    for kinds in (STORED, LOGGED):
        mask(text, kinds)
    assert time.perf_counter() - start < 5  # a quadratic pattern took 25 s per call

import pytest

from bot.privacy import mask_personal_data


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("Mitt fødselsnummer er 01019012345, hjelp!", "01019012345", "[fødselsnummer]"),
        ("fnr 010190 12345", "010190 12345", "[fødselsnummer]"),
        ("/sok/010599-18539", "010599-18539", "[fødselsnummer]"),
        ("d-nr 410190.12345", "410190.12345", "[fødselsnummer]"),
        ("Ring meg på 912 34 567", "912 34 567", "[telefon]"),
        ("tlf +47 91234567", "91234567", "[telefon]"),
        ("Skriv til ola.nordmann@example.no i dag", "ola.nordmann@example.no", "[e-post]"),
        ("fra 192.168.10.23 i går", "192.168.10.23", "[ip]"),
        ("klient 2001:db8::8a2e:370:7334 koblet til", "2001:db8::8a2e:370:7334", "[ip]"),
    ],
)
def test_personal_data_is_masked(text, secret, placeholder):
    masked = mask_personal_data(text)
    assert secret not in masked
    assert placeholder in masked


def test_ordinary_text_with_years_and_percentages_is_kept():
    text = "I 2019 og 2020 var 50% ansatt; 16 partnerskap og nærmere 40 kommuner. TRD3.0 æøå."
    assert mask_personal_data(text) == text


def test_every_log_record_is_masked_and_cannot_forge_a_line(capsys):
    import logging

    from bot.privacy import install_log_masking

    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        install_log_masking()
        # as Gradio's or uvicorn's own loggers would write it, input values included
        logging.getLogger("gradio.test").error("bad input %r", "fnr 01019012345\nFALSK LINJE")
        try:
            raise ValueError("ola@example.no 10.1.2.3")
        except ValueError:
            logging.getLogger("trd30.test.server").exception("feil for %s", "+47 912 34 567")
    finally:
        root.removeHandler(handler)
    err = capsys.readouterr().err
    for secret in ("01019012345", "ola@example.no", "10.1.2.3", "912 34 567"):
        assert secret not in err
    assert "[fødselsnummer]" in err and "[e-post]" in err and "[telefon]" in err
    assert not any(line.startswith("FALSK") for line in err.splitlines())
    assert "Traceback" in err  # the traceback is kept, masked


def test_a_person_number_is_masked_by_its_control_digits_when_its_month_is_shifted():
    from stdnum.no import fodselsnummer

    h_number = "15456500053"  # an H-number: month + 40, so not date-shaped
    assert fodselsnummer.is_valid(h_number)
    assert mask_personal_data(f"nummer {h_number}") == "nummer [fødselsnummer]"
    assert mask_personal_data("nummer 154565-00053") == "nummer [fødselsnummer]"
    invalid = "15456500054"  # the same with a wrong control digit
    assert mask_personal_data(f"sak {invalid}") == f"sak {invalid}"  # not one: kept


def test_a_generation_name_is_not_taken_for_a_phone_number():
    name = "gen-20261201T235840-fcc890"
    assert mask_personal_data(f"Indeksen {name} er skadet") == f"Indeksen {name} er skadet"

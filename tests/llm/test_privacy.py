"""Personal data is masked before a model sees it and put back in what it answers."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpilot.llm import Masker, OpenAICompatibleClient
from tests.llm.scripted_server import ScriptedLLM

CARD = "4111 1111 1111 1111"
GB_IBAN = "GB82 WEST 1234 5698 7654 32"
DE_IBAN = "DE89370400440532013000"
EMAIL = "jane.doe+orders@example.co.uk"
PHONE = "+44 20 7946 0958"
ADDRESS = "12 High Street, London SW1A 1AA"
ORDER_NUMBER = "1234567812345678"  # 16 digits, fails the Luhn check

MESSAGE = (
    f"Hi, my card {CARD} was charged twice for order {ORDER_NUMBER}. Refund to {GB_IBAN} "
    f"or {DE_IBAN}, write to {EMAIL} or call {PHONE}. I live at {ADDRESS}."
)


def test_that_card_iban_email_phone_and_known_address_are_replaced() -> None:
    masked = Masker(known=[ADDRESS]).mask(MESSAGE)

    for secret in (CARD, GB_IBAN, DE_IBAN, EMAIL, PHONE, ADDRESS, "4111", "WEST", "SW1A"):
        assert secret not in masked.text
    assert masked.text == (
        f"Hi, my card [CARD_1] was charged twice for order {ORDER_NUMBER}. Refund to "
        "[IBAN_1] or [IBAN_2], write to [EMAIL_1] or call [PHONE_1]. I live at [ADDRESS_1]."
    )
    assert masked.mapping["[CARD_1]"] == CARD
    assert masked.mapping["[ADDRESS_1]"] == ADDRESS


def test_that_restore_gives_the_original_text_back() -> None:
    masked = Masker(known=[ADDRESS]).mask(MESSAGE)

    assert Masker.restore(masked.text, masked.mapping) == MESSAGE
    assert masked.restore("Refund sent to [IBAN_1]; card [CARD_1].") == (
        f"Refund sent to {GB_IBAN}; card {CARD}."
    )


def test_that_a_non_luhn_order_number_and_a_bad_checksum_iban_stay_as_written() -> None:
    text = f"Order {ORDER_NUMBER}, order 1234-5678-1234-5678, IBAN GB83 WEST 1234 5698 7654 32"

    assert Masker().mask(text).text == text


def test_that_dashed_and_unspaced_cards_are_masked_but_not_the_digits_around_them() -> None:
    masked = Masker().mask("cards 5555-5555-5555-4444 and 378282246310005, paid 2026-06-15")

    assert masked.text == "cards [CARD_1] and [CARD_2], paid 2026-06-15"


def test_that_parts_of_the_known_address_are_masked_in_any_case_and_spacing() -> None:
    masked = Masker(known=[ADDRESS]).mask("Send it to 12 high  street, postcode sw1a 1aa.")

    assert masked.text == "Send it to [ADDRESS_1], postcode [ADDRESS_2]."


def test_that_a_national_phone_number_is_masked_when_the_region_is_known() -> None:
    text = "call me on 020 7946 0958"

    assert Masker(region="GB").mask(text).text == "call me on [PHONE_1]"
    assert Masker().mask(text).text == text


def test_that_typed_placeholders_cannot_pull_personal_data_into_a_reply() -> None:
    masked = Masker().mask(f"my card [CARD_1] is {CARD}")

    assert masked.text == "my card [TEXT_1] is [CARD_1]"
    assert masked.mapping == {"[TEXT_1]": "[CARD_1]", "[CARD_1]": CARD}
    assert masked.restore("[TEXT_1] is not [CARD_1] nor [CARD_9]") == (
        f"[CARD_1] is not {CARD} nor [CARD_9]"
    )


def test_that_a_conversation_shares_one_mapping_across_messages() -> None:
    messages = [
        {"role": "user", "content": f"card {CARD}, email {EMAIL}"},
        {"role": "assistant", "content": "Which card?"},
        {"role": "user", "content": f"{CARD} again, and other@example.com"},
    ]
    masked, mapping = Masker().mask_messages(messages)

    assert [m["content"] for m in masked] == [
        "card [CARD_1], email [EMAIL_1]",
        "Which card?",
        "[CARD_1] again, and [EMAIL_2]",
    ]
    assert [m["role"] for m in masked] == ["user", "assistant", "user"]
    assert mapping == {"[CARD_1]": CARD, "[EMAIL_1]": EMAIL, "[EMAIL_2]": "other@example.com"}


def test_that_no_personal_data_reaches_the_model_and_the_reply_gets_it_back() -> None:
    masker = Masker(known=[ADDRESS])
    messages, mapping = masker.mask_messages([{"role": "user", "content": MESSAGE}])
    with ScriptedLLM() as llm:
        llm.script("We will refund [IBAN_1] and write to [EMAIL_1].")
        client = OpenAICompatibleClient(llm.base_url, "m", None, timeout=5, retries=0, backoff=0)
        with client:
            reply = client.complete(messages)

        sent = json.dumps(llm.requests)
    for secret in (CARD, GB_IBAN, DE_IBAN, EMAIL, PHONE, ADDRESS):
        assert secret not in sent
    assert Masker.restore(reply.text, mapping) == f"We will refund {GB_IBAN} and write to {EMAIL}."


PII_PIECES = st.sampled_from(
    [CARD, GB_IBAN, DE_IBAN, EMAIL, PHONE, ADDRESS, "12 High Street", ORDER_NUMBER,
     "[CARD_1]", "[TEXT_2]", "[EMAIL_", "]", "+", " ", "-", "1", "GB82"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_that_restore_of_mask_is_the_identity_for_any_text(text: str) -> None:
    masked = Masker(known=[ADDRESS]).mask(text)

    assert Masker.restore(masked.text, masked.mapping) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), PII_PIECES), max_size=12).map("".join))
def test_that_restore_of_mask_is_the_identity_for_text_full_of_personal_data(text: str) -> None:
    masked = Masker(known=[ADDRESS], region="GB").mask(text)

    assert Masker.restore(masked.text, masked.mapping) == text

"""Tokens and word counts in every script: what the classifier and the short-answer gates see."""

from __future__ import annotations

import pytest

from deskpilot.nlu.text import fold, word_count, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("मेरा रिफंड कहाँ है", ["मेरा", "रिफंड", "कहाँ", "है"]),  # vowel signs stay in the word
        ("我的退款", ["我的", "的退", "退款", "我", "的", "退", "款"]),
        ("Where is my refund?", ["where", "is", "my", "refund"]),
        ("ยกเลิก", ["ยก", "กเ", "เลิ", "ลิก"]),  # Thai tone and vowel marks stay on their letter
        ("注文DP-100123", ["注文", "注", "文", "dp", "100123"]),
        ("환불은 언제", ["환불은", "언제", "환불"]),
    ],
)
def test_that_words_are_split_as_a_reader_would(text: str, expected: list[str]) -> None:
    assert words(fold(text)) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("yes please", 2),
        ("option 2", 1),
        ("是的", 1),
        ("はい", 1),
        ("キャンセルしたいです", 3),
        ("不用了，谢谢", 3),
        ("ไม่ต้องการแล้วครับ", 5),
        ("환불은 언제 되나요", 3),
        ("我想取消我的订单因为我不再需要它了", 8),
    ],
)
def test_that_words_are_counted_in_every_script(text: str, count: int) -> None:
    assert word_count(text) == count

"""Card data in JSON bodies (cloud PMS connectors): masked by key in the parsed document,
free-text strings and numbers by Luhn, ids never touched (connectors/card_data.py)."""

from __future__ import annotations

import re
from typing import Any

from connectors.card_data import keep_last_digits, mask_all, mask_text

# JSON keys (compared lower-case without "_" and "-"), for JSON connectors.
JSON_CARD_KEYS = frozenset({"cardnumber", "pan", "primaryaccountnumber", "cardno",
                            "creditcardnumber", "number"})
JSON_SECRET_KEYS = frozenset({"cvv", "cvv2", "cvc", "cvc2", "cid", "securitycode",
                              "cardsecuritycode", "cardverificationvalue",
                              "cardverificationcode", "pin", "pinnumber"})
# JSON members that name a card by their parent ("card": {"number": ...}).
JSON_CARD_PARENTS = frozenset({"card", "paymentcard", "creditcard", "payment"})


def mask_json(value: Any, key: str = "", parent: str = "") -> Any:
    """A parsed JSON document with card data masked by key; free-text strings by Luhn."""
    if isinstance(value, dict):
        return {k: mask_json(v, _json_key(k), key) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(item, key, parent) for item in value]
    if value is None or isinstance(value, bool):
        return value
    is_card = key in JSON_CARD_KEYS and (key != "number" or parent in JSON_CARD_PARENTS)
    if is_card:
        return keep_last_digits(str(value))
    if key in JSON_SECRET_KEYS:
        return mask_all(str(value))
    if _json_identifier(key) or not isinstance(value, str | int):
        return value
    text = str(value)
    masked = mask_text(text)  # a card number sent as a JSON number is masked as well
    return value if masked == text else masked


def _json_key(key: Any) -> str:
    return re.sub(r"[_\-\s]", "", str(key)).lower()


def _json_identifier(key: str) -> bool:
    return key == "id" or key.endswith(("id", "ids", "code", "ref", "reference", "uuid"))

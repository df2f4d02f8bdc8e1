"""The application's one reader of an amount of yuan as a lender's file or form writes it.

Every file with an amount (``loan_yuan`` of ``history.csv``, ``loans.csv`` and
``loans_elsewhere.csv``, ``amount_yuan`` of an outcomes file, ``mobile_pay_flow_yuan`` of
``leads.csv``) and the store's check of a typed amount read it here, so ``50,000`` is fifty
thousand yuan in every one of them. A sheet typed in Excel or WPS on a Chinese desktop writes
thousands separators (``50,000``; ``５０，０００`` with a Chinese input method), a currency
sign (``¥50,000``, ``￥50000``), the unit (``50000元``) or ten-thousands (``5万``); anything
else is refused quoting the text as typed.
"""

from __future__ import annotations

import math
import re
import unicodedata

from countyreach.errors import InputError

__all__ = ["AMOUNT_FORMS", "read_yuan", "yuan_text"]

#: How an amount may be written (for messages).
AMOUNT_FORMS = "50000, 50,000, ¥50,000, 50000元 or 5万"

# After NFKC (full-width '，' is ',', '￥' is '¥'): an optional sign of the yuan, a number
# (plain, or thousands grouped by ',': 50,000 or 1,250,000.5; "5,00" is no grouping and is
# refused), an optional 万 (ten thousand) and an optional 元. An exponent (1.5E+05) is read
# as float() reads it, as the readers did before this one.
_AMOUNT_RE = re.compile(r"^(?:¥|RMB|CNY)?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))"
                        r"(?:\.\d+)?(?:e[+-]?\d+)?)\s*(?P<wan>万)?\s*元?$", re.IGNORECASE)


def yuan_text(text: object) -> str:
    """The amount ``text`` as a plain number's text: ``"50000"`` for ``"¥50,000"``.

    A plain number comes back as it was written (``"42300.0"`` stays ``"42300.0"``), so
    what a file held before is stored and identified as before; ``5万`` becomes
    ``"50000"``. Text that is no amount comes back stripped, for :func:`read_yuan` (or the
    caller's check) to refuse.

    Parameters
    ----------
    text : object
        A cell or form field (``None`` and NaN are blank).

    Returns
    -------
    str
        ``""`` for a blank cell.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    typed = unicodedata.normalize("NFKC", str(text)).strip()
    m = _AMOUNT_RE.match(typed)
    if m is None:
        return typed
    num = m["num"].replace(",", "")
    if m["wan"]:
        # ten thousands: 5.5万 is 55000 (formatted without a spurious ".0")
        value = float(num) * 10_000
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return num


def read_yuan(text: object, field: str = "amount_yuan") -> float | None:
    """An amount of yuan from a cell or form field, as a lender writes it.

    Parameters
    ----------
    text : object
        ``50000``, ``50,000``, ``５０，０００``, ``¥50,000``, ``50000元``, ``5万`` (spaces
        around it are not part of it); a number is taken as it is.
    field : str
        What an error names (the column).

    Returns
    -------
    float or None
        ``None`` for a blank cell. The sign and range are the caller's to check.

    Raises
    ------
    InputError
        Naming ``field`` and quoting ``text`` as typed, for text that is no amount
        (``5,00``, ``fifty``) or a number that is not finite.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if math.isnan(text):
            return None
        value = float(text)
    else:
        plain = yuan_text(text)
        if not plain:
            return None
        if _AMOUNT_RE.match(plain) is None:
            raise InputError(f"expected an amount in yuan ({AMOUNT_FORMS}), got "
                             f"{str(text).strip()!r}", field=field)
        value = float(plain)
    if not math.isfinite(value):
        raise InputError(f"expected a finite amount in yuan, got {text!r}", field=field)
    return value

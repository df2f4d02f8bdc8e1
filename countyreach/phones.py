"""Phone numbers as the lender's spreadsheets must keep them.

Excel reads an 11-digit mobile number (``18177889770``) as a number: a narrow column shows
``1.82E+10`` and saving the sheet writes that, so the number is lost; a landline's leading
zero (``07016231234``) goes too. Grouped the way numbers are written in China
(``181 7788 9770``, ``0701-6231234``) the cell stays text, reads better, and dialers and
``tel:`` links ignore the spaces and dashes.
"""

from __future__ import annotations

__all__ = ["spreadsheet_phone"]


def spreadsheet_phone(phone: str) -> str:
    """``phone`` grouped so that a spreadsheet keeps it as text.

    Only a bare run of digits (with an optional ``+86``) is regrouped: a mainland mobile
    number as 3-4-4 digits, a landline with its area code (3 digits for 010 and 02x, else 4)
    before a dash. Anything else is returned as it was written.

    Parameters
    ----------
    phone : str
        The number as the lead's file gave it.

    Returns
    -------
    str

    Examples
    --------
    >>> spreadsheet_phone("18177889770")
    '181 7788 9770'
    >>> spreadsheet_phone("+8618177889770")
    '+86 181 7788 9770'
    >>> spreadsheet_phone("07016231234")
    '0701-6231234'
    >>> spreadsheet_phone("0701-6231234")
    '0701-6231234'
    """
    text = phone.strip()
    prefix = ""
    digits = text
    if text.startswith("+86"):
        prefix, digits = "+86 ", text[3:].strip()
    if not digits.isascii() or not digits.isdigit():
        return phone
    if len(digits) == 11 and digits.startswith("1"):
        return f"{prefix}{digits[:3]} {digits[3:7]} {digits[7:]}"
    if not prefix and digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return phone

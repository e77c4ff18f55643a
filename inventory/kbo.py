"""Belgian enterprise numbers (KBO/BCE): checked with python-stdnum, stored as 10 digits."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.be import vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


def normalise_kbo(value: str) -> str:
    """Return the 10-digit form of a KBO number in any usual spelling, or raise ValidationError in Dutch."""
    raw = (value or "").strip()
    try:
        return vat.validate(raw)
    except InvalidChecksum:
        raise ValidationError(
            _("Ondernemingsnummer %(value)s klopt niet: de controlecijfers (modulo 97) zijn fout.") % {"value": raw},
            code="kbo_checksum",
        ) from None
    except StdnumError:
        raise ValidationError(
            _("Ondernemingsnummer %(value)s is ongeldig: verwacht 10 cijfers, bv. 0123.456.749.") % {"value": raw},
            code="kbo_format",
        ) from None


def format_kbo(digits: str) -> str:
    """0123456749 -> 0123.456.749"""
    if len(digits) != 10:
        return digits
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"

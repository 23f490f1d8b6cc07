"""How the stores named a meeting's zone before migration 0004: the XML API's
integer ``timeZoneID``. This table turns those ids into IANA names when the
stores migrate (SQLite in state/store_schema.py, PostgreSQL in state/pg/schema.py).

Frozen on purpose: a migration must convert the same way whatever the code
becomes later. It is the bundled table of the XML edge
(adapters/webex/timezones.csv, ids 0-61) as it was then; a test keeps the two
equal. An id not in it (one a site added) becomes NULL: such a zone was only
ever known by a fixed offset, never by name. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LEGACY_ZONE_IDS", "zone_name_sql"]

#: Webex ``timeZoneID`` -> IANA zone name, as the stores held them until 0004.
LEGACY_ZONE_IDS: Mapping[int, str] = {
    0: "Etc/GMT+12",
    1: "Pacific/Pago_Pago",
    2: "Pacific/Honolulu",
    3: "America/Anchorage",
    4: "America/Los_Angeles",
    5: "America/Phoenix",
    6: "America/Denver",
    7: "America/Chicago",
    8: "America/Mexico_City",
    9: "America/Regina",
    10: "America/Bogota",
    11: "America/New_York",
    12: "America/Indiana/Indianapolis",
    13: "America/Halifax",
    14: "America/Caracas",
    15: "America/St_Johns",
    16: "America/Sao_Paulo",
    17: "America/Argentina/Buenos_Aires",
    18: "America/Noronha",
    19: "Atlantic/Azores",
    20: "Africa/Casablanca",
    21: "Europe/London",
    22: "Europe/Amsterdam",
    23: "Europe/Paris",
    24: "Europe/Prague",
    25: "Europe/Berlin",
    26: "Europe/Athens",
    27: "Europe/Bucharest",
    28: "Africa/Cairo",
    29: "Africa/Johannesburg",
    30: "Europe/Helsinki",
    31: "Asia/Jerusalem",
    32: "Asia/Baghdad",
    33: "Europe/Moscow",
    34: "Africa/Nairobi",
    35: "Asia/Tehran",
    36: "Asia/Muscat",
    37: "Asia/Baku",
    38: "Asia/Kabul",
    39: "Asia/Yekaterinburg",
    40: "Asia/Karachi",
    41: "Asia/Kolkata",
    42: "Asia/Colombo",
    43: "Asia/Almaty",
    44: "Asia/Bangkok",
    45: "Asia/Shanghai",
    46: "Australia/Perth",
    47: "Asia/Singapore",
    48: "Asia/Taipei",
    49: "Asia/Tokyo",
    50: "Asia/Seoul",
    51: "Asia/Yakutsk",
    52: "Australia/Adelaide",
    53: "Australia/Darwin",
    54: "Australia/Brisbane",
    55: "Australia/Sydney",
    56: "Pacific/Guam",
    57: "Australia/Hobart",
    58: "Asia/Vladivostok",
    59: "Pacific/Guadalcanal",
    60: "Pacific/Auckland",
    61: "Pacific/Fiji",
}


def zone_name_sql(column: str) -> str:
    """A SQL expression (SQLite and PostgreSQL alike) giving the IANA name of
    the integer zone id in ``column``, NULL for an unknown id. The names are
    the constants above (no quotes in them), so they are written inline."""
    cases = " ".join(f"WHEN {zone_id} THEN '{name}'" for zone_id, name in LEGACY_ZONE_IDS.items())
    return f"CASE {column} {cases} ELSE NULL END"

# vie 4 dic 2026, 22:58 (month abbreviations in lower case, as Spanish writes them)
DATE_FORMAT = "D j b Y"
DATETIME_FORMAT = "D j b Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = "D j b"

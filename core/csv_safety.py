"""Text written into CSV files that people open in a spreadsheet."""


def csv_safe(text: str) -> str:
    """A leading =, +, - or @ would run as a formula in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

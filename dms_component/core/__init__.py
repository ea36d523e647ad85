"""The pure core: names, required records, record parsers and verdicts. No I/O here."""

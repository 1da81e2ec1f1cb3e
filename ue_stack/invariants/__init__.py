"""The invariants of FORMATS.md section 3, as pure functions over exchange-log records."""

"""Upper layers above NAS: the AKMA client of each application (TS 24.501 4.21)."""

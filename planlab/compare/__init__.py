"""``planlab compare``: command, narrative, report section and figures."""

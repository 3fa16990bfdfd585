"""``planlab optimize``: command, files and report, figures."""

"""``planlab review``, ``checkin`` and ``history``: commands, files, report, figures, history store."""

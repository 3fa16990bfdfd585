"""``planlab simulate``, ``demo`` and ``validate``: command, tables, report, figures, workbook."""

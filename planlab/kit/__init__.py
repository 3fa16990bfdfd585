"""Shared tools of every command: HTML page and tables, number formats, plot style,
Excel writer, file writing and manifest, command-line options and progress."""

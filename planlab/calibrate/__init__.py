"""``planlab calibrate``: fit the fast engine to the pipeline or a CRM export."""

"""``planlab schema``: the JSON Schema of scenario files and the scenario reference."""

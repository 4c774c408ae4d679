"""One package per data provider."""

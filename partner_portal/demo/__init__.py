"""The demo world: a populated portal that shows every feature."""

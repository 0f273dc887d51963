"""Licensing: license counts, usage series, the usage import and the trend charts."""

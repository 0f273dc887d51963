"""Notifications to organizations' administrators (records; the center comes later)."""

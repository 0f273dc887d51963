"""Insights over the licensing data: the customer health score, forecasts and what-if."""

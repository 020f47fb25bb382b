"""Indicator reports from enterprises and departments, and the effective figure per period."""

"""Demonstration bases (创业创新基地): kinds and their standards, filing, admission, KPIs, exit."""

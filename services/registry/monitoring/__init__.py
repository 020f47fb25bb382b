"""Targets and progress monitoring by district and for the city."""

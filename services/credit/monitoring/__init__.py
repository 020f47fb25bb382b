"""Monitoring for banks: webhooks on an enterprise's rating, records and list changes."""

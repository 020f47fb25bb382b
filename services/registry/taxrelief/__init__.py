"""Quarterly tax and fee relief figures filed by the tax departments."""

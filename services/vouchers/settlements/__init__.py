"""Settlements: monthly runs paying providers their redemptions (net of clawbacks)."""

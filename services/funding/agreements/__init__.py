"""Bank agreements: per partner bank, effective-dated terms of the 助保贷 risk pool."""

"""The public ledger: every paid disbursement in a hash chain, signed checkpoints, 360Giving downloads."""

"""Expiry: vouchers past their last valid day give their unused balance back to the budget."""

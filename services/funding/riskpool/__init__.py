"""The 助保贷 risk-compensation pool: deposits, guaranteed loans, defaults, compensation, recoveries."""

"""The credit service's rule families (kept by the kernel's rules as data)."""

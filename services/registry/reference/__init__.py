"""Read-only reference data: districts, industries, the plan's baseline and targets."""

"""Year-end acceptance (验收) of demonstration bases: passed or failed, per base and year."""

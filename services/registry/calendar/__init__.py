"""The working-day calendar: official holidays, days recorded on top, years known."""

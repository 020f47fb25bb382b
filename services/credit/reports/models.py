"""Reports keep no table of their own: a report is assembled when read, and every read (or
refusal) is a row of the query log, `services.credit.queries.models.CreditQuery`."""

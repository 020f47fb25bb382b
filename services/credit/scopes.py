"""The credit service's scopes (the gateway's catalogue describes them; its route table must agree)."""

READ = "credit:read"
WRITE = "credit:write"
REPORTS = "credit:reports"
CONSENT = "credit:consent"
RESOLVE = "credit:resolve"
ADMIN = "credit:admin"

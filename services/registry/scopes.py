"""The registry's scopes (the gateway's catalogue describes them; its route table must agree)."""

READ = "registry:read"
WRITE = "registry:write"
REPORT = "registry:report"
ADMIN = "registry:admin"

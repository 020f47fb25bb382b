"""The funding service's scopes (the gateway's catalogue describes them; its route table must agree)."""

READ = "funding:read"
APPLY = "funding:apply"
LOANS = "funding:loans"
ACCEPT = "funding:accept"
ADMIN = "funding:admin"

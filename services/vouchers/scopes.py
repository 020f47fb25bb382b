"""The vouchers service's scopes (the gateway's catalogue describes them; its route table must agree)."""

READ = "vouchers:read"
APPLY = "vouchers:apply"
PROVIDE = "vouchers:provide"
ADMIN = "vouchers:admin"

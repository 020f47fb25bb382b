"""Department remits: which enterprise fields each department may change, which records it files.

The default remits are frozen here as literals; administrators replace them through
`PUT /v1/remits/{department}`.

Revision ID: registry_0008
Revises: registry_0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0008"
down_revision: str | None = "registry_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REGISTRATION = [
    "name",
    "district",
    "industry",
    "founded_on",
    "registered_capital_fen",
    "legal_representative",
    "contact",
]
_ALL_FIELDS = [
    "name",
    "district",
    "industry",
    "founded_on",
    "registered_capital_fen",
    "employees",
    "revenue_fen",
    "assets_fen",
    "is_tech_sme",
    "founder_graduated_on",
    "legal_representative",
    "contact",
]
_TAX = (["revenue_fen", "assets_fen"], ["indicator_report", "tax_relief_filing"])

# department → (fields it may change, record types it may file)
DEFAULT_REMITS: dict[str, tuple[list[str], list[str]]] = {
    # market regulation (工商): the register's identity, filings and deregistrations
    "business_registration": (_REGISTRATION, ["enterprise_filing", "deregistration"]),
    # the SME bureau runs the programme and keeps the register as a whole
    "sme_bureau": (_ALL_FIELDS, ["enterprise_filing", "deregistration"]),
    "tax": _TAX,
    "state_tax": _TAX,
    "local_tax": _TAX,
    "statistics": (["employees", "revenue_fen", "assets_fen"], ["indicator_report"]),
    "science": (["is_tech_sme"], ["indicator_report"]),
    "hr": (["employees", "founder_graduated_on"], ["indicator_report"]),
}


def upgrade() -> None:
    remits = op.create_table(
        "department_remits",
        sa.Column("department", sa.String(40), primary_key=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)
    op.bulk_insert(
        remits,
        [
            {
                "department": department,
                "fields": fields,
                "records": records,
                "version": 1,
                "updated_by": "migration",
                "updated_at": at,
            }
            for department, (fields, records) in DEFAULT_REMITS.items()
        ],
    )


def downgrade() -> None:
    op.drop_table("department_remits")

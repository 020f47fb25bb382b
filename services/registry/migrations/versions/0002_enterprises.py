"""Reference data (districts, industries), enterprises, their change history, bulk imports.

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.registry.reference.districts import DISTRICTS
from services.registry.reference.industries import DIVISIONS, GROUPS, SECTIONS

revision: str = "registry_0002"
down_revision: str | None = "registry_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    districts = op.create_table(
        "districts",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(40), nullable=False, unique=True),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("admin_code", sa.String(6), nullable=True),
        sa.Column("matching_city", sa.Integer, nullable=False),
        sa.Column("matching_district", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    industries = op.create_table(
        "industries",
        sa.Column("code", sa.String(4), primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("section", sa.String(1), nullable=False),
        sa.Column("parent", sa.String(4), nullable=True),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
    )
    op.bulk_insert(
        districts,
        [
            {
                "code": d.code,
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "kind": d.kind.value,
                "admin_code": d.admin_code,
                "matching_city": d.matching.city,
                "matching_district": d.matching.district,
                "position": i,
            }
            for i, d in enumerate(DISTRICTS)
        ],
    )
    op.bulk_insert(
        industries,
        [
            {"code": s.code, "level": "section", "section": s.code, "parent": None,
             "name_zh": s.name_zh, "name_en": s.name_en}
            for s in SECTIONS
        ]
        + [
            {"code": d.code, "level": "division", "section": d.section, "parent": d.section,
             "name_zh": d.name_zh, "name_en": d.name_en}
            for d in DIVISIONS
        ]
        + [
            {"code": g.code, "level": "group",
             "section": next(d.section for d in DIVISIONS if d.code == g.division),
             "parent": g.division, "name_zh": g.name_zh, "name_en": g.name_en}
            for g in GROUPS
        ],
    )

    op.create_table(
        "enterprises",
        sa.Column("uscc", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(40), sa.ForeignKey("districts.code"), nullable=False),
        sa.Column("industry", sa.String(4), nullable=False),
        sa.Column("industry_section", sa.String(1), nullable=False),
        sa.Column("industry_division", sa.String(2), nullable=False),
        sa.Column("founded_on", sa.Date, nullable=False),
        sa.Column("registered_capital_fen", sa.BigInteger, nullable=False),
        sa.Column("employees", sa.Integer, nullable=False),
        sa.Column("revenue_fen", sa.BigInteger, nullable=False),
        sa.Column("assets_fen", sa.BigInteger, nullable=True),
        sa.Column("size_class", sa.String(8), nullable=False),
        sa.Column("is_tech_sme", sa.Boolean, nullable=False),
        sa.Column("founder_graduated_on", sa.Date, nullable=True),
        sa.Column("legal_rep_name", sa.String(100), nullable=False),
        sa.Column("legal_rep_id_hash", sa.String(64), nullable=False),
        sa.Column("legal_rep_id_masked", sa.String(18), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deregistered_at", TS, nullable=True),
        sa.Column("deregistration_reason", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_by", sa.String(80), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("import_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_enterprises_district", "enterprises", ["district"])
    op.create_index("ix_enterprises_industry_division", "enterprises", ["industry_division"])
    op.create_index("ix_enterprises_founded_on", "enterprises", ["founded_on"])
    # No index on size_class or status (a handful of values each) nor on the ID-number hash
    # (random keys): together they cost the bulk import a third of its write time.

    op.create_table(
        "enterprise_changes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("uscc", sa.String(18), sa.ForeignKey("enterprises.uscc"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.UniqueConstraint("uscc", "version", name="uq_enterprise_changes_version"),
    )

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False),
        sa.Column("processed_rows", sa.Integer, nullable=False),
        sa.Column("filed_rows", sa.Integer, nullable=False),
        sa.Column("existing_rows", sa.Integer, nullable=False),
        sa.Column("rejected_rows", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_table(
        "import_rejections",
        sa.Column("import_id", sa.String(40), sa.ForeignKey("import_jobs.id"), primary_key=True),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_rejections")
    op.drop_table("import_jobs")
    op.drop_table("enterprise_changes")
    op.drop_table("enterprises")
    op.drop_table("industries")
    op.drop_table("districts")

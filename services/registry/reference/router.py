"""Public, read-only reference data: the 14 districts and zones, GB/T 4754-2017 industries."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, select
from sqlmodel import col

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.pagination import Page
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.enterprises.models import DistrictRow, IndustryRow
from services.registry.reference.errors import DistrictNotFound

router = APIRouter(tags=["reference"], route_class=UnitOfWorkRoute)


class IndustryMatchPublic(BaseModel):
    """City money : district money (配套比例) as two integers and as the plan writes it."""

    city: int = Field(examples=[2])
    district: int = Field(examples=[3])
    label: str = Field(examples=["1:1.5"])


class DistrictPublic(BaseModel):
    """A district or zone responsible for its own targets and matching money."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "xiaodian",
                    "name_zh": "小店区",
                    "name_en": "Xiaodian District",
                    "kind": "city_district",
                    "admin_code": "140105",
                    "matching": {"city": 2, "district": 3, "label": "1:1.5"},
                }
            ]
        }
    )

    code: str
    name_zh: str
    name_en: str
    kind: str
    admin_code: str | None = Field(description="GB/T 2260 code; development zones have none.")
    matching: IndustryMatchPublic


class IndustryPublic(BaseModel):
    """A GB/T 4754-2017 section, division or group."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "65",
                    "level": "division",
                    "section": "I",
                    "parent": "I",
                    "name_zh": "软件和信息技术服务业",
                    "name_en": "Software and information technology services",
                }
            ]
        }
    )

    code: str
    level: Literal["section", "division", "group"]
    section: str
    parent: str | None
    name_zh: str
    name_en: str


def _label(city: int, district: int) -> str:
    ratio = district / city
    text = f"{ratio:.2f}".rstrip("0").rstrip(".")
    return f"1:{text}"


def _district(row: DistrictRow) -> DistrictPublic:
    return DistrictPublic(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        kind=row.kind,
        admin_code=row.admin_code,
        matching=IndustryMatchPublic(
            city=row.matching_city,
            district=row.matching_district,
            label=_label(row.matching_city, row.matching_district),
        ),
    )


@router.get(
    "/v1/districts",
    name="list_districts",
    summary="List the 14 districts and zones",
    description="Public: no token needed. Every unit in one page, in the plan's order.",
    response_model=Page[DistrictPublic],
    responses=problem_responses(422),
)
def list_districts(session: SessionDep) -> Page[DistrictPublic]:
    rows = session.execute(select(DistrictRow).order_by(col(DistrictRow.position))).scalars()
    return Page[DistrictPublic](items=[_district(row) for row in rows])


@router.get(
    "/v1/districts/{code}",
    name="get_district",
    summary="Read one district or zone",
    description="Public: no token needed.",
    response_model=DistrictPublic,
    responses=problem_responses(404),
)
def get_district(code: str, session: SessionDep) -> DistrictPublic:
    row = session.get(DistrictRow, code)
    if row is None:
        raise DistrictNotFound(f"No district {code}.")
    return _district(row)


@router.get(
    "/v1/industries",
    name="list_industries",
    summary="List GB/T 4754-2017 industries",
    description="Public: no token needed. Sections, all divisions, and the groups the size "
    "standard needs, in one page; filter by `level` or `section`.",
    response_model=Page[IndustryPublic],
    responses=problem_responses(422),
)
def list_industries(
    session: SessionDep,
    level: Annotated[Literal["section", "division", "group"] | None, Query()] = None,
    section: Annotated[str | None, Query(pattern="^[A-T]$")] = None,
) -> Page[IndustryPublic]:
    statement = select(IndustryRow).order_by(
        col(IndustryRow.section),
        case((col(IndustryRow.level) == "section", 0), else_=1),
        col(IndustryRow.code),
    )
    if level:
        statement = statement.where(col(IndustryRow.level) == level)
    if section:
        statement = statement.where(col(IndustryRow.section) == section)
    rows = session.execute(statement).scalars()
    return Page[IndustryPublic](
        items=[IndustryPublic.model_validate(row, from_attributes=True) for row in rows]
    )

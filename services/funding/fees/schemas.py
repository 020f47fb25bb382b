"""What the fee-list and fee-claim routes take and return."""

from datetime import date, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

FEE_CODE = r"^[a-z0-9][a-z0-9-]{1,59}$"

_ITEM_EXAMPLE: Any = {
    "code": "special-equipment-inspection",
    "item": "特种设备检验检测费",
    "department": "太原市质量技术监督局",
    "legal_basis": "《中华人民共和国特种设备安全法》",
}


class FeeItemCreate(BaseModel):
    """A fee put on the list of enterprise fees (admin)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ITEM_EXAMPLE]})

    code: str = Field(pattern=FEE_CODE, description="A stable code claims cite.")
    item: str = Field(min_length=1, max_length=200, description="The fee, as the list names it.")
    department: str = Field(min_length=1, max_length=200, description="Who charges it.")
    legal_basis: str = Field(min_length=1, max_length=1000, description="The law or document "
                             "that sets it.")  # fmt: skip


class FeeItemUpdate(BaseModel):
    """A change to a listed fee; `listed: false` takes it off the list (admin)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"listed": False}]})

    item: str | None = Field(default=None, min_length=1, max_length=200)
    department: str | None = Field(default=None, min_length=1, max_length=200)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=1000)
    listed: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class FeeItemPublic(BaseModel):
    """A fee of the list."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {**_ITEM_EXAMPLE, "listed": True, "version": 1,
                 "created_at": "2015-03-01T02:00:00Z", "updated_at": "2015-03-01T02:00:00Z"}
            ]
        },
    )  # fmt: skip

    code: str
    item: str
    department: str
    legal_basis: str
    listed: bool = Field(description="False once taken off the list.")
    version: int
    created_at: datetime
    updated_at: datetime


class FeeClaimCreate(BaseModel):
    """A listed fee the calling enterprise (or the one a portal acts for) paid."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"fee_code": "special-equipment-inspection", "receipt_no": "QTS-2015-0008812",
                 "paid_on": "2015-06-12", "amount_fen": 120_000}
            ]
        },
    )  # fmt: skip

    fee_code: str = Field(min_length=1, max_length=60, description="The fee's code on the list.")
    receipt_no: str = Field(pattern=r"^\S{1,64}$", description="The receipt's number.")
    paid_on: date = Field(description="The day the fee was paid.")
    amount_fen: int = Field(gt=0, le=10_000_000_000, description="What was paid, in fen.")


class FeeClaimPublic(BaseModel):
    """A reimbursed fee and the disbursement that pays it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"id": "fcl_01JD3Z8Q6T8V4N2M5K1H0G9F8E", "enterprise_uscc": "91140105MA0KDE119Q",
                 "enterprise_name": "太原矩阵科技有限公司",
                 "fee_code": "special-equipment-inspection", "fee_item": "特种设备检验检测费",
                 "receipt_no": "QTS-2015-0008812", "paid_on": "2015-06-12",
                 "amount_fen": 120_000, "account": "line:2015:other",
                 "disbursement_id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                 "claimed_by": "cli_portal", "actor": "cli_portal",
                 "created_at": "2015-06-20T02:00:00Z"}
            ]
        },
    )  # fmt: skip

    id: str
    enterprise_uscc: str
    enterprise_name: str
    fee_code: str
    fee_item: str
    receipt_no: str
    paid_on: date
    amount_fen: int = Field(description="Reimbursed in full.")
    account: str
    disbursement_id: str
    claimed_by: str
    actor: str | None
    created_at: datetime


class FeeClaimFilters(BaseModel):
    """Filters of the fee claim list."""

    model_config = ConfigDict(extra="forbid")

    enterprise: str | None = Field(default=None, max_length=18)
    fee: str | None = Field(default=None, max_length=60)

"""Schemas of budgets: the document an admin loads, and what the API shows of a loaded year."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

_PART = r"^[a-z][a-z0-9_-]*$"
_SOURCE = r"^(central|provincial|city|district:[A-Za-z0-9_-]+)$"
_MAX_FEN = 10**15

RECONCILIATION_RULE = (
    "A budget is reconciled explicitly: the sources' total must equal the lines' total (422 "
    "`budget_not_reconciled`), and a line's sub-lines must add up to the line's stated amount "
    "plus what `reconciliations` move into it, less what they move out of it (422 "
    "`budget_not_reconciled` naming the line, with the difference). A reconciliation moves a "
    "stated amount from one line to another with its reason, as a ledger transfer of its own, "
    "so every figure the document states is loaded exactly and every departure from it is a "
    "visible, explained transfer. The plan's 2015 budget states financing support as 2.87亿 "
    "while its ten financing measures add up to 2.871亿 (1.4 + 0.4 + 0.1 + 0.2 + 0.071 + 0.1 + "
    "0.1 + 0.2 + 0.2 + 0.1: the document rounds); it is loaded with the 10万 (10,000,000 fen) "
    "moved from the balancing reserve (平衡资金, 0.55亿 → 0.549亿) to financing support, so "
    "each measure gets its stated figure and the year still totals 8.1亿 by source and by use."
)


class BudgetSourceCreate(BaseModel):
    """Where money comes from: `central`, `provincial`, `city` or `district:<code>`."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=60, pattern=_SOURCE, examples=["central"])
    name: str = Field(min_length=1, max_length=200, examples=["中央资金"])
    amount_fen: int = Field(gt=0, le=_MAX_FEN)


class BudgetSubLineCreate(BaseModel):
    """A sub-line of a budget line (a measure with its own figure)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=_PART, examples=["guidance"])
    name: str = Field(min_length=1, max_length=200, examples=["融资引导专项资金"])
    amount_fen: int = Field(gt=0, le=_MAX_FEN)


class BudgetLineCreate(BaseModel):
    """A budget line (a use of money), optionally divided into sub-lines."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=_PART, examples=["financing"])
    name: str = Field(min_length=1, max_length=200, examples=["融资支持资金"])
    amount_fen: int = Field(gt=0, le=_MAX_FEN, description="The figure the document states.")
    sub_lines: list[BudgetSubLineCreate] = Field(default_factory=list, max_length=100)


class BudgetReconciliationCreate(BaseModel):
    """An explained move of money between two lines of the document."""

    model_config = ConfigDict(extra="forbid")

    from_line: str = Field(min_length=1, max_length=40, pattern=_PART)
    to_line: str = Field(min_length=1, max_length=40, pattern=_PART)
    amount_fen: int = Field(gt=0, le=_MAX_FEN)
    reason: str = Field(min_length=1, max_length=500)


class BudgetCreate(BaseModel):
    """A year's budget: sources, lines (and sub-lines), and explicit reconciliations."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2016,
                    "title": "2016年城市示范财政专项资金预算",
                    "sources": [
                        {"code": "central", "name": "中央资金", "amount_fen": 30_000_000_000},
                        {"code": "city", "name": "市级配套资金", "amount_fen": 39_000_000_000},
                    ],
                    "lines": [
                        {
                            "code": "space",
                            "name": "创业创新空间房租补贴资金",
                            "amount_fen": 40_000_000_000,
                        },
                        {
                            "code": "financing",
                            "name": "融资支持资金",
                            "amount_fen": 29_000_000_000,
                            "sub_lines": [
                                {
                                    "code": "zhubaodai-pool",
                                    "name": "助保贷风险补偿资金池",
                                    "amount_fen": 4_500_000_000,
                                },
                                {
                                    "code": "other",
                                    "name": "其他融资措施",
                                    "amount_fen": 24_500_000_000,
                                },
                            ],
                        },
                    ],
                    "reconciliations": [],
                }
            ]
        },
    )

    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    sources: list[BudgetSourceCreate] = Field(min_length=1, max_length=50)
    lines: list[BudgetLineCreate] = Field(min_length=1, max_length=50)
    reconciliations: list[BudgetReconciliationCreate] = Field(default_factory=list, max_length=50)


class BudgetSourcePublic(BaseModel):
    """A source of the year's money and its ledger account."""

    code: str
    account: str
    name: str
    amount_fen: int


class BudgetSubLinePublic(BaseModel):
    """A sub-line: its figure and its account's balance now."""

    code: str
    account: str
    name: str
    amount_fen: int
    balance_fen: int


class BudgetLinePublic(BaseModel):
    """A line: the stated figure, what reconciliations moved, what it was funded with."""

    code: str
    account: str
    name: str
    stated_fen: int = Field(description="The figure the document states.")
    reconciled_fen: int = Field(description="Moved in (+) or out (−) by reconciliations.")
    funded_fen: int = Field(description="stated + reconciled: what the line and its sub-lines got.")
    balance_fen: int = Field(description="The line account's balance now (after sub-lines).")
    sub_lines: list[BudgetSubLinePublic]


class BudgetPublic(BaseModel):
    """A loaded year: totals by source and by use (equal), lines, reconciliations, transfers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "title": "2015年城市示范财政专项资金预算",
                    "total_fen": 81_000_000_000,
                    "by_source_fen": 81_000_000_000,
                    "by_use_fen": 81_000_000_000,
                    "sources": [
                        {
                            "code": "central",
                            "account": "source:central",
                            "name": "中央资金",
                            "amount_fen": 38_000_000_000,
                        }
                    ],
                    "lines": [
                        {
                            "code": "other",
                            "account": "line:2015:other",
                            "name": "其他资金",
                            "stated_fen": 1_000_000_000,
                            "reconciled_fen": 0,
                            "funded_fen": 1_000_000_000,
                            "balance_fen": 1_000_000_000,
                            "sub_lines": [],
                        }
                    ],
                    "reconciliations": [],
                    "transfer_ids": ["trf_01JD3Z8Q6T8V4N2M5K1H0G9F8E"],
                    "loaded_by": "cli_demo_admin",
                    "loaded_at": "2026-11-30T08:00:00Z",
                }
            ]
        }
    )

    year: int
    title: str
    total_fen: int
    by_source_fen: int
    by_use_fen: int
    sources: list[BudgetSourcePublic]
    lines: list[BudgetLinePublic]
    reconciliations: list[BudgetReconciliationCreate]
    transfer_ids: list[str]
    loaded_by: str
    loaded_at: datetime

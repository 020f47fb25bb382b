"""What the funding service keeps of enterprises: the register's facts and the dishonesty list."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

ACTIVE, DEREGISTERED = "active", "deregistered"


class FundingEnterprise(SQLModel, table=True):
    """An enterprise as the registry's feed (and the credit feed's dishonesty list) last said."""

    __tablename__ = "funding_enterprises"

    uscc: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=200)
    district: str = Field(max_length=40, index=True)
    industry: str | None = Field(default=None, max_length=8)
    founded_on: date = Field(sa_type=Date)
    size_class: str = Field(max_length=8)
    is_tech_sme: bool = False
    employees: int | None = None
    registered_capital_fen: int | None = Field(default=None, sa_type=BigInteger)
    # The founder's graduation day, when the registry has it: the financing issue's interest
    # subsidy is for university graduates within three years of graduating.
    founder_graduated_on: date | None = Field(default=None, sa_type=Date)
    status: str = Field(default=ACTIVE, max_length=16)
    version: int = 1
    on_dishonesty_list: bool = False
    updated_at: datetime = utc_column()
    listed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FundingDishonestyListing(SQLModel, table=True):
    """One serious-dishonesty record as the credit feed last said (listed, ended, cleared).

    Kept per record, independent of the register's replica (the two feeds arrive in any order):
    an enterprise is on the list on a day while any of its records lists it that day.
    """

    __tablename__ = "funding_dishonesty_listings"

    record_id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, index=True)
    listed_on: date = Field(sa_type=Date)
    # The day the listing ends by itself (credit sends no event then), if known.
    ended_on: date | None = Field(default=None, sa_type=Date)
    # The day credit removed it (`dishonesty.cleared`: repaired, withdrawn, corrected, ended).
    cleared_on: date | None = Field(default=None, sa_type=Date)
    updated_at: datetime = utc_column()

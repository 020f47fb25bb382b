"""The story's steps in order: (what the step is called, the function telling it)."""

from collections.abc import Callable

from tools.demo.steps.credit import bank_reads_a_credit_report, certification_round
from tools.demo.steps.funding import (
    base_acceptance,
    four_eyes_payment,
    pay_settlements,
    public_ledger_verifies,
    reward_run,
)
from tools.demo.steps.registry import (
    departments_file_indicators_and_records,
    monitoring_progress,
    portal_files_enterprises,
)
from tools.demo.steps.vouchers import enterprise_gets_a_voucher, provider_redeems_part, settlement
from tools.demo.story import Story

STEPS: tuple[tuple[str, Callable[[Story], None]], ...] = (
    ("a portal files enterprises", portal_files_enterprises),
    ("departments file indicators and credit records", departments_file_indicators_and_records),
    ("a bank reads a credit report with consent", bank_reads_a_credit_report),
    ("an enterprise gets a 创新券", enterprise_gets_a_voucher),
    ("a provider redeems part of it", provider_redeems_part),
    ("settlement", settlement),
    ("payment of settlements", pay_settlements),
    ("a base's year-end acceptance", base_acceptance),
    ("the reward run (dry run, then commit)", reward_run),
    ("four-eyes approval and payment", four_eyes_payment),
    ("the public ledger verifies", public_ledger_verifies),
    ("monitoring against the 2015 targets", monitoring_progress),
    ("the 诚信企业 round", certification_round),
)

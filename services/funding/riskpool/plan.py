"""The plan's 助保贷 risk pool (六(二)1, 3.67亿 by 2017), as data, in fen.

0.4 / 0.45 / 0.5亿 are added in 2015 / 2016 / 2017 "on top of the existing stock", 3.67亿 in all,
so the stock before 2015 is 3.67 − 0.4 − 0.45 − 0.5 = 2.32亿. Where each comes from:
- the stock: `source:city` (city money put in before the demonstration; no budget of ours);
- 2015: the 2015 budget's sub-line `line:2015:financing:zhubaodai-pool` (0.4亿, loaded by
  `plan2015.py`), which the deposit empties;
- 2016, 2017: `source:city` until those years' budgets are loaded (no sub-line exists for them;
  `riskpool.service.deposit_source` takes the year's sub-line as soon as a budget has one).
"""

from services.funding.riskpool.schemas import RiskPoolDepositCreate

YI = 10_000_000_000  # 1亿 in fen

PLAN_DEPOSITS: list[tuple[str, RiskPoolDepositCreate]] = [
    (
        "plan:risk-pool:stock",
        RiskPoolDepositCreate(
            year=2014,
            kind="stock",
            amount_fen=232 * YI // 100,
            memo="“助保贷”风险补偿资金池: existing stock before 2015 (3.67亿 − 1.35亿 = 2.32亿)",
        ),
    ),
    *(
        (
            f"plan:risk-pool:{year}",
            RiskPoolDepositCreate(
                year=year,
                kind="yearly",
                amount_fen=amount,
                memo=f"“助保贷”风险补偿资金池: {year} deposit",
            ),
        )
        for year, amount in ((2015, 40 * YI // 100), (2016, 45 * YI // 100), (2017, 50 * YI // 100))
    ),
]

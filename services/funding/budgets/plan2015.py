"""The plan's 2015 budget (太原市城市示范实施方案, 七(二) and 六(二)1), as data, in fen.

亿 = 100,000,000 yuan = 10,000,000,000 fen; 万 = 10,000 yuan = 1,000,000 fen.
8.1亿 = central 3.8 + city 4 + provincial 0.3; by use: space rent subsidies 2.4, public
services 2.18, financing support 2.87, other 0.1, balancing reserve 0.55. The ten financing
measures of 六(二)1 add up to 2.871亿 against the stated 2.87亿 (the document rounds): the 10万
difference is moved from the balancing reserve to financing support by an explicit
reconciliation, so every measure and every stated line figure is loaded exactly.
"""

from services.funding.budgets.schemas import BudgetCreate

YI = 10_000_000_000  # 1亿 in fen
WAN = 1_000_000  # 1万 in fen


def _yi(tenths_of_thousandths: int) -> int:
    """An amount given in 0.001亿 (10万) steps, in fen."""
    return tenths_of_thousandths * YI // 1000


FINANCING_MEASURES = [
    ("guidance", "融资引导专项资金（切块，区县配套）", _yi(1400)),
    ("zhubaodai-pool", "“助保贷”风险补偿铺底资金池", _yi(400)),
    ("zhubaodai-bridge", "“助保贷”应急周转保障资金", _yi(100)),
    ("guarantee-risk", "融资性担保机构风险补偿资金", _yi(200)),
    ("equity-exchange", "太原市股权托管交易中心改革", 710 * WAN),
    ("neeq", "“新三板”企业引导资金", _yi(100)),
    ("internet-finance", "互联网金融发展资金", _yi(100)),
    ("guarantee-capital", "担保扶持财政专项资金", _yi(200)),
    ("startup-fund", "小微企业创业基金", _yi(200)),
    ("graduate-interest", "大学生创业贷款基准利率贴息资金", _yi(100)),
]
RECONCILIATION_FEN = 10 * WAN  # 2.871亿 − 2.87亿


def budget_2015() -> BudgetCreate:
    """The 2015 budget document, reconciled."""
    return BudgetCreate.model_validate(
        {
            "year": 2015,
            "title": "2015年城市示范财政专项资金预算（8.1亿元）",
            "sources": [
                {"code": "central", "name": "中央奖励资金", "amount_fen": _yi(3800)},
                {"code": "city", "name": "市级配套资金", "amount_fen": _yi(4000)},
                {"code": "provincial", "name": "省级配套资金", "amount_fen": _yi(300)},
            ],
            "lines": [
                {"code": "space", "name": "创业创新空间房租补贴资金", "amount_fen": _yi(2400)},
                {"code": "public-services", "name": "公共服务资金", "amount_fen": _yi(2180)},
                {
                    "code": "financing",
                    "name": "融资支持资金",
                    "amount_fen": _yi(2870),
                    "sub_lines": [
                        {"code": code, "name": name, "amount_fen": amount}
                        for code, name, amount in FINANCING_MEASURES
                    ],
                },
                {"code": "other", "name": "其他资金", "amount_fen": _yi(100)},
                {"code": "balancing", "name": "平衡资金", "amount_fen": _yi(550)},
            ],
            "reconciliations": [
                {
                    "from_line": "balancing",
                    "to_line": "financing",
                    "amount_fen": RECONCILIATION_FEN,
                    "reason": "七(二) states financing support as 2.87亿 (rounded); its ten "
                    "measures in 六(二)1 add up to 2.871亿. The 10万 difference comes from the "
                    "balancing reserve (平衡资金), so each measure is funded at its stated figure "
                    "and 8.1亿 is unchanged.",
                }
            ],
        }
    )

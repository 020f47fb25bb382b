"""Registry steps: a portal files enterprises, departments report figures, progress."""

from tools.demo.client import Answer
from tools.demo.figures import today_shanghai, uscc, yuan
from tools.demo.story import PLAN_YEAR, Story

FILINGS = (  # (district, division code, name, industry, employees, revenue_fen, tech SME)
    ("xiaodian", "140105", "太原晋阳智造科技有限公司", "I65", 18, 260_000_000, True),
    ("yingze", "140106", "太原汾河检测技术有限公司", "M75", 9, 85_000_000, True),
    ("xinghualing", "140107", "太原杏花岭文创设计有限公司", "L72", 6, 40_000_000, False),
)


def portal_files_enterprises(s: Story) -> None:
    """The portal files three new enterprises; the office gives the first its own key."""
    usccs = []
    for n, (district, division, name, industry, employees, revenue, tech) in enumerate(FILINGS):
        code = uscc(s.run, n, division)
        filed = s.call(
            "registry_file_enterprise",
            client=s.as_("portal"),
            body=s.api.body(
                "EnterpriseCreate",
                {
                    "uscc": code,
                    "name": name,
                    "district": district,
                    "industry": industry,
                    "founded_on": "2014-05-20",
                    "registered_capital_fen": 50_000_000,
                    "employees": employees,
                    "revenue_fen": revenue,
                    "assets_fen": revenue // 2,
                    "is_tech_sme": tech,
                    "legal_representative": {"name": "张演示", "id_number": "140105198001010011"},
                },
            ),
            x_on_behalf_of=code,
            idempotency_key=s.key(f"file-{n}"),
            ok=(201,),
        ).parsed
        usccs.append(code)
        s.say(
            f"filed {code} {filed.name} ({district}, {filed.size_class.value}, "
            f"{employees} employees, revenue {yuan(revenue)})"
        )
    s.found["usccs"] = usccs
    created = s.call(
        "create_client",
        client=s.as_("admin"),
        body=s.api.body(
            "ClientCreate",
            {
                "name": f"{FILINGS[0][2]} (demo {s.run})",
                "kind": "enterprise",
                "org": usccs[0],
                "issue_api_key": True,
            },
        ),
        ok=(201,),
    ).parsed
    s.keys["new_enterprise"] = created.api_key.key
    s.say(f"the office issued {usccs[0]} its own API key (client {created.client.id})")


def departments_file_indicators_and_records(s: Story) -> None:
    """The tax bureau reports the enterprise's figures and files a grade-A tax record."""
    code, last_year = s.found["usccs"][0], today_shanghai().year - 1
    revenue, employees = FILINGS[0][5], FILINGS[0][4]
    for year in (PLAN_YEAR, last_year):
        reported = s.call(
            "registry_report_indicators",
            code,
            client=s.as_("department"),
            body=s.api.body(
                "IndicatorReportCreate",
                {
                    "year": year,
                    "source": "tax",
                    "revenue_fen": revenue,
                    "assets_fen": revenue // 2,
                    "employees": employees,
                },
            ),
            idempotency_key=s.key(f"indicators-{year}"),
        )
        s.say(
            f"tax bureau reported {code}'s {year}: revenue {yuan(revenue)}, "
            f"{employees} employees (HTTP {reported.status})"
        )
    record = {
        "type": "tax_a_rating",
        "uscc": code,
        "reference": f"并税信〔{last_year}〕A-{s.run}",
        "occurred_on": f"{last_year}-04-01",
        "title": f"{last_year}年度纳税信用A级",
        "evidence_url": f"https://shanxi.chinatax.gov.cn/credit/a/{last_year}",
    }

    attempts = iter(range(1_000_000))

    def file() -> Answer | None:
        answer = s.call(
            "credit_file_credit_records",
            client=s.as_("department"),
            body=s.api.body("CreditRecordBatchCreate", {"records": [record]}),
            idempotency_key=s.key(f"records-{next(attempts)}"),
            ok=(200, 201, 404, 422),
        )
        return answer if answer.status in (200, 201) else None

    filed = s.until(f"the credit service to know {code}", file)
    s.say(
        f"tax bureau filed credit record {record['reference']} ({record['title']}): "
        f"HTTP {filed.status}"
    )


def monitoring_progress(s: Story) -> None:
    """Progress of the city against the plan's 2015 targets."""
    report = s.call(
        "registry_get_monitoring_progress", client=s.as_("department"), year=PLAN_YEAR
    ).parsed
    city = report.units[-1]
    for label, metric, money in (
        ("revenue", city.revenue_fen, True),
        ("new jobs", city.new_jobs, False),
        ("tech contract turnover", city.tech_contract_turnover_fen, True),
        ("patents held", city.patents_held, False),
    ):
        show = yuan if money else (lambda n: f"{n:,}")
        actual = "—" if metric.actual is None else show(metric.actual)
        done = "" if metric.completion_percent is None else f" ({metric.completion_percent}%)"
        s.say(
            f"{city.name_zh} {label}: target {show(metric.target)}, actual {actual}{done}, "
            f"{metric.reporting_enterprises} reporting"
        )

"""Credit steps: a consented credit report and its query log, the 诚信企业 round."""

import re

from tools.demo.client import CallFailed
from tools.demo.figures import today_shanghai
from tools.demo.story import StepFailed, Story, text

DEMO_BANK, PURPOSE = "JSB", "pre_loan_review"
CERTIFICATION_RULES = "rls_credit_certification_v1"
ROUND_ID = re.compile(r"crd_[0-9A-Z]{26}")


def bank_reads_a_credit_report(s: Story) -> None:
    """The enterprise consents, the bank reads its report, the enterprise sees the query."""
    code = s.found["usccs"][0]
    consent = s.call(
        "credit_grant_consent",
        client=s.as_("new_enterprise"),
        body=s.api.body("ConsentCreate", {"bank": DEMO_BANK, "purpose": PURPOSE}),
        idempotency_key=s.key("consent"),
        ok=(201,),
    ).parsed
    s.say(f"{code} consented to {DEMO_BANK} for {PURPOSE} until {consent.expires_on}")
    report = s.call(
        "credit_read_credit_report",
        code,
        client=s.as_("bank"),
        purpose=s.enum("ConsentPurpose", PURPOSE),
    ).parsed
    grade = getattr(report.rating, "grade", None)
    s.say(
        f"{DEMO_BANK} read report {report.id}: {len(report.records)} record(s), "
        f"rating {grade or 'not rated yet'}"
    )
    queries = s.call(
        "credit_list_enterprise_credit_queries", code, client=s.as_("new_enterprise")
    ).parsed
    seen = [
        f"{q.bank} for {text(q.purpose)}, {text(q.outcome)}, at {q.at:%H:%M:%S}"
        for q in queries.items
    ]
    if not seen:
        raise StepFailed(f"{code} sees no query of its report")
    s.say(f"{code} sees {len(seen)} query of its report: {seen[0]}")


def certification_round(s: Story) -> None:
    """The year's 诚信企业 round: opened (or the one opened already), candidates, notice."""
    admin, year = s.as_("admin"), today_shanghai().year
    opened = s.call(
        "credit_open_certification_round",
        client=admin,
        body=s.api.body(
            "CertificationRoundCreate", {"year": year, "rule_set_id": CERTIFICATION_RULES}
        ),
        idempotency_key=s.key("round"),
        ok=(201, 409),
    )
    if opened.status == 201:
        round_id = opened.parsed.id
        s.say(f"opened the {year} round {round_id} ({CERTIFICATION_RULES})")
    else:  # the problem names the year's round: carry it on
        named = ROUND_ID.search(str(opened.parsed.detail))
        if opened.code != "certification_round_year_taken" or named is None:
            raise CallFailed("credit_open_certification_round", opened.status, str(opened.content))
        round_id = named.group(0)
        s.say(f"the {year} round exists already: {round_id}")
    current = s.call("credit_get_certification_round", round_id, client=admin).parsed
    if text(current.stage) == "opened":
        current = s.call("credit_compute_certification_candidates", round_id, client=admin).parsed
    certified = [c for c in current.candidates if text(c.status) != "removed"]
    s.say(
        f"{len(current.candidates)} enterprise(s) considered by the rules, "
        f"{len(certified)} candidate(s): {', '.join(c.name for c in certified[:3])}"
        + ("…" if len(certified) > 3 else "")
    )
    if text(current.stage) == "candidates":
        current = s.call(
            "credit_publish_certification_notice",
            round_id,
            client=admin,
            body=s.api.body("CertificationNoticeCreate", {"days": 7}),
        ).parsed
    if text(current.stage) == "notice" and current.notice_until < today_shanghai().date():
        current = s.call("credit_finalise_certification_round", round_id, client=admin).parsed
    if text(current.stage) == "final":
        s.say(f"the {year} list is final ({current.finalised_at})")
    else:
        s.say(
            f"public notice {current.notice_from} – {current.notice_until}: objections "
            f"until then, the office finalises the list after it closes"
        )

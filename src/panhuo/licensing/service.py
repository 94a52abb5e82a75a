"""Open licensing: declarations (draft → filed → published → withdrawn), their eligibility checks, and the
licences taken under them. Keyword-only, session first, never commits.

Other features call :func:`active_open_licence_since` (fees: the 15 % open-licence reduction).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from panhuo.licensing import rules
from panhuo.licensing.lifecycle import NotFound, audit, get_or_raise, move
from panhuo.licensing.models import Contract, ContractPatent, Declaration, OpenLicence
from panhuo.licensing.policy import open_licence_policy
from panhuo.licensing.rules import FieldError, LicensingError, RuleViolation
from panhuo.patents.models import LegalEvent, Patent

STANDING = ("filed", "published")  # a declaration that blocks exclusive and sole licences
EXCLUSIVE_TYPES = ("exclusive", "sole")


def active_open_licence_since(*, db_session: Session, patent_id: int, on: date | None = None) -> date | None:
    """Publication date of the open-licence declaration in force for the patent on ``on`` (default today),
    or None. A withdrawal ends it from the day the withdrawal is published."""
    day = on or date.today()
    stmt = (select(Declaration.published_on)
            .where(Declaration.patent_id == patent_id, Declaration.published_on.is_not(None),
                   Declaration.published_on <= day,
                   or_(Declaration.withdrawn_on.is_(None), Declaration.withdrawn_on > day))
            .order_by(Declaration.published_on.desc()).limit(1))
    return db_session.scalar(stmt)


def get(*, db_session: Session, declaration_id: int) -> Declaration | None:
    return db_session.get(Declaration, declaration_id)


def list_declarations(*, db_session: Session, status: str | None = None, patent_id: int | None = None,
                      limit: int = 200) -> list[Declaration]:
    stmt = select(Declaration).order_by(Declaration.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Declaration.status == status)
    if patent_id is not None:
        stmt = stmt.where(Declaration.patent_id == patent_id)
    return list(db_session.scalars(stmt))


def standing_declaration(*, db_session: Session, patent_id: int) -> Declaration | None:
    """The filed or published declaration on the patent, if any."""
    stmt = select(Declaration).where(Declaration.patent_id == patent_id, Declaration.status.in_(STANDING))
    return db_session.scalars(stmt.limit(1)).first()


def patent_expiry(patent: Patent) -> date | None:
    """Expiry from the record, else the statutory term from the filing date (专利法 Art. 42)."""
    if patent.expiry_date:
        return patent.expiry_date
    if patent.filing_date and patent.patent_type:
        from panhuo.patents.enums import TERM_YEARS, PatentType

        years = TERM_YEARS.get(PatentType(patent.patent_type))
        return rules.add_months(patent.filing_date, 12 * years) if years else None
    return None


def owners(patent: Patent) -> list[str]:
    """Current patentees (else the applicants) by name."""
    found = patent.parties_in("patentee") or patent.parties_in("applicant")
    return [pp.party.name for pp in found]


def exclusive_licences_in_force(*, db_session: Session, patent_id: int, on: date) -> list[str]:
    """References of exclusive or sole licences in force: workspace contracts and recorded register events."""
    stmt = (select(Contract).join(ContractPatent, ContractPatent.contract_id == Contract.id)
            .where(ContractPatent.patent_id == patent_id, Contract.kind == "licence",
                   Contract.licence_type.in_(EXCLUSIVE_TYPES), Contract.status.in_(("signed", "recorded")),
                   or_(Contract.term_end.is_(None), Contract.term_end >= on)))
    found = [f"contract {c.id} ({c.licence_type}, {c.licensee_name})" for c in db_session.scalars(stmt)]
    events = db_session.scalars(select(LegalEvent).where(LegalEvent.patent_id == patent_id,
                                                         LegalEvent.kind == "licence"))
    for event in events:
        kind = str(event.details.get("licence_type", "")).lower()
        ends = event.details.get("expiry")
        if kind in EXCLUSIVE_TYPES + ("独占", "排他") and (not ends or str(ends) >= on.isoformat()):
            found.append(f"recorded licence {event.event_date} ({kind}, {event.counterparty})")
    return found


def _pledged(db_session: Session, patent_id: int) -> bool:
    kinds = list(db_session.scalars(select(LegalEvent.kind).where(
        LegalEvent.patent_id == patent_id, LegalEvent.kind.in_(("pledge", "pledge_release")))))
    return kinds.count("pledge") > kinds.count("pledge_release")


def _fees_paid(patent: Patent) -> bool | None:
    """From the register facts the workspace holds: a lapse or the grace period means not paid."""
    if "annual_fees_paid" in patent.extra:
        return bool(patent.extra["annual_fees_paid"])
    if patent.extra.get("fee_grace_period"):
        return False
    return True if patent.legal_status == "valid" else None if patent.legal_status == "unknown" else False


def eligibility_facts(*, db_session: Session, patent: Patent, declaration: Declaration | None = None,
                      on: date | None = None) -> rules.EligibilityFacts:
    """Collect the facts for :func:`rules.check_eligibility` from the register and the declaration."""
    day = on or date.today()
    return rules.EligibilityFacts(
        patent_type=patent.patent_type, legal_status=patent.legal_status,
        granted=bool(patent.grant_date or patent.grant_no),
        exclusive_or_sole_licences=tuple(exclusive_licences_in_force(db_session=db_session, patent_id=patent.id,
                                                                     on=day)),
        suspended=bool(patent.extra.get("suspended")), annual_fees_paid=_fees_paid(patent),
        pledged=_pledged(db_session, patent.id),
        pledgee_consent=bool(declaration and declaration.pledgee_consent),
        co_owners=tuple(owners(patent)),
        consenting_owners=tuple(declaration.consenting_owners if declaration else ()),
        evaluation_report_positive=declaration.evaluation_report_positive if declaration else None,
    )


def _content(declaration: Declaration) -> rules.DeclarationContent:
    return rules.DeclarationContent(
        patent_number=declaration.patent_number, patentee=declaration.patentee,
        fee_terms=rules.FeeTerms.from_dict(declaration.fee_terms) if declaration.fee_terms else None,
        term_start=declaration.term_start, term_end=declaration.term_end, other_terms=declaration.other_terms)


def check(*, db_session: Session, declaration_id: int, on: date | None = None) -> dict:
    """Every content and eligibility problem of a declaration, by check name (empty lists: ready to file)."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    patent = get_or_raise(db_session, Patent, declaration.patent_id, "patent")
    content = rules.check_declaration(_content(declaration), expiry=patent_expiry(patent))
    eligible = rules.check_eligibility(eligibility_facts(db_session=db_session, patent=patent,
                                                         declaration=declaration, on=on))
    return {"declaration_id": declaration.id, "patent": patent.application_no,
            "content": [p._asdict() for p in content], "eligibility": [p._asdict() for p in eligible],
            "ok": not content and not eligible}


def preview_checks(*, db_session: Session, patent_id: int, fee_terms: dict, term_start: date | None,
                   term_end: date | None, other_terms: str | None = None, patentee: str | None = None,
                   consenting_owners: list[str] | None = None, pledgee_consent: bool = False,
                   evaluation_report_positive: bool | None = None, on: date | None = None) -> dict:
    """The content and eligibility checks a declaration with these values would get, without saving it
    (the form shows them before filing). Same shape as :func:`check`; unparsable fee terms are a problem."""
    patent = get_or_raise(db_session, Patent, patent_id, "patent")
    draft = Declaration(patent_id=patent.id, patent_number=patent.grant_no or patent.application_no,
                        patentee=patentee or "、".join(owners(patent)), term_start=term_start, term_end=term_end,
                        other_terms=other_terms, consenting_owners=list(consenting_owners or []),
                        pledgee_consent=pledgee_consent, evaluation_report_positive=evaluation_report_positive)
    content: list[rules.Problem] = []
    try:
        draft.fee_terms = rules.FeeTerms.from_dict(fee_terms).to_dict()
    except LicensingError as exc:
        content.append(rules.Problem("payment_mode", str(exc)))
        draft.fee_terms = {}
    content += rules.check_declaration(_content(draft), expiry=patent_expiry(patent))
    eligible = rules.check_eligibility(eligibility_facts(db_session=db_session, patent=patent, declaration=draft,
                                                         on=on))
    return {"declaration_id": None, "patent": patent.application_no,
            "content": [p._asdict() for p in content], "eligibility": [p._asdict() for p in eligible],
            "ok": not content and not eligible}


def list_open_licences(*, db_session: Session, declaration_ids: list[int] | None = None,
                       licensee_ids: list[int] | None = None, limit: int = 500) -> list[OpenLicence]:
    """Licences taken under declarations, newest first; narrowed to some declarations or licensees."""
    stmt = select(OpenLicence).order_by(OpenLicence.id.desc()).limit(limit)
    if declaration_ids is not None:
        stmt = stmt.where(OpenLicence.declaration_id.in_(declaration_ids))
    if licensee_ids is not None:
        stmt = stmt.where(OpenLicence.licensee_id.in_(licensee_ids))
    return list(db_session.scalars(stmt))


def create_declaration(*, db_session: Session, patent_id: int, fee_terms: dict, term_start: date, term_end: date,
                       other_terms: str | None = None, trial_months: int = 0, patentee: str | None = None,
                       consenting_owners: list[str] | None = None, pledgee_consent: bool = False,
                       evaluation_report_no: str | None = None, evaluation_report_positive: bool | None = None,
                       actor: str | None = None) -> Declaration:
    """A draft declaration. Content problems (missing items, promotional wording, caps, term) are refused
    now; eligibility is checked when it is filed."""
    patent = get_or_raise(db_session, Patent, patent_id, "patent")
    declaration = Declaration(
        patent_id=patent.id, patent_number=patent.grant_no or patent.application_no,
        patentee=patentee or "、".join(owners(patent)), fee_terms=rules.FeeTerms.from_dict(fee_terms).to_dict(),
        term_start=term_start, term_end=term_end, other_terms=other_terms, trial_months=trial_months,
        consenting_owners=list(consenting_owners or []), pledgee_consent=pledgee_consent,
        evaluation_report_no=evaluation_report_no, evaluation_report_positive=evaluation_report_positive,
        created_by=actor, status="draft")
    problems = rules.check_declaration(_content(declaration), expiry=patent_expiry(patent))
    if problems:
        raise RuleViolation(f"declaration for {patent.application_no}", problems)
    db_session.add(declaration)
    db_session.flush()
    audit(db_session, action="declaration.create", entity="declaration", entity_id=declaration.id, actor=actor,
          after={"patent_id": patent.id, "fee_terms": str(declaration.fee_terms)})
    return declaration


def file_declaration(*, db_session: Session, declaration_id: int, on: date, actor: str | None = None,
                     expected_version: int | None = None) -> Declaration:
    """draft → filed, after every content and eligibility check passes (each failure named)."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    result = check(db_session=db_session, declaration_id=declaration_id, on=on)
    problems = [rules.Problem(**p) for p in result["content"] + result["eligibility"]]
    if problems and declaration.status == "draft":
        raise RuleViolation(f"declaration {declaration.id} cannot be filed", problems)
    return move(db_session, declaration, machine="declaration", target="filed", entity="declaration", actor=actor,
                expected_version=expected_version, filed_on=on)


def publish_declaration(*, db_session: Session, declaration_id: int, on: date, cnipa_ref: str | None = None,
                        actor: str | None = None, expected_version: int | None = None) -> Declaration:
    """filed → published (CNIPA gazette): the open-licence fee reduction runs from ``on``."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    return move(db_session, declaration, machine="declaration", target="published", entity="declaration",
                actor=actor, expected_version=expected_version, published_on=on, cnipa_ref=cnipa_ref)


def reject_declaration(*, db_session: Session, declaration_id: int, reason: str, actor: str | None = None,
                       expected_version: int | None = None) -> Declaration:
    """filed → rejected by CNIPA (the draft can be corrected and filed again)."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    return move(db_session, declaration, machine="declaration", target="rejected", entity="declaration",
                actor=actor, expected_version=expected_version, note=reason)


def withdraw_declaration(*, db_session: Session, declaration_id: int, on: date, actor: str | None = None,
                         expected_version: int | None = None) -> Declaration:
    """published → withdrawn (published withdrawal). Licences already granted stay as they are."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    return move(db_session, declaration, machine="declaration", target="withdrawn", entity="declaration",
                actor=actor, expected_version=expected_version, withdrawn_on=on,
                note=f"{len(declaration.licences)} existing licence(s) unaffected")


# -- licences under a declaration ---------------------------------------------------------------------------

def take_open_licence(*, db_session: Session, declaration_id: int, licensee_name: str, notified_on: date,
                      licensee_id: int | None = None, actor: str | None = None) -> OpenLicence:
    """An enterprise's written notice under a published declaration (专利法 Art. 51)."""
    declaration = get_or_raise(db_session, Declaration, declaration_id, "declaration")
    if declaration.status != "published":
        raise LicensingError(f"declaration {declaration.id} is '{declaration.status}', not published: a licence "
                             f"can only be taken under a published declaration")
    if not licensee_name.strip():
        raise FieldError("licensee", "the licensee's name is required")
    if licensee_id is not None:
        held = db_session.scalar(select(OpenLicence.id).where(
            OpenLicence.declaration_id == declaration.id, OpenLicence.licensee_id == licensee_id,
            OpenLicence.status.not_in(("cancelled", "terminated"))).limit(1))
        if held is not None:
            raise FieldError("licensee", f"{licensee_name.strip()} already holds licence {held} under declaration "
                                         f"{declaration.id}")
    licence = OpenLicence(declaration_id=declaration.id, patent_id=declaration.patent_id, licensee_id=licensee_id,
                          licensee_name=licensee_name.strip(), notified_on=notified_on, status="notified")
    db_session.add(licence)
    db_session.flush()
    audit(db_session, action="open_licence.notified", entity="open_licence", entity_id=licence.id, actor=actor,
          after={"declaration_id": declaration.id, "licensee": licence.licensee_name})
    return licence


def upfront_fee(declaration: Declaration) -> Decimal:
    """What the licensee must pay with the notice: the lump sum or entry fee, unless payment is deferred."""
    terms = rules.FeeTerms.from_dict(declaration.fee_terms)
    if terms.payable_after_months or declaration.trial_months or terms.lump_sum is None:
        return Decimal(0)
    return terms.lump_sum


def pay_open_licence(*, db_session: Session, licence_id: int, paid_on: date, amount: Decimal,
                     actor: str | None = None, expected_version: int | None = None) -> OpenLicence:
    """notified → paid: the payment must meet the published terms."""
    licence = get_or_raise(db_session, OpenLicence, licence_id, "open licence")
    due = upfront_fee(licence.declaration)
    if Decimal(amount) < due:
        raise LicensingError(f"payment of {amount} yuan is below the published fee of {due} yuan")
    return move(db_session, licence, machine="open_licence", target="paid", entity="open_licence", actor=actor,
                expected_version=expected_version, paid_on=paid_on, amount_paid=Decimal(amount))


def licence_effective(*, db_session: Session, licence_id: int, on: date, actor: str | None = None,
                      expected_version: int | None = None) -> OpenLicence:
    """paid → effective; the 3-month recordal (备案) deadline starts."""
    licence = get_or_raise(db_session, OpenLicence, licence_id, "open licence")
    deadline = rules.add_months(on, open_licence_policy().recordal_deadline_months)
    return move(db_session, licence, machine="open_licence", target="effective", entity="open_licence",
                actor=actor, expected_version=expected_version, effective_on=on, recordal_deadline=deadline)


def record_open_licence(*, db_session: Session, licence_id: int, on: date, actor: str | None = None,
                        expected_version: int | None = None) -> OpenLicence:
    """effective → recorded with CNIPA (细则 Art. 87); a late recordal is noted in the audit log."""
    licence = get_or_raise(db_session, OpenLicence, licence_id, "open licence")
    late = licence.recordal_deadline and on > licence.recordal_deadline
    note = f"recorded after the deadline {licence.recordal_deadline}" if late else None
    return move(db_session, licence, machine="open_licence", target="recorded", entity="open_licence",
                actor=actor, expected_version=expected_version, note=note, recorded_on=on)


def terminate_open_licence(*, db_session: Session, licence_id: int, on: date, reason: str,
                           actor: str | None = None, expected_version: int | None = None) -> OpenLicence:
    """effective | recorded → terminated, with the date and the reason (required; the licensee sees both)."""
    reason = (reason or "").strip()
    if not reason:
        raise rules.FieldError("reason", "give the reason for terminating the licence")
    licence = get_or_raise(db_session, OpenLicence, licence_id, "open licence")
    rules.check_date(on, "the termination date")
    if licence.effective_on and on < licence.effective_on:
        raise rules.FieldError("on", f"the licence took effect on {licence.effective_on}: it cannot end before")
    return move(db_session, licence, machine="open_licence", target="terminated", entity="open_licence",
                actor=actor, expected_version=expected_version, note=reason[:500], terminated_on=on,
                termination_reason=reason[:500])


def recordals_due(*, db_session: Session, on: date, within_days: int = 30) -> list[dict]:
    """Licences and contracts not yet recorded whose 3-month deadline is near or past."""
    from datetime import timedelta

    horizon = on + timedelta(days=within_days)
    out = []
    for lic in db_session.scalars(select(OpenLicence).where(OpenLicence.status == "effective",
                                                            OpenLicence.recordal_deadline <= horizon)):
        out.append({"entity": "open_licence", "id": lic.id, "licensee": lic.licensee_name,
                    "deadline": lic.recordal_deadline, "overdue": lic.recordal_deadline < on})
    for con in db_session.scalars(select(Contract).where(and_(Contract.status == "signed",
                                                              Contract.recordal_deadline <= horizon))):
        out.append({"entity": "contract", "id": con.id, "licensee": con.licensee_name,
                    "deadline": con.recordal_deadline, "overdue": con.recordal_deadline < on})
    return sorted(out, key=lambda r: r["deadline"])



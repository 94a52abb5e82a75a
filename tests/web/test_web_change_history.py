"""The patent page's change history shows evaluation changes (old → new, run id) to people inside the institution."""

from datetime import date

from panhuo.db import session_scope
from panhuo.patents.models import Patent
from panhuo.valuation import engine
from panhuo.valuation import service as valuation_service


def _evaluate(world, actor: str) -> dict:
    with session_scope(world.engine) as db:
        return valuation_service.evaluate_portfolio(db_session=db, method=engine.load_method(),
                                                    as_of=date(2026, 6, 30), actor=actor)


def test_change_history_on_the_internal_patent_page_only(world):
    summary = _evaluate(world, "cli:ops")
    with session_scope(world.engine) as db:
        pid, ev = next((p, e) for p, e in sorted(valuation_service.latest(db_session=db).items())
                       if db.get(Patent, p).institution_id == world.ids["uni"])
    page = world.client("uni-admin").get(f"/patents/{pid}")
    assert page.status_code == 200
    history = page.text.split('id="change-history"', 1)[1].split("</ul>", 1)[0]
    assert "cli:ops" in history and summary["run_id"] in history
    assert f"— → {ev.grade}" in history and f"— → {ev.disposition}" in history
    english = world.client("uni-admin")
    english.get("/lang/en")
    assert "Grade/disposition changed" in english.get(f"/patents/{pid}").text
    # outside the institution: no internal page (enterprise goes to the library view, other institution 404)
    enterprise = world.client("enterprise").get(f"/patents/{pid}", follow_redirects=False)
    assert enterprise.status_code == 303 and enterprise.headers["location"] == f"/library/{pid}"
    assert "change-history" not in world.client("enterprise").get(f"/library/{pid}").text
    assert world.client("uni2-admin").get(f"/patents/{pid}", follow_redirects=False).status_code in (303, 404)
    assert "change-history" not in world.client("uni2-admin").get(f"/patents/{pid}").text

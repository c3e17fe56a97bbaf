"""The summary of the case analysis: the verdict, its confidence, what it takes, what to table,
whether it would hold, and the caveats that could change the verdict.

:func:`build_summary` gathers the numbers (from the analyses already run, nothing recomputed);
:func:`summary_lines` words them, once, for every surface (the terminal, the HTML report, the
browser), so the text shows exactly the numbers of the JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.case.durability import describe_class
from accord.case.model import (
    ActorInfo,
    Caveat,
    Concession,
    Durability,
    DurabilitySummary,
    HoldingSummary,
    IssueInfo,
    MediatorOption,
    ModelForecast,
    MonteCarlo,
    Mover,
    PointAcceptance,
    ProposalCheck,
    ProposalOdds,
    Recommendation,
    Summary,
    Zone,
)
from accord.scenario.model import Scenario

if TYPE_CHECKING:
    from accord.bargaining import agreement as ag
    from accord.bargaining.utility import Loss
    from accord.problem import Problem

# models disagree "widely" when their forecasts on an issue span more than this share of its scale
DISAGREE_SHARE = 0.25
# the verdict is "uncertain" when at least this share of the draws gives the opposite answer
FLIP_SHARE = 0.10
SUMMARY_HORIZONS = (56, 365)  # 8 weeks and 1 year
MAX_PROPOSALS = 3  # proposals named in the summary (the rest in the evidence)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def short_name(name: str) -> str:
    """An actor's or proposal's name without its bracketed detail: 'Hamas (Sinwar)' -> 'Hamas'."""
    head = name.split(" (")[0].strip()
    return head or name


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.0f}%"


def _g(x: float) -> str:
    """A scale value as written: at most one decimal."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x - round(x)) > 1e-9 else f"{x:.0f}"


def build_summary(
    scenario: Scenario,
    problem: Problem,
    *,
    loss: Loss,
    verdict: ag.Verdict | None,
    zone: Zone | None,
    mediator: list[MediatorOption],
    checks: list[ProposalCheck],
    proposal_acc: dict[str, PointAcceptance],
    forecasts: list[ModelForecast],
    monte_carlo: MonteCarlo | None,
    durability: Durability | None,
    actors: list[ActorInfo],
    issues: list[IssueInfo],
    agreement_error: str | None,
    draws: int,
    seed: int,
    noise: float,
) -> Summary:
    """The summary from the analyses already run (see the module docstring)."""
    name = {a.id: short_name(a.name) for a in actors}
    veto = [a.id for a in actors if a.veto]
    p_zone = None if monte_carlo is None else monte_carlo.p_zone
    odds = [
        ProposalOdds(
            id=c.id,
            name=c.name,
            tabled_by=c.tabled_by,
            passes=c.all_veto_accept,
            rejected_by=list(c.shortfall),
            p_pass=None if monte_carlo is None else monte_carlo.p_pass.get(c.id),
        )
        for c in checks
    ]
    if zone is None:
        text = f"No verdict: {agreement_error}." if agreement_error else "No verdict."
        return Summary(
            verdict=text,
            deal_possible=None,
            smallest_margin=None,
            draws=0,
            noise=noise,
            seed=seed,
            p_zone=None,
            proposals=odds,
            concessions=[],
            gap=None,
            least_total_concession=None,
            who_must_move=[],
            recommended=None,
            durability=_durability(durability),
            caveats=_caveats(scenario, zone, actors, forecasts, monte_carlo, durability, issues),
        )
    who = _join([name[a] for a in veto])
    if zone.exists:
        text = f"Yes: as encoded, there are deals that {who} all prefer to no deal."
        if len(veto) == 2:
            text = f"Yes: as encoded, there are deals that {who} both prefer to no deal."
    else:
        must = [a for a, d in (zone.gap.by_actor.items() if zone.gap else []) if d > 1e-9]
        text = f"No: as encoded, no deal is acceptable to {'both' if len(veto) == 2 else 'all of'} {who}" + (
            f"; {_join([name[a] for a in must])} must move." if must else "."
        )
    rec = _recommend(mediator, checks, proposal_acc, zone, name)
    concessions: list[Concession] = []
    if zone.exists and rec is not None:
        for a in actors:
            if not a.veto:
                continue
            for i in issues:
                st = a.positions.get(i.id)
                if st is None or st.salience <= 0:
                    continue
                deal = rec.point[i.id]
                d = deal - st.position
                if abs(d) < 0.005 * (i.max - i.min):
                    continue
                concessions.append(
                    Concession(
                        actor=a.id,
                        issue=i.id,
                        ideal=st.position,
                        deal=round(deal, 1),
                        concession=round(abs(d), 1),
                        toward=i.max_label if d > 0 else i.min_label,
                        unit=i.unit,
                    )
                )
    gap = zone.gap
    return Summary(
        verdict=text,
        deal_possible=zone.exists,
        smallest_margin=zone.smallest_margin,
        draws=0 if monte_carlo is None else monte_carlo.draws,
        noise=noise,
        seed=seed,
        p_zone=p_zone,
        proposals=odds,
        concessions=concessions,
        gap=None if gap is None else gap.uniform_concession,
        least_total_concession=None if gap is None else gap.least_total_concession,
        who_must_move=[]
        if gap is None
        else [
            Mover(actor=a, fall=d) for a, d in sorted(gap.by_actor.items(), key=lambda t: -t[1]) if d > 1e-9
        ],
        recommended=rec,
        durability=_durability(durability),
        caveats=_caveats(scenario, zone, actors, forecasts, monte_carlo, durability, issues),
    )


def _smallest(acc_margins: list[Any], veto: set[str]) -> float | None:
    vals = [m.margin for m in acc_margins if m.actor in veto and m.margin is not None]
    return min(vals) if vals else None


def _recommend(
    mediator: list[MediatorOption],
    checks: list[ProposalCheck],
    proposal_acc: dict[str, PointAcceptance],
    zone: Zone,
    name: dict[str, str],
) -> Recommendation | None:
    """Among the candidates every veto player accepts (the tabled proposals and the mediator's),
    the one with the most support; ties go to the larger smallest veto margin, then to a tabled
    proposal. Without a zone: the maximin deal, the closest to one."""
    veto = set(zone.veto_players)
    # (key, name, acceptance, tabled)
    cands: list[tuple[str, str, PointAcceptance, bool]] = [
        (m.key, m.method.split(":")[0], m.acceptance, False) for m in mediator
    ]
    failing = []
    for c in checks:
        acc = proposal_acc.get(c.id)
        if acc is not None:
            cands.append((f"proposal:{c.id}", c.name, acc, True))
        if not c.all_veto_accept:
            who = [name[a] for a in c.shortfall]
            failing.append(
                f"{_clip(short_name(c.name), 40)} fails ({_join(who)} reject{'s' if len(who) == 1 else ''})"
            )
    if not zone.exists:
        m = next(m for m in mediator if m.key == "maximin")
        return Recommendation(
            key="maximin",
            name="the maximin deal",
            point=m.point,
            all_veto_accept=False,
            support=m.acceptance.support,
            smallest_veto_margin=_smallest(m.acceptance.margins, veto),
            why="no deal passes; the maximin deal comes closest: every veto player falls at most "
            f"{-zone.smallest_margin:.3f} utility short",
        )
    passing = [c for c in cands if c[2].all_veto_accept]
    if not passing:
        return None

    def score(c: tuple[str, str, PointAcceptance, bool]) -> tuple[float, float, int]:
        low = _smallest(c[2].margins, veto)
        return (round(c[2].support, 6), -1.0 if low is None else round(low, 6), int(c[3]))

    best = max(passing, key=score)
    acc = best[2]
    why = f"the most support ({acc.support:.2f}) of the {len(passing)} deals every veto player accepts"
    if failing:
        why += "; " + "; ".join(failing)
    return Recommendation(
        key=best[0],
        name=best[1],
        point=acc.point,
        all_veto_accept=True,
        support=acc.support,
        smallest_veto_margin=_smallest(acc.margins, veto),
        why=why,
    )


def _durability(d: Durability | None) -> DurabilitySummary | None:
    if d is None:
        return None
    hold = [
        HoldingSummary(
            horizon=h.horizon, days=h.days, base_rate=h.base_rate, pessimistic=h.pessimistic, cox=h.cox
        )
        for h in d.holding
        if h.days in SUMMARY_HORIZONS
    ]
    return DurabilitySummary(
        reference_class=describe_class(d.reference_class),
        class_size=d.class_size,
        median_days=d.median_days,
        median_text=d.median_text,
        holding=hold,
    )


def _caveats(
    scenario: Scenario,
    zone: Zone | None,
    actors: list[ActorInfo],
    forecasts: list[ModelForecast],
    mc: MonteCarlo | None,
    durability: Durability | None,
    issues: list[IssueInfo],
) -> list[Caveat]:
    out: list[Caveat] = []
    name = {a.id: short_name(a.name) for a in actors}
    flip: float | None = None
    if zone is not None and mc is not None and mc.p_zone is not None:
        flip = (1.0 - mc.p_zone) if zone.exists else mc.p_zone
    inferred = [a.id for a in actors if a.veto and a.reservation_source == "status_quo"]
    if zone is not None and inferred:
        text = (
            f"{_join([name[a] for a in inferred])}'s reservation is inferred from the status quo "
            "(none given): the verdict rests on it"
        )
        if flip is None:
            text += "; not checked against uncertainty (no draws)."
        elif flip > 0:
            text += f"; within the scenario's uncertainty the verdict flips in {_pct(flip)} of the draws."
        else:
            text += "; within the scenario's uncertainty the verdict never flips."
        out.append(Caveat(kind="inferred_reservation", text=text))
    elif flip is not None and flip >= FLIP_SHARE:
        out.append(
            Caveat(
                kind="verdict_uncertain",
                text=f"The verdict flips in {_pct(flip)} of the draws: it is close to the edge.",
            )
        )
    # models that disagree widely
    spans = []
    for i in issues:
        vals = [(f.outcome[i.id], f.model) for f in forecasts if f.outcome is not None]
        if len(vals) < 2:
            continue
        lo, hi = min(vals), max(vals)
        if hi[0] - lo[0] > DISAGREE_SHARE * (i.max - i.min):
            spans.append(((hi[0] - lo[0]) / (i.max - i.min), i, lo, hi))
    if spans:
        spans.sort(key=lambda t: -t[0])
        _, i, lo, hi = spans[0]
        why = ""
        for f in forecasts:
            if f.model in (lo[1], hi[1]):
                sq = [s for s in f.at_status_quo if s.issue == i.id]
                if sq:
                    who = _join([name[a] for a in sq[0].cannot_gain])
                    why = f" ({f.model} stays at the status quo: {who} cannot gain)"
        more = f"; {len(spans) - 1} more issue(s)" if len(spans) > 1 else ""
        out.append(
            Caveat(
                kind="models_disagree",
                text=f"Models disagree on {i.name}: from {_g(lo[0])} ({lo[1]}) to {_g(hi[0])} ({hi[1]}) "
                f"{i.unit or 'scale units'}{why}{more}.",
            )
        )
    nbs = next((f for f in forecasts if f.model == "nbs" and f.at_status_quo), None)
    if nbs is not None and not any(c.kind == "models_disagree" and "nbs stays" in c.text for c in out):
        first = nbs.at_status_quo[0]
        iname = next(i.name for i in issues if i.id == first.issue)
        out.append(
            Caveat(
                kind="forecast_at_status_quo",
                text=f"The nbs forecast stays at the status quo on {iname}: "
                f"{_join([name[a] for a in first.cannot_gain])} cannot gain (per-issue Nash among all "
                "actors; the veto_nash proposal bargains among veto players over all issues).",
            )
        )
    if durability is not None:
        if durability.dropped or durability.class_size < durability.min_class_size:
            own = ""
            if durability.location is not None and durability.location_size is not None:
                own = f" ({durability.location}'s own record: {durability.location_size} cease-fires)"
            out.append(
                Caveat(
                    kind="small_reference_class",
                    text=f"The deal's own reference class has fewer than {durability.min_class_size} "
                    f"cease-fires{own}: dropped {_join(durability.dropped)}; the base rate is of "
                    f"{durability.class_size} broader cases.",
                )
            )
        deal = scenario.deal
        if deal is not None and getattr(deal, "interstate", None):
            out.append(
                Caveat(
                    kind="out_of_scope",
                    text="An interstate case scored against intrastate cease-fires: the data cover "
                    "civil conflicts only, so the base rate is an analogy, not a measurement.",
                )
            )
    return out


def summary_lines(s: Summary, names: dict[str, str], issues: dict[str, IssueInfo]) -> list[tuple[str, str]]:
    """The summary in words, as (heading, sentence) pairs, for every surface.

    ``names``: actor id -> name; ``issues``: issue id -> its info (labels and units).
    """
    names = {a: short_name(n) for a, n in names.items()}
    out: list[tuple[str, str]] = [("Verdict", s.verdict)]
    if s.deal_possible is None:
        pass
    elif s.draws and s.p_zone is not None:
        noise = f"; other values sd {_pct(s.noise)} of range" if s.noise else ""
        out.append(
            (
                "Confidence",
                f"a zone exists in {_pct(s.p_zone)} of {s.draws} draws "
                f"(seed {s.seed}; the scenario's uncertainty{noise}).",
            )
        )
    else:
        out.append(("Confidence", "no Monte Carlo draws (--draws 0): the verdict as encoded only."))
    for p in s.proposals[:MAX_PROPOSALS]:
        state = (
            "passes"
            if p.passes
            else f"fails ({_join([names.get(a, a) for a in p.rejected_by])} "
            f"reject{'s' if len(p.rejected_by) == 1 else ''})"
        )
        odds = f"; passes in {_pct(p.p_pass)} of draws" if p.p_pass is not None else ""
        out.append(("Proposal", f"{_clip(short_name(p.name), 40)}: {state} as encoded{odds}."))
    if len(s.proposals) > MAX_PROPOSALS:
        out.append(("Proposal", f"{len(s.proposals) - MAX_PROPOSALS} more proposal(s) in the evidence."))
    if s.deal_possible and s.concessions:
        by_actor: dict[str, list[str]] = {}
        for c in s.concessions:
            by_actor.setdefault(c.actor, []).append(
                f"{c.issue} {_g(c.ideal)}->{_g(c.deal)} (towards {_clip(c.toward, 28)})"
            )
        for a, items in list(by_actor.items())[:3]:
            out.append(("It takes", f"{names.get(a, a)} concedes " + "; ".join(items[:3]) + "."))
    elif s.deal_possible is False and s.gap is not None:
        movers = ", ".join(f"{names.get(m.actor, m.actor)} {m.fall:.3f}" for m in s.who_must_move[:4])
        out.append(
            (
                "The gap",
                f"every veto player would have to lower its reservation by {s.gap:.3f} utility, or "
                f"{s.least_total_concession:.3f} in all" + (f": {movers}." if movers else "."),
            )
        )
    if s.recommended is not None:
        r = s.recommended
        pt = ", ".join(f"{i} {_g(v)}" for i, v in r.point.items())
        out.append(("Table", f"{r.name} ({_clip(pt, 60)}): {r.why}."))
    d = s.durability
    if d is not None:
        parts = []
        for h in d.holding:
            extra = []
            if h.pessimistic is not None:
                extra.append(f"pessimistic {_pct(h.pessimistic)}")
            if h.cox is not None:
                extra.append(f"Cox model {_pct(h.cox)}")
            parts.append(f"{_pct(h.base_rate)} at {h.horizon}" + (f" ({', '.join(extra)})" if extra else ""))
        out.append(
            (
                "Would it hold",
                f"of {d.class_size} {_clip(d.reference_class, 60)}, still holding: {'; '.join(parts)}; "
                f"median {d.median_text}.",
            )
        )
    if s.crisis:
        out.append(("Crisis", s.crisis.removeprefix("Crisis: ")))
    for cav in s.caveats:
        out.append(("Caveat", cav.text))
    return out


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"

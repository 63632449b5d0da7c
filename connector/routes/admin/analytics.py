"""Admin API: the dashboard's KPIs for a period, beside the previous period's; CSV exports."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from connector.routes.admin.base import MAX_ID, Call, Problem, admin, answer, choice
from connector.services.admin import dashboard
from connector.services.analytics import exports
from connector.services.analytics.kpis import GRANULARITIES


def _day(request: Request, name: str) -> date | None:
    """The query parameter `name` as a YYYY-MM-DD day; 400 saying so when it is not one."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"{name} must be a day as YYYY-MM-DD, not {text[:40]!r}") from None


@admin
async def get_analytics(call: Call) -> Response:
    """The KPIs of a period (the last 30 days by default), its funnel, series and rankings."""
    request = call.request
    granularity = choice(request, "granularity", GRANULARITIES) or "day"
    text = request.query_params.get("version")
    if text is not None and not (text.isdigit() and 0 < int(text) <= MAX_ID):
        raise Problem(400, f"version must be a program version number, not {text[:40]!r}")
    try:
        period = dashboard.period_of(
            call.runtime.now().date(), _day(request, "start"), _day(request, "end")
        )
        return answer(
            await dashboard.dashboard(
                call.runtime, call.shop, period, granularity, int(text) if text else None
            )
        )
    except dashboard.PeriodRefused as exc:
        raise Problem(400, str(exc)) from None


@admin
async def get_export(call: Call) -> Response:
    """A CSV export, streamed: referrals, advocates or rewards (made in the period, if one is
    given), or the KPIs per day of the period (the last 30 days by default)."""
    request = call.request
    kind = str(request.path_params["kind"])
    if kind not in exports.KINDS:
        raise Problem(404, f"no export {kind[:40]!r}: use one of {', '.join(exports.KINDS)}")
    start, end = _day(request, "start"), _day(request, "end")
    period = None
    if kind == "kpis" or start is not None or end is not None:
        try:
            period = dashboard.period_of(call.runtime.now().date(), start, end)
        except dashboard.PeriodRefused as exc:
            raise Problem(400, str(exc)) from None
    disposition = f'attachment; filename="{kind}.csv"'
    return StreamingResponse(
        exports.csv_text(call.shop.id, kind, period),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )

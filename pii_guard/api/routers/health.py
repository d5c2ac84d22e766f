"""Liveness, readiness and metrics: for orchestrators and monitoring, no authentication."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pii_guard.api.deps import ServicesDep
from pii_guard.api.errors import error_payload, request_id_of
from pii_guard.api.schemas import ErrorBody

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str]


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Database reachable, schema current, policies and keys loaded",
    responses={503: {"model": ErrorBody, "description": "Not ready; failing checks named."}},
)
def readyz(request: Request, services: ServicesDep) -> Readiness | JSONResponse:
    checks = services.readiness()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        body = error_payload("not_ready", "failing checks: " + ", ".join(failing),
                             request_id_of(request))
        return JSONResponse(body | {"checks": checks}, status_code=503)
    return Readiness(status="ready", checks=checks)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    payload, content_type = request.app.state.metrics.exposition()
    return Response(payload, media_type=content_type)

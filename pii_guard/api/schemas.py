"""Response shapes shared by every router (each router keeps its own request models)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="Human-readable explanation; never contains personal data.")
    request_id: str = Field(description="The X-Request-ID of the failed request.")


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "Missing or invalid API key.",
        403: "The caller may not do this.",
        413: "A size limit was exceeded.",
        422: "The request is not acceptable.",
        503: "A dependency is unavailable; nothing was released.",
    }.items()
}

"""The REST routes' JSON response: Starlette's, encoded by json_codec."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse as StarletteJSONResponse

from ..json_codec import dumps


class JSONResponse(StarletteJSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)

"""GET /media/{path}: image files that live beside the content (e.g. content/images/x.png).

Only what app.render.media.find_media_file allows: an image suffix, a regular file, inside
settings.content_dir after resolving `..` and symlinks. Anything else is the 404 envelope.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from app.errors import AppError
from app.render.media import MEDIA_TYPES, find_media_file

router = APIRouter(include_in_schema=False)


@router.get("/media/{path:path}")
def media_file(request: Request, path: str) -> FileResponse:
    found = find_media_file(request.app.state.settings.content_dir, path)
    if found is None:
        raise AppError(404, "이미지 파일을 찾을 수 없습니다.")
    return FileResponse(
        found,
        media_type=MEDIA_TYPES[found.suffix.lower()],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )

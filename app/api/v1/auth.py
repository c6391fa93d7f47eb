"""Who am I (for API clients checking their token). Tokens are made on /settings/tokens."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import ApiUser

router = APIRouter(tags=["계정"])


@router.get("/me", summary="토큰의 계정")
def me(user: ApiUser):
    return {"id": user.id, "username": user.username, "display_name": user.display_name}

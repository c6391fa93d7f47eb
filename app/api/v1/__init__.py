"""JSON API v1. Each area has its own router module; this list is the only place they meet."""

from fastapi import APIRouter

from app.api.v1 import auth, concepts, content, demos, moderation, notifications, search, writes

router = APIRouter(prefix="/api/v1")
router.include_router(content.router)
router.include_router(concepts.router)
router.include_router(search.router)
router.include_router(writes.router)
router.include_router(auth.router)
router.include_router(demos.router)
router.include_router(moderation.router)
router.include_router(notifications.router)

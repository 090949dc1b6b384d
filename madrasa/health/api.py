"""The health API (mounted under /api/v1/ in madrasa/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["health"])

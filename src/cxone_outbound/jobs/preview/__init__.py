"""The preview-campaign job: plan and apply a preview configuration without lost updates."""

from __future__ import annotations

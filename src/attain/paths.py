"""Where Attain keeps its local files (the embedded stores, the generated secret key).

Everything lives under one folder, ``var/`` at the repository root by default, or
``$ATTAIN_VAR_DIR``. This module must never create anything on import.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def var_dir() -> Path:
    """The folder for local state; created on first use by the caller that writes."""
    configured = os.environ.get("ATTAIN_VAR_DIR")
    return Path(configured).resolve() if configured else REPO_ROOT / "var"

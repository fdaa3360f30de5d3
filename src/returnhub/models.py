"""Imports every context's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from returnhub.casework import models as casework_models
from returnhub.core.database import Base
from returnhub.people import models as people_models

__all__ = ["Base", "casework_models", "people_models"]

"""Imports every context's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from returnhub.access import models as access_models  # noqa: F401  (registers the tables)
from returnhub.casework import models as casework_models
from returnhub.core import ledger as ledger_models  # noqa: F401  (registers ledger_heads)
from returnhub.core.database import Base
from returnhub.notices import models as notices_models  # noqa: F401  (registers the tables)
from returnhub.operations import models as operations_models  # noqa: F401  (registers the tables)
from returnhub.partners import models as partners_models  # noqa: F401  (registers the tables)
from returnhub.people import models as people_models
from returnhub.safeguards import models as safeguards_models  # noqa: F401  (registers the tables)
from returnhub.simulation import models as simulation_models  # noqa: F401  (registers the tables)
from returnhub.statistics import models as statistics_models  # noqa: F401  (registers the tables)

__all__ = ["Base", "casework_models", "people_models"]

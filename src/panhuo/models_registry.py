"""Every feature's ORM models, imported once so that ``Base.metadata`` knows all tables.

Add a line here when a feature gains a ``models.py``.
"""

from panhuo.accounts import models as accounts_models  # noqa: F401
from panhuo.ingest import models as ingest_models  # noqa: F401
from panhuo.patents import models as patents_models  # noqa: F401
from panhuo.inventory import models as inventory_models  # noqa: F401
from panhuo.licensing import models as licensing_models  # noqa: F401
from panhuo.search import models as search_models  # noqa: F401
from panhuo.valuation import models as valuation_models  # noqa: F401
from panhuo.library import models as library_models  # noqa: F401
from panhuo.matching import models as matching_models  # noqa: F401

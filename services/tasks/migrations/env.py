from common.migrations import run_env
from services.tasks.fieldwork import models as _fieldwork_models  # noqa: F401 - registers tables
from services.tasks.hotspots import models as _hotspots_models  # noqa: F401 - registers tables
from services.tasks.models import Base
from services.tasks.open311 import models as _open311_models  # noqa: F401 - registers tables
from services.tasks.procedures import models as _procedures_models  # noqa: F401 - registers tables
from services.tasks.taskflow import models as _taskflow_models  # noqa: F401 - registers tables
from services.tasks.taskflow import screening_models as _screening_models  # noqa: F401 - registers tables

run_env(Base.metadata)

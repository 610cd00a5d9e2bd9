from common.migrations import run_env
from services.grids.models import Base

run_env(Base.metadata)

from common.migrations import run_env
from services.scoring.models import Base

run_env(Base.metadata)

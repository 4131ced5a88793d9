"""The evaluation engine: plain functions over pandas data frames.

No Django here (``desist/evaluation/tests/test_engine_purity.py`` enforces it), so the maths can
be read, tested and re-run on any cohort file without the application. The input frames and the
output JSON are documented in ``docs/evaluation.md``.
"""

from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.params import EvaluationParams

__all__ = ["EngineInputError", "EvaluationParams"]

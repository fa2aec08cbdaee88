"""Build the report: `python build.py [--scenario NAME] [-p name=value ...]`. See critical_minerals/engine/build.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # works before `pip install -e .` too

from critical_minerals.engine import environment  # noqa: E402 — standard library only

if __name__ == "__main__" and (problem := environment.problem()):
    print(problem, file=sys.stderr)  # before anything the environment lacks is imported, or a kernel starts
    sys.exit(2)

from critical_minerals.engine.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

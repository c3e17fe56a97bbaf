"""Retrain the learned forecaster on a DEU file and print its cross-validated figures.

    python benchmarks/train_ensemble.py --out my_ensemble.json [DEU_FILE] [--base mean,compromise,...]

The same as ``accord backtest train DEU_FILE --out PATH``: the output path is required and nothing
is written into the package. To update the shipped parameters, write them to
``src/accord/data/ensemble.json`` of a source checkout on purpose (``--out`` that path,
``--force``). Default file: ``../shared/data/deu/deu_dev.tsv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accord.cli import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if not any(not a.startswith("-") and not a.endswith(".json") for a in args):
        args = [str(ROOT.parent / "shared" / "data" / "deu" / "deu_dev.tsv"), *args]
    sys.exit(main(["backtest", "train", *args]))

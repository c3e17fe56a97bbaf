"""Retrain the shipped ensemble forecaster on a DEU file and print its cross-validated figures.

    python benchmarks/train_ensemble.py [DEU_FILE] [--base mean,compromise,median,nbs,eum,...]

Writes ``src/accord/data/ensemble.json`` (or ``--out``); the same as
``python -m accord.evaluation.learn``. Default file: ``../shared/data/deu/deu_dev.tsv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accord.evaluation.learn import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        args = [str(ROOT.parent / "shared" / "data" / "deu" / "deu_dev.tsv"), *args]
    sys.exit(main(args))

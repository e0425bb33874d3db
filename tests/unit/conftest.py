"""Make ``ansible_collections.homelab.mediastack`` importable from the working tree.

`make link` points .build/collections/ansible_collections/homelab/mediastack at the repository.
"""

import sys
from pathlib import Path

COLLECTIONS = Path(__file__).resolve().parents[2] / ".build" / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

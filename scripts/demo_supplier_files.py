"""Writes the demo's supplier files (inventory/demo/supplier/*.xlsx) again from inventory/demo/supplier_files.py:

    python scripts/demo_supplier_files.py

The cells come out the same every time (tests/inventory/test_demo_supplier_files.py compares them with the
shipped files); the profiles' JSON beside them is edited by hand.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inventory.demo.supplier_files import files_write

if __name__ == "__main__":
    for path in files_write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)

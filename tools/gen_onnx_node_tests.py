#!/usr/bin/env python3
"""Generates the ONNX backend node tests (model.onnx + test_data_set_*/{input,output}_*.pb)
from Debian's python3-onnx into a cache folder: the conformance suite of the executors.

    tools/gen_onnx_node_tests.py .cache/onnx-node

onnx 1.12's case generators still use the NumPy aliases removed in NumPy 1.24 (np.float,
np.int, np.bool, np.object); they are restored before the generators are imported.
"""
import os
import sys

import numpy as np

for alias, builtin in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if alias not in np.__dict__:
        setattr(np, alias, builtin)

from onnx.backend.test.cmd_tools import generate_data  # noqa: E402  (after the aliases)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_onnx_node_tests.py OUTPUT_DIR")
    out = sys.argv[1]
    if os.path.isdir(os.path.join(out, "node")):
        return  # generated already
    generate_data(type("Args", (), {"output": out, "op_type": None})())


if __name__ == "__main__":
    main()

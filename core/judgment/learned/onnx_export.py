"""The learned models as ONNX files, so the analysis runs them on onnxruntime (already loaded for pose) and never
imports torch: ``import torch`` alone took 2.6 s of a cold CLI analysis on 2 cores (docs/decisions.md, 2026-12-06
learned models on onnxruntime). Training stays in torch (core.judgment.learned.train); each saved ``<name>.pt``
gets its ``<name>.onnx`` beside it.

    .venv/bin/python -m core.judgment.learned.onnx_export models/*.pt
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from core.judgment.learned.features import N_FEATURES, SEQ_LEN
from core.judgment.learned.nets import from_checkpoint
from core.skeleton import LIFTS

OPSET = 17  # onnxruntime >= 1.20 (requirements.txt) runs it


def export(pt: Path) -> Path:
    """Write ``pt``'s network as ``pt.with_suffix('.onnx')`` (batch size free; the classes in its metadata)."""
    ckpt = torch.load(pt, map_location="cpu", weights_only=True)
    kind, classes = ckpt["kind"], list(ckpt["classes"])
    model = from_checkpoint(ckpt)
    if kind == "sequence":
        args, names = (torch.zeros(1, SEQ_LEN, N_FEATURES),), ["x"]
    elif kind == "frame":
        args, names = (torch.zeros(2, N_FEATURES),), ["x"]
    else:
        args, names = (torch.zeros(2, N_FEATURES), torch.zeros(2, len(LIFTS))), ["x", "lift"]
    out = pt.with_suffix(".onnx")
    torch.onnx.export(model, args, str(out), dynamo=False, input_names=names, output_names=["y"],
                      dynamic_axes={n: {0: "batch"} for n in [*names, "y"]}, opset_version=OPSET)
    import onnx  # the classes and kind travel in the file's metadata

    m = onnx.load(str(out))
    for key, value in (("kind", kind), ("classes", "\n".join(classes))):
        entry = m.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(m, str(out))
    return out


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(export(Path(arg)))

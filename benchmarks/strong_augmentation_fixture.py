"""Fixture for SCAN's strong augmentation (`Sources/Models/StrongAugmentation.swift`): every RandAugment
operation of the reference implementation (wvangansbeke/Unsupervised-Classification, data/augment.py,
the same PIL calls) applied to test image 0 of Fashion-MNIST at a low, a middle and a high magnitude,
without the random mirror. Writes Tests/ModelsTests/Fixtures/strong_image.npy (uint8 [28, 28]),
strong_values.npy (float64 [14, 3]) and strong_ops.npy (uint8 [14, 3, 28, 28]).

    benchmarks/.venv/bin/python benchmarks/strong_augmentation_fixture.py   # needs pillow
"""
import os

import numpy as np
import PIL.Image
import PIL.ImageEnhance
import PIL.ImageOps

from fashion_data import images

# (name, low, high) in the reference's order; each op as augment.py applies it (mirror left out).
OPS = [
    ("Identity", 0, 1, lambda img, v: img),
    ("AutoContrast", 0, 1, lambda img, v: PIL.ImageOps.autocontrast(img)),
    ("Equalize", 0, 1, lambda img, v: PIL.ImageOps.equalize(img)),
    ("Rotate", -30, 30, lambda img, v: img.rotate(v)),
    ("Solarize", 0, 256, lambda img, v: PIL.ImageOps.solarize(img, v)),
    ("Color", 0.05, 0.95, lambda img, v: PIL.ImageEnhance.Color(img).enhance(v)),
    ("Contrast", 0.05, 0.95, lambda img, v: PIL.ImageEnhance.Contrast(img).enhance(v)),
    ("Brightness", 0.05, 0.95, lambda img, v: PIL.ImageEnhance.Brightness(img).enhance(v)),
    ("Sharpness", 0.05, 0.95, lambda img, v: PIL.ImageEnhance.Sharpness(img).enhance(v)),
    ("ShearX", -0.1, 0.1, lambda img, v: img.transform(img.size, PIL.Image.AFFINE, (1, v, 0, 0, 1, 0))),
    ("TranslateX", -0.1, 0.1, lambda img, v: img.transform(img.size, PIL.Image.AFFINE, (1, 0, v * img.size[0], 0, 1, 0))),
    ("TranslateY", -0.1, 0.1, lambda img, v: img.transform(img.size, PIL.Image.AFFINE, (1, 0, 0, 0, 1, v * img.size[1]))),
    ("Posterize", 4, 8, lambda img, v: PIL.ImageOps.posterize(img, int(v))),
    ("ShearY", -0.1, 0.1, lambda img, v: img.transform(img.size, PIL.Image.AFFINE, (1, 0, 0, v, 1, 0))),
]

pixels, _ = images("t10k")
image = np.round(pixels[0].reshape(28, 28) * 255).astype(np.uint8)
values = np.array([[low + (high - low) * t for t in (0.13, 0.5, 0.87)] for _, low, high, _ in OPS])
outputs = np.stack([[np.asarray(op(PIL.Image.fromarray(image, "L"), v)) for v in row] for (_, _, _, op), row in zip(OPS, values)])
out = os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelsTests", "Fixtures")
np.save(os.path.join(out, "strong_image.npy"), image)
np.save(os.path.join(out, "strong_values.npy"), values)
np.save(os.path.join(out, "strong_ops.npy"), outputs.astype(np.uint8))
print("wrote", outputs.shape, "PIL", PIL.__version__)

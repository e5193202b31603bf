"""The exercises of chapter 05: Scaling: standardise the test images with the training statistics; count the background.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Exercise, Wrong, _kind, number


def chapter_05(x_train: np.ndarray, x_test: np.ndarray) -> tuple[Exercise, Exercise]:
    """Scaling: standardise the test images with the training statistics; count the background."""
    mean, std = float(x_train.mean()), float(x_train.std())
    expected = (x_test - mean) / std
    own = (x_test - x_test.mean()) / x_test.std()

    def standardised(answer: Any) -> str:
        if not hasattr(answer, "shape") or not hasattr(answer, "dtype"):
            raise Wrong(
                f"your answer is {_kind(answer)}; the exercise asks for an array shaped like raw.x_test {x_test.shape}."
            )
        values = np.asarray(answer, dtype="float64")
        if values.shape != x_test.shape:
            raise Wrong(f"your array has shape {values.shape}; the test images have shape {x_test.shape}.")
        if np.allclose(values, expected, atol=1e-4):
            return (
                f"right: the test images standardised with the training mean {mean:.2f} and "
                f"standard deviation {std:.2f} (their own mean is now {values.mean():.3f}, not exactly 0)."
            )
        if np.allclose(values, own, atol=1e-4):
            raise Wrong(
                "you used the test images' own mean and standard deviation. A model must see "
                "test data prepared exactly like its training data: use x.mean() and x.std()."
            )
        raise Wrong(
            f"your values (mean {values.mean():.3f}, std {values.std():.3f}) are not (raw.x_test - x.mean()) / x.std()."
        )

    fraction = float(np.mean(1.0 - x_train / 255.0 == 1.0))
    return (
        Exercise(
            "Exercise 1",
            standardised,
            "x holds the unscaled training images; x.mean() and x.std() are its statistics.",
            "x_test_std = (raw.x_test - x.mean()) / x.std()",
        ),
        Exercise(
            "Exercise 2",
            number(
                fraction,
                "the fraction of inverted training pixels equal to 1",
                tolerance=1e-4,
                near_misses={
                    float(np.mean(x_train == 255)): "that is the fraction equal to 0 after inversion.",
                    100 * fraction: "that is a percentage; give a fraction between 0 and 1.",
                },
            ),
            "invert the scaled images, 1.0 - x / 255.0, compare with == 1.0, and take np.mean of the result.",
            "fraction_ones = float(np.mean(1.0 - x / 255.0 == 1.0))",
        ),
    )

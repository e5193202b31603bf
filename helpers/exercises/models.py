"""Read a Keras model's design back, and check it against an exercise.

Used first in: "A first network" (exercise 1).
"""

from __future__ import annotations

from typing import Any

from .._backend import keras
from ..models import dense_layers
from .core import Wrong, _kind

_UNSET = object()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _activation_name(layer: keras.layers.Layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def _penalty(layer: keras.layers.Layer) -> dict[str, float]:
    regularizer = getattr(layer, "kernel_regularizer", None)
    if regularizer is None:
        return {"l1": 0.0, "l2": 0.0}
    config = regularizer.get_config()
    return {"l1": float(config.get("l1", 0.0)), "l2": float(config.get("l2", 0.0))}


def describe(model: Any) -> dict[str, Any]:
    """The design of a sequential dense model as plain values.

    Keys: inputs (feature count), hidden (widths), activations, dropout (rate
    after each hidden layer, 0 for none), input_dropout, batch_norm (count),
    batch_norm_positions (each one's place: ``"before_activation"`` when it
    normalises a Dense layer's sums before their activation, else
    ``"after_activation"``), l1, l2 (hidden kernels' penalties, the largest), outputs,
    output_activation, optimizer (class name or None), learning_rate,
    momentum, loss (name or None).
    """
    if not isinstance(model, keras.Model):
        raise Wrong(
            f"your answer is {_kind(model)}; the exercise asks for a Keras model "
            f"(what dense_network or keras.Sequential returns)."
        )
    dense = dense_layers(model)
    if not dense:
        raise Wrong("your model has no Dense layer at all.")
    shape = model.inputs[0].shape[1:] if model.inputs else dense[0].input.shape[1:]
    features = 1
    for size in shape:
        features *= int(size)
    activations, dropout, input_dropout, batch_norm, positions = [], [], 0.0, 0, []
    seen_dense = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            seen_dense += 1
            activations.append(_activation_name(layer))
            dropout.append(0.0)
        elif isinstance(layer, keras.layers.Activation) and activations:
            activations[-1] = _activation_name(layer)
        elif isinstance(layer, keras.layers.Dropout):
            if seen_dense == 0:
                input_dropout = float(layer.rate)
            else:
                dropout[-1] = float(layer.rate)
        elif isinstance(layer, keras.layers.BatchNormalization):
            batch_norm += 1
            # A Dense layer still without its activation: the sums are normalised before it.
            linear = bool(activations) and activations[-1] == "linear"
            positions.append("before_activation" if linear else "after_activation")
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    penalties = [_penalty(layer) for layer in dense[:-1]] or [{"l1": 0.0, "l2": 0.0}]
    return {
        "inputs": features,
        "hidden": [int(layer.units) for layer in dense[:-1]],
        "activations": activations[:-1],
        "dropout": dropout[:-1],
        "input_dropout": input_dropout,
        "batch_norm": batch_norm,
        "batch_norm_positions": positions,
        "l1": max(p["l1"] for p in penalties),
        "l2": max(p["l2"] for p in penalties),
        "outputs": int(dense[-1].units),
        "output_activation": activations[-1],
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "learning_rate": float(keras.ops.convert_to_numpy(optimizer.learning_rate)) if optimizer is not None else None,
        "momentum": float(getattr(optimizer, "momentum", 0.0) or 0.0) if optimizer is not None else None,
        "loss": loss if isinstance(loss, str) or loss is None else getattr(loss, "name", type(loss).__name__),
    }


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


CHECKED = (
    "inputs",
    "hidden",
    "outputs",
    "activation",
    "output_activation",
    "input_dropout",
    "dropout",
    "batch_norm",
    "batch_norm_position",
    "l1",
    "l2",
    "optimizer",
    "learning_rate",
    "momentum",
    "loss",
)


def model_checker(what: str, **expected: Any):
    """A checker for a model: ``expected`` names the requirements that matter, each one checked.

    ``dropout`` and ``activation`` are one value for every hidden layer;
    ``batch_norm_position`` is where every BatchNormalization layer must sit.
    A requirement this checker does not know is refused at once, so that no
    exercise can ask for something its check silently ignores.
    """
    unknown = sorted(set(expected) - set(CHECKED))
    if unknown:
        raise TypeError(f"model_checker cannot check {unknown}; it checks {list(CHECKED)}.")

    def check(answer: Any) -> str:
        got = describe(answer)
        if "inputs" in expected and got["inputs"] != expected["inputs"]:
            raise Wrong(f"your model takes {got['inputs']} inputs; the exercise asks for {expected['inputs']}.")
        if "hidden" in expected:
            want = list(expected["hidden"])
            if len(got["hidden"]) != len(want):
                raise Wrong(
                    f"your model has {_plural(len(got['hidden']), 'hidden layer')}, the exercise asks for {len(want)}."
                )
            if got["hidden"] != want:
                raise Wrong(f"your hidden layers have {got['hidden']} units, the exercise asks for {want}.")
        if "outputs" in expected and got["outputs"] != expected["outputs"]:
            raise Wrong(
                f"your output layer has {_plural(got['outputs'], 'unit')}; the exercise asks for {expected['outputs']}."
            )
        if "activation" in expected and any(a != expected["activation"] for a in got["activations"]):
            raise Wrong(
                f"your hidden activations are {got['activations']}; "
                f"the exercise asks for {expected['activation']} everywhere."
            )
        if "output_activation" in expected and got["output_activation"] != expected["output_activation"]:
            raise Wrong(
                f"your output layer's activation is {got['output_activation']}; "
                f"the exercise asks for {expected['output_activation']}."
            )
        if "input_dropout" in expected and not _close(got["input_dropout"], expected["input_dropout"]):
            if got["input_dropout"] == 0:
                raise Wrong(
                    f"your model has no Dropout before its first Dense layer; the exercise asks for "
                    f"Dropout({expected['input_dropout']}) on the inputs."
                )
            raise Wrong(
                f"your input dropout rate is {got['input_dropout']}; the exercise asks for {expected['input_dropout']}."
            )
        if "dropout" in expected:
            want = expected["dropout"]
            if any(not _close(rate, want) for rate in got["dropout"]):
                raise Wrong(
                    f"the dropout after your hidden layers is {got['dropout']}; "
                    f"the exercise asks for {want} after each."
                )
        if "batch_norm" in expected:
            want = len(got["hidden"]) if expected["batch_norm"] else 0
            if got["batch_norm"] != want:
                raise Wrong(
                    f"your model has {_plural(got['batch_norm'], 'BatchNormalization layer')}; "
                    f"the exercise asks for {want}."
                )
        if "batch_norm_position" in expected:
            want = expected["batch_norm_position"]
            wrong = [p for p in got["batch_norm_positions"] if p != want]
            if wrong:
                where = {
                    "before_activation": "between the Dense layer and its activation",
                    "after_activation": "after the activation",
                }
                raise Wrong(
                    f"your batch normalization sits {where[wrong[0]]}; the exercise asks for it "
                    f"{where[want]} (batch_norm_position={want!r})."
                )
        for penalty in ("l2", "l1"):
            if penalty in expected and not _close(got[penalty], expected[penalty]):
                if got[penalty] == 0:
                    raise Wrong(
                        f"your hidden layers have no {penalty.upper()} penalty; "
                        f"the exercise asks for {penalty}={expected[penalty]}."
                    )
                if expected[penalty] == 0:
                    raise Wrong(
                        f"your hidden layers still have an {penalty.upper()} penalty of {got[penalty]:g}; "
                        f"the exercise asks for none."
                    )
                raise Wrong(
                    f"your {penalty.upper()} penalty is {got[penalty]:g}; the exercise asks for {expected[penalty]}."
                )
        if (
            any(key in expected for key in ("optimizer", "learning_rate", "momentum", "loss"))
            and got["optimizer"] is None
        ):
            raise Wrong(
                "your model is not compiled; build it with dense_network (which compiles) or call model.compile(...)."
            )
        if "optimizer" in expected and got["optimizer"] != expected["optimizer"]:
            raise Wrong(f"your model trains with {got['optimizer']}; the exercise asks for {expected['optimizer']}.")
        if "learning_rate" in expected and not _close(got["learning_rate"], expected["learning_rate"]):
            raise Wrong(
                f"your {got['optimizer']} has learning rate {got['learning_rate']:g}; "
                f"the exercise asks for {expected['learning_rate']:g}."
            )
        if "momentum" in expected and not _close(got["momentum"], expected["momentum"]):
            raise Wrong(
                f"your {got['optimizer']} has momentum {got['momentum']:g}; "
                f"the exercise asks for {expected['momentum']:g}."
            )
        if "loss" in expected and got["loss"] != expected["loss"]:
            raise Wrong(f"your model's loss is {got['loss']!r}; the exercise asks for {expected['loss']!r}.")
        return f"right, this is {what}."

    return check

"""Dataset loaders: MNIST, IMDB and Reuters, offline first.

Where the files come from, in this order:

1. the folder named by the environment variable ``COURSE_DATA_DIR``;
2. Keras' own cache folder (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``);
3. ``keras.datasets.<name>.load_data()``, which downloads when online.

The ``*_arrays`` functions return exactly what ``keras.datasets.*.load_data``
returns (the tests check this).  The ``load_*`` functions add the preparation
a chapter needs: flattening, scaling, inversion and subsets for MNIST;
multi-hot vectors and a validation hold-out for IMDB and Reuters.

Used first in: "A first network" (MNIST).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from . import settings

DATA_DIR_VARIABLE = settings.DATA_DIR

# Keras' post-processing of the IMDB and Reuters word ranks (the defaults of
# ``load_data``): shuffle with this seed, mark the start of a text, shift the
# ranks to leave room for the special indices, replace rare words.
KERAS_SEED = 113
START_CHAR = 1
OOV_CHAR = 2
INDEX_FROM = 3

Labels = Literal["one_hot", "sparse"]
XY = tuple[np.ndarray, np.ndarray]


class DatasetNotFoundError(FileNotFoundError):
    """No local copy of a dataset was found and Keras could not download it."""


class DatasetFileError(ValueError):
    """A local dataset file is there but cannot be read: corrupt, truncated or of another format."""


# --------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------


def keras_cache_dir() -> Path:
    """The folder where ``keras.utils.get_file`` caches datasets."""
    return settings.keras_home() / "datasets"


def data_dir() -> Path | None:
    """The folder named by ``COURSE_DATA_DIR``, or ``None`` when it is unset.

    Raises:
        DatasetNotFoundError: when the variable names something that is not
            a folder (a typo there should not silently trigger a download).
    """
    value = settings.read(DATA_DIR_VARIABLE)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise DatasetNotFoundError(
            f"{DATA_DIR_VARIABLE} is set to '{value}', which is not a folder. "
            f"Point it at the folder that holds mnist.npz, imdb.npz and reuters.npz "
            f"(for this course: ../shared/datasets), or unset it to let Keras download."
        )
    return folder


def find_local_file(filename: str) -> Path | None:
    """Return the first local copy of ``filename``, or ``None``."""
    folders = [data_dir(), keras_cache_dir()]
    for folder in folders:
        if folder is not None and (folder / filename).is_file():
            return folder / filename
    return None


def _unreadable(path: Path, dataset: str, error: BaseException) -> DatasetFileError:
    """The error for a dataset file that is there but cannot be read, with what to do about it."""
    folder = data_dir()
    from_course_folder = folder is not None and path.parent.resolve() == folder.resolve()
    if from_course_folder:
        origin = f"the folder {DATA_DIR_VARIABLE} names"
        fix = (
            f"Replace it with a good copy (for this course: ../shared/datasets/{path.name}), "
            f"or point {DATA_DIR_VARIABLE} at a folder that holds one."
        )
    else:
        origin = "Keras' download cache"
        fix = (
            f"Delete it (rm '{path}') so that Keras downloads it again, "
            f"or set {DATA_DIR_VARIABLE} to a folder that holds a good copy (for this course: ../shared/datasets)."
        )
    return DatasetFileError(
        f"The {dataset} file '{path}' (found in {origin}, {path.parent}) cannot be read: it is corrupt, "
        f"truncated (an interrupted download?) or not the dataset's format "
        f"({type(error).__name__}: {error}). {fix}"
    )


def _read_npz(path: Path, dataset: str, keys: tuple[str, ...], allow_pickle: bool) -> list[np.ndarray]:
    """The arrays ``keys`` of an ``.npz`` file; a clear ``DatasetFileError`` when it cannot be read."""
    try:
        with np.load(path, allow_pickle=allow_pickle) as archive:
            if not hasattr(archive, "files"):
                raise ValueError("it holds a single array, not an .npz archive of named arrays")
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise KeyError(f"no array named {missing}; it has {archive.files}")
            return [archive[key] for key in keys]
    except Exception as error:  # zip, zlib, pickle and numpy each fail in their own way
        raise _unreadable(path, dataset, error) from None


def _download(dataset: str, filename: str, keras_call: Callable[[], object]) -> object:
    """Let Keras fetch a dataset, turning any failure into one clear error."""
    try:
        return keras_call()
    except Exception as err:  # network errors come in many types
        searched = [str(p) for p in (data_dir(), keras_cache_dir()) if p is not None]
        raise DatasetNotFoundError(
            f"The {dataset} dataset is not available: no file '{filename}' in "
            f"{' or '.join(searched)}, and Keras could not download it "
            f"({type(err).__name__}: {err}). "
            f"Set the environment variable {DATA_DIR_VARIABLE} to a folder that "
            f"holds '{filename}' (for this course: ../shared/datasets), "
            f"or run where the internet is reachable."
        ) from None  # the message carries the cause; the network traceback would bury it


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


# --------------------------------------------------------------------------
# Arrays exactly as keras.datasets returns them
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _mnist_cached() -> tuple[XY, XY]:
    path = find_local_file("mnist.npz")
    if path is None:
        import keras

        result = _download("MNIST", "mnist.npz", keras.datasets.mnist.load_data)
    else:
        x_train, y_train, x_test, y_test = _read_npz(path, "MNIST", ("x_train", "y_train", "x_test", "y_test"), False)
        result = (x_train, y_train), (x_test, y_test)
    (x_train, y_train), (x_test, y_test) = result
    _read_only(x_train, y_train, x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def mnist_arrays() -> tuple[XY, XY]:
    """MNIST as ``keras.datasets.mnist.load_data()`` returns it.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (60000, 28, 28) and (10000, 28, 28), uint8 labels 0-9.
        The arrays are shared and read-only; copy before changing them.
    """
    return _mnist_cached()


def _keras_word_ranks(sequences: np.ndarray, num_words: int | None, skip_top: int = 0) -> list[list[int]]:
    """Apply Keras' start-char, index offset and out-of-vocabulary rule."""
    shifted = [[START_CHAR] + [w + INDEX_FROM for w in seq] for seq in sequences]
    if not num_words:
        # Keras' own quirk, kept so that the arrays are identical: without a
        # vocabulary size the largest index itself counts as out of range.
        num_words = max(max(seq) for seq in shifted)
    return [[w if skip_top <= w < num_words else OOV_CHAR for w in seq] for seq in shifted]


def _as_object_array(sequences: list[list[int]]) -> np.ndarray:
    out = np.empty(len(sequences), dtype=object)
    out[:] = sequences
    return out


@functools.lru_cache(maxsize=4)
def _imdb_cached(num_words: int | None) -> tuple[XY, XY]:
    path = find_local_file("imdb.npz")
    if path is None:
        import keras

        result = _download("IMDB", "imdb.npz", lambda: keras.datasets.imdb.load_data(num_words=num_words))
    else:
        x_train, y_train, x_test, y_test = _read_npz(path, "IMDB", ("x_train", "y_train", "x_test", "y_test"), True)
        rng = np.random.RandomState(KERAS_SEED)  # one generator, train first, as Keras does
        order = np.arange(len(x_train))
        rng.shuffle(order)
        x_train, y_train = x_train[order], y_train[order]
        order = np.arange(len(x_test))
        rng.shuffle(order)
        x_test, y_test = x_test[order], y_test[order]
        # Keras picks the vocabulary over train and test together.
        ranks = _keras_word_ranks(np.concatenate([x_train, x_test]), num_words)
        split = len(x_train)
        result = (
            (_as_object_array(ranks[:split]), y_train),
            (_as_object_array(ranks[split:]), y_test),
        )
    (x_train, y_train), (x_test, y_test) = result
    _read_only(x_train, y_train, x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def imdb_arrays(num_words: int | None = 10000) -> tuple[XY, XY]:
    """IMDB as ``keras.datasets.imdb.load_data(num_words=num_words)`` returns it.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of 25000 lists
        of word indices (1 = start, 2 = out of vocabulary, ranks shifted by 3)
        and int64 labels (1 = positive review).  Shared and read-only.
    """
    return _imdb_cached(num_words)


@functools.lru_cache(maxsize=4)
def _reuters_cached(num_words: int | None) -> tuple[XY, XY]:
    path = find_local_file("reuters.npz")
    if path is None:
        import keras

        result = _download(
            "Reuters",
            "reuters.npz",
            lambda: keras.datasets.reuters.load_data(num_words=num_words),
        )
    else:
        xs, labels = _read_npz(path, "Reuters", ("x", "y"), True)
        order = np.arange(len(xs))
        np.random.RandomState(KERAS_SEED).shuffle(order)
        xs, labels = xs[order], labels[order]
        ranks = _keras_word_ranks(xs, num_words)
        split = int(len(ranks) * (1 - 0.2))  # Keras' default test_split=0.2
        result = (
            (_as_object_array(ranks[:split]), labels[:split]),
            (_as_object_array(ranks[split:]), labels[split:]),
        )
    (x_train, y_train), (x_test, y_test) = result
    _read_only(x_train, y_train, x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def reuters_arrays(num_words: int | None = 10000) -> tuple[XY, XY]:
    """Reuters as ``keras.datasets.reuters.load_data(num_words=num_words)`` returns it.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 8982 and 2246 newswires as
        object arrays of word-index lists, int64 topic ids 0-45.
        Shared and read-only.
    """
    return _reuters_cached(num_words)


def word_index(dataset: Literal["imdb", "reuters"]) -> dict[str, int]:
    """The word -> frequency rank mapping of ``dataset`` (rank 1 = most frequent).

    Add ``INDEX_FROM`` (3) to a rank to get the index used in the sequences.
    """
    if dataset not in ("imdb", "reuters"):
        raise ValueError(f"word_index knows 'imdb' and 'reuters', not {dataset!r}.")
    filename = f"{dataset}_word_index.json"
    path = find_local_file(filename)
    if path is None:
        import keras

        module = getattr(keras.datasets, dataset)
        return _download(dataset.upper(), filename, module.get_word_index)  # type: ignore[return-value]
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
        if not isinstance(index, dict):
            raise ValueError(f"it holds a {type(index).__name__}, not a word -> rank mapping")
    except Exception as error:  # JSON, encoding and type errors alike
        raise _unreadable(path, f"{dataset.upper()} word index", error) from None
    return index


def decode(sequence: list[int] | np.ndarray, index: dict[str, int]) -> str:
    """Turn a sequence of word indices back into words.

    Indices 0, 1 and 2 (padding, start, out of vocabulary) become ``?``.
    """
    words = {rank + INDEX_FROM: word for word, rank in index.items()}
    return " ".join(words.get(int(i), "?") for i in sequence)


# --------------------------------------------------------------------------
# Prepared datasets
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """Arrays ready for ``model.fit``.

    Attributes:
        x_train, y_train: the training inputs and targets.
        x_test, y_test: the test inputs and targets.
        x_val, y_val: a validation hold-out cut from the training set, or
            ``None`` where the chapter validates on the test set (as the MNIST
            chapters of the source material do).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def validation(self) -> XY:
        """The validation pair: the hold-out if there is one, else the test set."""
        if self.x_val is not None:
            return self.x_val, self.y_val  # type: ignore[return-value]
        return self.x_test, self.y_test

    def with_validation_split(self, fraction: float) -> Dataset:
        """Hold out the last ``fraction`` of the training set, as Keras'
        ``fit(validation_split=fraction)`` does (before any shuffling).

        Returns:
            A new ``Dataset`` whose ``x_val``/``y_val`` are the held-out rows.
        """
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must lie strictly between 0 and 1, not {fraction!r}.")
        split = int(len(self.x_train) * (1.0 - fraction))  # floor, like Keras
        if split in (0, len(self.x_train)):
            raise ValueError(f"A fraction of {fraction} leaves no examples on one side of {len(self.x_train)}.")
        return Dataset(
            self.x_train[:split],
            self.y_train[:split],
            self.x_test,
            self.y_test,
            x_val=self.x_train[split:],
            y_val=self.y_train[split:],
        )

    def full_training_set(self) -> XY:
        """Hold-out and training examples together, in the original order."""
        if self.x_val is None:
            return self.x_train, self.y_train
        return (
            np.concatenate([self.x_val, self.x_train]),
            np.concatenate([self.y_val, self.y_train]),  # type: ignore[list-item]
        )


def _check_count(name: str, n: int | None, available: int) -> int:
    if n is None:
        return available
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 0 < n <= available:
        raise ValueError(f"{name} must be a whole number from 1 to {available}, not {n!r}.")
    return int(n)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Integer labels of shape (n,) -> float32 one-hot rows of shape (n, classes)."""
    return np.eye(classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]


def load_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    *,
    scale: bool = True,
    invert: bool = False,
    flatten: bool = True,
    labels: Labels = "one_hot",
) -> Dataset:
    """MNIST prepared as in the course: the first ``n_train``/``n_test`` images.

    Args:
        n_train: how many training images to keep, from the start (``None``: all 60000).
        n_test: how many test images to keep, from the start (``None``: all 10000).
        scale: divide pixel values by 255 (to [0, 1]); ``False`` keeps 0-255.
        invert: map each pixel ``x`` to ``max - x`` (white background, dark digit).
        flatten: images as vectors of 784 instead of 28x28.
        labels: ``"one_hot"`` for (n, 10) float32 rows, ``"sparse"`` for (n,) ints.

    Returns:
        A ``Dataset`` with float32 inputs of shape (n, 784) or (n, 28, 28).
    """
    if labels not in ("one_hot", "sparse"):
        raise ValueError(f"labels must be 'one_hot' or 'sparse', not {labels!r}.")
    (x_train, y_train), (x_test, y_test) = mnist_arrays()
    n_train = _check_count("n_train", n_train, len(x_train))
    n_test = _check_count("n_test", n_test, len(x_test))

    def prepare(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32)
        top = 255.0
        if scale:
            x /= 255.0
            top = 1.0
        if invert:
            x = top - x
        return x.reshape(len(x), -1) if flatten else x

    def targets(y: np.ndarray) -> np.ndarray:
        return one_hot(y, 10) if labels == "one_hot" else y.astype(np.int64)

    return Dataset(
        prepare(x_train[:n_train]),
        targets(y_train[:n_train]),
        prepare(x_test[:n_test]),
        targets(y_test[:n_test]),
    )


def multi_hot(sequences: np.ndarray | list[list[int]], num_words: int) -> np.ndarray:
    """Sequences of word indices -> float32 matrix of shape (n, num_words).

    Row ``i`` has a 1 at every index that occurs in sequence ``i`` (how often
    it occurs is lost), 0 elsewhere.
    """
    lengths = [len(seq) for seq in sequences]
    rows = np.repeat(np.arange(len(lengths)), lengths)
    cols = np.fromiter((w for seq in sequences for w in seq), dtype=np.int64, count=sum(lengths))
    if cols.size and (cols.min() < 0 or cols.max() >= num_words):
        raise ValueError(f"word indices must lie in [0, {num_words}); found {cols.min()}..{cols.max()}.")
    out = np.zeros((len(lengths), num_words), dtype=np.float32)
    out[rows, cols] = 1.0
    return out


def _text_dataset(
    arrays: tuple[XY, XY], num_words: int, validation: int, targets: Callable[[np.ndarray], np.ndarray]
) -> Dataset:
    (x_train, y_train), (x_test, y_test) = arrays
    validation = _check_count("validation", validation, len(x_train) - 1)
    x_train, x_test = multi_hot(x_train, num_words), multi_hot(x_test, num_words)
    y_train, y_test = targets(y_train), targets(y_test)
    return Dataset(
        x_train[validation:],
        y_train[validation:],
        x_test,
        y_test,
        x_val=x_train[:validation],
        y_val=y_train[:validation],
    )


def load_imdb(num_words: int = 10000, validation: int = 10000) -> Dataset:
    """IMDB reviews as multi-hot vectors with a validation hold-out.

    Args:
        num_words: vocabulary size (the most frequent words).
        validation: the first ``validation`` training reviews are held out.

    Returns:
        A ``Dataset``: inputs float32 (n, num_words), targets float32 (n,)
        0/1; 15000 train, 10000 validation, 25000 test with the defaults.
    """
    return _text_dataset(imdb_arrays(num_words), num_words, validation, lambda y: y.astype(np.float32))


def load_reuters(num_words: int = 10000, validation: int = 1000, labels: Labels = "one_hot") -> Dataset:
    """Reuters newswires as multi-hot vectors with a validation hold-out.

    Args:
        num_words: vocabulary size (the most frequent words).
        validation: the first ``validation`` training wires are held out.
        labels: ``"one_hot"`` for (n, 46) float32 rows, ``"sparse"`` for (n,) ints.

    Returns:
        A ``Dataset``: 7982 train, 1000 validation, 2246 test with the defaults.
    """
    if labels not in ("one_hot", "sparse"):
        raise ValueError(f"labels must be 'one_hot' or 'sparse', not {labels!r}.")
    convert = (lambda y: one_hot(y, 46)) if labels == "one_hot" else (lambda y: y.astype(np.int64))
    return _text_dataset(reuters_arrays(num_words), num_words, validation, convert)

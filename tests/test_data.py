"""The loaders: shapes, dtypes, equality with keras.datasets, clear errors."""

from __future__ import annotations

import helpers

import io
import json
from pathlib import Path

import keras
import numpy as np
import pytest


@pytest.fixture
def keras_reads_local_files(monkeypatch, data_folder):
    """Make keras.datasets read the offline copies instead of downloading.

    Keras checks a file hash that two of the offline copies do not match (same
    arrays, different compression), so its ``get_file`` is pointed straight at
    the folder.
    """

    def local_get_file(fname=None, origin=None, **kwargs):
        return str(data_folder / fname)

    for name in ("mnist", "imdb", "reuters"):
        module = __import__(f"keras.src.datasets.{name}", fromlist=["get_file"])
        monkeypatch.setattr(module, "get_file", local_get_file)


@pytest.fixture(autouse=True)
def local_data(monkeypatch, data_folder):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_folder))


def assert_same_split(ours, theirs):
    (ox_train, oy_train), (ox_test, oy_test) = ours
    (kx_train, ky_train), (kx_test, ky_test) = theirs
    for a, b in ((oy_train, ky_train), (oy_test, ky_test)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    for a, b in ((ox_train, kx_train), (ox_test, kx_test)):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype == object:
            assert all(list(x) == list(y) for x, y in zip(a, b))
        else:
            np.testing.assert_array_equal(a, b)


def test_mnist_arrays_equal_keras(keras_reads_local_files):
    assert_same_split(helpers.mnist_arrays(), keras.datasets.mnist.load_data())


@pytest.mark.parametrize("num_words", [10000, None])
def test_imdb_arrays_equal_keras(keras_reads_local_files, num_words):
    assert_same_split(helpers.imdb_arrays(num_words), keras.datasets.imdb.load_data(num_words=num_words))


@pytest.mark.parametrize("num_words", [10000, None])
def test_reuters_arrays_equal_keras(keras_reads_local_files, num_words):
    assert_same_split(helpers.reuters_arrays(num_words), keras.datasets.reuters.load_data(num_words=num_words))


@pytest.mark.parametrize("dataset", ["imdb", "reuters"])
def test_word_index_equals_keras(keras_reads_local_files, dataset):
    assert helpers.word_index(dataset) == getattr(keras.datasets, dataset).get_word_index()


def test_published_sanity_figures():
    (x_train, y_train), (x_test, _) = helpers.mnist_arrays()
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x_train.mean() == pytest.approx(33.3184, abs=1e-4)
    assert x_test.mean() == pytest.approx(33.7912, abs=1e-4)
    (imdb_train, _), _ = helpers.imdb_arrays(None)
    assert imdb_train[0][:8] == [1, 14, 22, 16, 43, 530, 973, 1622]
    assert len(imdb_train[0]) == 218


def test_mnist_prepared_shapes_and_scaling():
    d = helpers.load_mnist(n_train=100, n_test=50)
    assert d.x_train.shape == (100, 784) and d.x_train.dtype == np.float32
    assert d.x_test.shape == (50, 784)
    assert d.y_train.shape == (100, 10) and d.y_train.dtype == np.float32
    assert set(np.unique(d.y_train)) == {0.0, 1.0} and (d.y_train.sum(axis=1) == 1).all()
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    raw, _ = helpers.mnist_arrays()
    np.testing.assert_allclose(d.x_train, raw[0][:100].reshape(100, 784) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.y_train.argmax(1), raw[1][:100])
    x_val, y_val = d.validation
    assert x_val is d.x_test and y_val is d.y_test  # MNIST chapters validate on the test set


def test_mnist_options():
    unscaled = helpers.load_mnist(n_train=10, n_test=10, scale=False)
    assert unscaled.x_train.max() == 255.0
    inverted = helpers.load_mnist(n_train=10, n_test=10, invert=True)
    scaled = helpers.load_mnist(n_train=10, n_test=10)
    np.testing.assert_allclose(inverted.x_train, 1.0 - scaled.x_train)
    inverted_raw = helpers.load_mnist(n_train=10, n_test=10, scale=False, invert=True)
    np.testing.assert_allclose(inverted_raw.x_train, 255.0 - unscaled.x_train)
    images = helpers.load_mnist(n_train=10, n_test=10, flatten=False, labels="sparse")
    assert images.x_train.shape == (10, 28, 28)
    assert images.y_train.shape == (10,) and images.y_train.dtype == np.int64


@pytest.mark.parametrize("bad", [0, -5, 60001, 2.5, "100", True])
def test_mnist_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="n_train must be a whole number from 1 to 60000"):
        helpers.load_mnist(n_train=bad)


def test_mnist_rejects_unknown_label_format():
    with pytest.raises(ValueError, match="'one_hot' or 'sparse'"):
        helpers.load_mnist(n_train=10, labels="onehot")


def test_shared_arrays_are_read_only():
    (x_train, _), _ = helpers.mnist_arrays()
    with pytest.raises(ValueError):
        x_train[0, 0, 0] = 1


def test_imdb_prepared_split():
    d = helpers.load_imdb()
    assert d.x_train.shape == (15000, 10000) and d.x_val.shape == (10000, 10000)
    assert d.x_test.shape == (25000, 10000) and d.x_train.dtype == np.float32
    assert d.y_train.shape == (15000,) and set(np.unique(d.y_train)) == {0.0, 1.0}
    (raw_x, raw_y), _ = helpers.imdb_arrays(10000)
    first = np.zeros(10000, dtype=np.float32)
    first[raw_x[0]] = 1.0
    np.testing.assert_array_equal(d.x_val[0], first)  # the hold-out is the first reviews
    x_all, y_all = d.full_training_set()
    assert x_all.shape == (25000, 10000)
    np.testing.assert_array_equal(y_all, raw_y.astype(np.float32))


def test_reuters_prepared_split():
    d = helpers.load_reuters()
    assert d.x_train.shape == (7982, 10000) and d.x_val.shape == (1000, 10000)
    assert d.x_test.shape == (2246, 10000)
    assert d.y_train.shape == (7982, 46)
    sparse = helpers.load_reuters(labels="sparse")
    np.testing.assert_array_equal(sparse.y_train, d.y_train.argmax(1))


def test_multi_hot_and_decode():
    out = helpers.multi_hot([[1, 3, 3], [], [0, 4]], 5)
    np.testing.assert_array_equal(out, [[0, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 1]])
    with pytest.raises(ValueError, match=r"word indices must lie in \[0, 5\)"):
        helpers.multi_hot([[5]], 5)
    index = {"the": 1, "movie": 17}
    assert helpers.decode([1, 4, 20, 2], index) == "? the movie ?"


def test_missing_dataset_gives_one_clear_error(tmp_path, monkeypatch, fresh_caches):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(empty))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(helpers.DatasetNotFoundError) as info:
        helpers.load_mnist(n_train=10)
    message = str(info.value)
    assert "MNIST" in message and "mnist.npz" in message and "COURSE_DATA_DIR" in message
    assert "Name or service not known" in message  # the cause is named...
    assert info.value.__cause__ is None and info.value.__suppress_context__  # ...without a network traceback


def test_data_dir_that_is_not_a_folder(tmp_path, monkeypatch, fresh_caches):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(helpers.DatasetNotFoundError, match="is not a folder"):
        helpers.load_mnist(n_train=10)


def test_keras_cache_is_the_second_place_looked(tmp_path, monkeypatch, data_folder, fresh_caches):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "imdb_word_index.json").write_text(json.dumps({"only": 1}))
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    assert helpers.word_index("imdb") == {"only": 1}


def test_validation_split_matches_keras_rule():
    d = helpers.load_mnist(n_train=1000, n_test=10)
    split = d.with_validation_split(0.1)
    assert split.x_train.shape[0] == 900 and split.x_val.shape[0] == 100
    np.testing.assert_array_equal(split.x_val, d.x_train[900:])  # the last rows, as Keras takes them
    assert split.validation[0] is split.x_val
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        d.with_validation_split(1.0)


LOADERS = {
    "mnist.npz": ("MNIST", lambda: helpers.load_mnist(n_train=10)),
    "imdb.npz": ("IMDB", lambda: helpers.load_imdb()),
    "reuters.npz": ("Reuters", lambda: helpers.load_reuters()),
    "imdb_word_index.json": ("IMDB word index", lambda: helpers.word_index("imdb")),
}


def _damaged(kind: str, good: Path) -> bytes:
    """A file as an interrupted download, a wrong link or a stray archive leaves it."""
    if kind == "truncated":
        data = good.read_bytes()
        return data[: len(data) // 2]
    if kind == "wrong format":  # e.g. the HTML of an error page saved under the file's name
        return b"<!DOCTYPE html><html><body>404 Not Found</body></html>\n"
    buffer = io.BytesIO()  # corrupt: a valid .npz of the wrong arrays
    np.savez(buffer, something_else=np.arange(3))
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["truncated", "wrong format", "corrupt"])
@pytest.mark.parametrize("filename", list(LOADERS))
def test_damaged_file_in_the_course_folder_names_it_and_says_what_to_do(
    filename, kind, tmp_path, monkeypatch, data_folder, fresh_caches
):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / filename).write_bytes(_damaged(kind, data_folder / filename))
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    dataset, load = LOADERS[filename]
    with pytest.raises(helpers.DatasetFileError) as info:
        load()
    message = str(info.value)
    assert str(folder / filename) in message and f"The {dataset} file" in message
    assert "COURSE_DATA_DIR" in message and "Replace it with a good copy" in message
    assert info.value.__suppress_context__  # no traceback from deep inside numpy or zipfile


@pytest.mark.parametrize("filename", ["mnist.npz", "imdb.npz", "reuters.npz"])
def test_damaged_file_in_keras_cache_says_delete_it_to_download_again(
    filename, tmp_path, monkeypatch, data_folder, fresh_caches
):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    (cache / filename).write_bytes(_damaged("truncated", data_folder / filename))
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(helpers.DatasetFileError) as info:
        LOADERS[filename][1]()
    message = str(info.value)
    assert "Keras' download cache" in message and f"rm '{cache / filename}'" in message
    assert "downloads it again" in message

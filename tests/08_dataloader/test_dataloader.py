"""Module 08 dataloader: Dataset interface, TensorDataset rows, DataLoader batching and shuffling."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.dataloader import DataLoader, Dataset, TensorDataset
from tinytorch.core.tensor import Tensor


def numbered_rows(n, width=3):
    """Features whose first column is the row number, and labels equal to the row number."""
    features = np.zeros((n, width), dtype=np.float32)
    features[:, 0] = np.arange(n)
    features[:, 1:] = np.random.normal(size=(n, width - 1))
    return features, np.arange(n)


class ListDataset(Dataset):
    """A Dataset without get_batch: the loader must take the generic per-example path."""

    def __init__(self, rows):
        self.rows = rows
        self.fetched = 0

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        self.fetched += 1
        return self.rows[index]


# ---- Dataset ------------------------------------------------------------------------

def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()


def test_subclass_missing_getitem_cannot_be_instantiated():
    class OnlyLength(Dataset):
        def __len__(self):
            return 3

    with pytest.raises(TypeError):
        OnlyLength()


# ---- TensorDataset --------------------------------------------------------------------

def test_tensor_dataset_items_line_up_across_tensors():
    features, labels = numbered_rows(7)
    data = TensorDataset(Tensor(features), Tensor(labels))
    assert len(data) == 7
    for i in (0, 3, 6, -1):
        x, y = data[i]
        assert isinstance(x, Tensor) and isinstance(y, Tensor)
        np.testing.assert_array_equal(x.data, features[i])
        assert int(y.data) == labels[i]


def test_tensor_dataset_keeps_dtypes():
    data = TensorDataset(Tensor(np.ones((4, 2))), Tensor(np.array([0, 1, 2, 3])))
    x, y = data[1]
    assert x.data.dtype == np.float32
    assert np.issubdtype(y.data.dtype, np.integer), "class labels must stay integers"


def test_tensor_dataset_get_batch_gathers_rows_in_the_given_order():
    features, labels = numbered_rows(10)
    data = TensorDataset(Tensor(features), Tensor(labels))
    xb, yb = data.get_batch(np.array([9, 0, 4]))
    np.testing.assert_array_equal(xb.data, features[[9, 0, 4]])
    np.testing.assert_array_equal(yb.data, [9, 0, 4])


@pytest.mark.parametrize(
    "tensors",
    [
        (Tensor(np.zeros((5, 2))), Tensor(np.zeros(4))),
        (Tensor(np.zeros((3, 2))), Tensor(np.zeros(3)), Tensor(np.zeros((2, 1)))),
    ],
)
def test_tensor_dataset_rejects_mismatched_first_dimensions(tensors):
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(*tensors)


def test_tensor_dataset_rejects_bad_arguments():
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(TypeError):
        TensorDataset(np.zeros((3, 2)))
    with pytest.raises(ValueError):
        TensorDataset(Tensor(5.0))


def test_tensor_dataset_index_errors():
    data = TensorDataset(Tensor(np.zeros((3, 2))))
    with pytest.raises(IndexError):
        data[3]
    with pytest.raises(IndexError):
        data[-4]
    with pytest.raises(TypeError):
        data[1.0]


# ---- DataLoader: batching -------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, sizes", [(10, 4, [4, 4, 2]), (8, 4, [4, 4]), (3, 10, [3]), (1, 1, [1])])
def test_batch_sizes_and_len(n, batch_size, sizes):
    features, labels = numbered_rows(n)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=batch_size)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [b[0].shape[0] for b in batches] == sizes
    assert [b[1].shape[0] for b in batches] == sizes


def test_unshuffled_batches_are_consecutive_rows():
    features, labels = numbered_rows(10)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=4)
    for k, (xb, yb) in enumerate(loader):
        np.testing.assert_array_equal(xb.data, features[4 * k:4 * k + 4])
        np.testing.assert_array_equal(yb.data, labels[4 * k:4 * k + 4])


def test_unshuffled_order_is_the_same_every_epoch():
    features, labels = numbered_rows(9)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=2)
    first = np.concatenate([yb.data for _, yb in loader])
    second = np.concatenate([yb.data for _, yb in loader])
    np.testing.assert_array_equal(first, np.arange(9))
    np.testing.assert_array_equal(second, np.arange(9))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans())
def test_every_row_appears_exactly_once_per_epoch(n, batch_size, shuffle):
    features, labels = numbered_rows(n)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=batch_size, shuffle=shuffle)
    batches = list(loader)
    assert len(loader) == len(batches) == math.ceil(n / batch_size)
    assert all(b[0].shape[0] == batch_size for b in batches[:-1])
    seen = np.concatenate([yb.data for _, yb in batches]) if batches else np.array([], dtype=int)
    assert sorted(seen.tolist()) == list(range(n))


def test_empty_dataset_gives_no_batches():
    loader = DataLoader(TensorDataset(Tensor(np.zeros((0, 3)))), batch_size=4, shuffle=True)
    assert len(loader) == 0
    assert list(loader) == []


def test_single_tensor_dataset_yields_one_tuples():
    loader = DataLoader(TensorDataset(Tensor(np.arange(5.0))), batch_size=2)
    batches = list(loader)
    assert all(isinstance(batch, tuple) and len(batch) == 1 for batch in batches)
    np.testing.assert_array_equal(batches[-1][0].data, [4.0])


def test_batches_are_copies_not_views_of_the_dataset():
    features, labels = numbered_rows(6)
    source = Tensor(features.copy())
    loader = DataLoader(TensorDataset(source, Tensor(labels)), batch_size=3, shuffle=True)
    for xb, _ in loader:
        xb.data[...] = -1.0
    np.testing.assert_array_equal(source.data, features)


# ---- DataLoader: shuffling ------------------------------------------------------------

def test_shuffle_keeps_fields_aligned():
    features, labels = numbered_rows(25)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=6, shuffle=True)
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)
        np.testing.assert_array_equal(xb.data, features[yb.data])


def test_shuffle_draws_a_fresh_order_each_epoch():
    features, labels = numbered_rows(30)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=7, shuffle=True)
    orders = [tuple(np.concatenate([yb.data for _, yb in loader]).tolist()) for _ in range(3)]
    assert len(set(orders)) == 3, "three epochs should give three different orders"
    assert all(order != tuple(range(30)) for order in orders)


def test_shuffle_is_reproducible_under_the_numpy_seed():
    features, labels = numbered_rows(20)
    data = TensorDataset(Tensor(features), Tensor(labels))

    def epoch_order():
        return np.concatenate([yb.data for _, yb in DataLoader(data, batch_size=5, shuffle=True)])

    np.random.seed(123)
    first = epoch_order()
    np.random.seed(123)
    second = epoch_order()
    np.testing.assert_array_equal(first, second)


# ---- DataLoader: generic path ----------------------------------------------------------

def test_generic_dataset_items_are_stacked():
    rows = [(Tensor([float(i), 2.0 * i]), Tensor(i)) for i in range(5)]
    dataset = ListDataset(rows)
    batches = list(DataLoader(dataset, batch_size=2))
    assert len(batches) == 3 and dataset.fetched == 5
    xb, yb = batches[0]
    np.testing.assert_array_equal(xb.data, [[0.0, 0.0], [1.0, 2.0]])
    np.testing.assert_array_equal(yb.data, [0, 1])
    assert np.issubdtype(yb.data.dtype, np.integer)
    assert batches[2][0].shape == (1, 2)


def test_generic_path_accepts_arrays_numbers_and_bare_items():
    mixed = ListDataset([(np.array([i, i]), i * 0.5) for i in range(4)])
    xb, yb = next(iter(DataLoader(mixed, batch_size=4)))
    np.testing.assert_array_equal(xb.data, [[0, 0], [1, 1], [2, 2], [3, 3]])
    np.testing.assert_allclose(yb.data, [0.0, 0.5, 1.0, 1.5])

    bare = ListDataset([Tensor([float(i)]) for i in range(3)])
    (only,) = next(iter(DataLoader(bare, batch_size=3)))
    np.testing.assert_array_equal(only.data, [[0.0], [1.0], [2.0]])


def test_generic_path_rejects_ragged_examples():
    ragged = ListDataset([(Tensor([1.0]), Tensor(0)), (Tensor([2.0]),)])
    with pytest.raises(ValueError):
        list(DataLoader(ragged, batch_size=2))


def test_generic_path_shuffles_too():
    rows = [(Tensor([float(i)]), Tensor(i)) for i in range(12)]
    loader = DataLoader(ListDataset(rows), batch_size=5, shuffle=True)
    seen = np.concatenate([yb.data for _, yb in loader])
    assert sorted(seen.tolist()) == list(range(12)) and seen.tolist() != list(range(12))
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)


def test_tensor_dataset_takes_the_vectorized_path():
    class CountingTensorDataset(TensorDataset):
        def __init__(self, *tensors):
            super().__init__(*tensors)
            self.single, self.batched = 0, 0

        def __getitem__(self, index):
            self.single += 1
            return super().__getitem__(index)

        def get_batch(self, indices):
            self.batched += 1
            return super().get_batch(indices)

    features, labels = numbered_rows(10)
    data = CountingTensorDataset(Tensor(features), Tensor(labels))
    list(DataLoader(data, batch_size=4, shuffle=True))
    assert data.single == 0 and data.batched == 3, "one gather per batch, no per-row access"


# ---- DataLoader: bad arguments ---------------------------------------------------------

@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("4", TypeError)])
def test_bad_batch_size(batch_size, error):
    with pytest.raises(error):
        DataLoader(TensorDataset(Tensor(np.zeros((4, 2)))), batch_size=batch_size)


def test_dataset_without_len_or_getitem_is_refused():
    with pytest.raises(TypeError):
        DataLoader(object(), batch_size=2)

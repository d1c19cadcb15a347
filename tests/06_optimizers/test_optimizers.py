"""Module 06 optimizers: update rules against hand-written numpy references, state, sharing, prune masks.

The reference functions below re-derive each rule from its textbook formula in float64;
they share no code with tinytorch.core.optimizers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.layers import Linear
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD, Adam, AdamW, Optimizer
from tinytorch.core.tensor import Tensor

from testkit.models import TwoLayerMLP, full_batch_steps

STEPS = 5


# ---- independent references -----------------------------------------------------------

def sgd_reference(w, grads, lr, momentum=0.0, weight_decay=0.0):
    w, velocity = w.astype(np.float64).copy(), np.zeros_like(w, dtype=np.float64)
    for g in grads:
        g = g + weight_decay * w
        if momentum:
            velocity = momentum * velocity + g
            g = velocity
        w = w - lr * g
    return w


def adam_reference(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    w = w.astype(np.float64).copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w = w - lr * weight_decay * w
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def run_steps(make_optimizer, w0, grads):
    """Step an optimizer with the given gradient sequence; returns the final weights."""
    w = Tensor(w0.copy(), requires_grad=True)
    opt = make_optimizer([w])
    for g in grads:
        w.grad = g.copy()
        opt.step()
    return w.data


@pytest.fixture
def problem():
    w0 = np.random.normal(size=(3, 4)).astype(np.float32)
    grads = [np.random.normal(size=(3, 4)) for _ in range(STEPS)]
    return w0, grads


# ---- update rules ------------------------------------------------------------------------

@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.1), (0.8, 0.05)])
def test_sgd_matches_reference(problem, momentum, weight_decay):
    w0, grads = problem
    got = run_steps(lambda p: SGD(p, lr=0.05, momentum=momentum, weight_decay=weight_decay), w0, grads)
    np.testing.assert_allclose(got, sgd_reference(w0, grads, 0.05, momentum, weight_decay), rtol=1e-5, atol=1e-6)


def test_sgd_single_step_by_hand():
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    w.grad = np.array([0.5, 0.5])
    SGD([w], lr=0.1).step()
    np.testing.assert_allclose(w.data, [1.95, -1.05], rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(lr=st.floats(1e-4, 1.0), momentum=st.floats(0.0, 0.99), weight_decay=st.floats(0.0, 0.5))
def test_sgd_two_steps_match_reference_for_any_hyperparameters(lr, momentum, weight_decay):
    rng = np.random.default_rng(7)
    w0 = rng.normal(size=5).astype(np.float32)
    grads = [rng.normal(size=5) for _ in range(2)]
    got = run_steps(lambda p: SGD(p, lr=lr, momentum=momentum, weight_decay=weight_decay), w0, grads)
    np.testing.assert_allclose(got, sgd_reference(w0, grads, lr, momentum, weight_decay), rtol=1e-4, atol=1e-5)


def test_adam_first_step_moves_each_weight_by_lr():
    # Bias correction makes m_hat = g and v_hat = g^2 at t = 1, whatever the gradient's scale.
    w = Tensor(np.array([0.0, 0.0, 0.0]), requires_grad=True)
    w.grad = np.array([1000.0, -0.001, 3.0])
    Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, [-0.01, 0.01, -0.01], rtol=1e-4)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)])
def test_adam_matches_reference(problem, betas):
    w0, grads = problem
    got = run_steps(lambda p: Adam(p, lr=0.01, betas=betas), w0, grads)
    np.testing.assert_allclose(got, adam_reference(w0, grads, 0.01, *betas), rtol=1e-5, atol=1e-6)


def test_adam_weight_decay_is_l2_added_to_the_gradient(problem):
    w0, grads = problem
    got = run_steps(lambda p: Adam(p, lr=0.01, weight_decay=0.1), w0, grads)
    np.testing.assert_allclose(got, adam_reference(w0, grads, 0.01, weight_decay=0.1), rtol=1e-5, atol=1e-6)


def test_adamw_decay_is_decoupled(problem):
    w0, grads = problem
    got = run_steps(lambda p: AdamW(p, lr=0.01, weight_decay=0.1), w0, grads)
    expected = adam_reference(w0, grads, 0.01, weight_decay=0.1, decoupled=True)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    coupled = adam_reference(w0, grads, 0.01, weight_decay=0.1)
    assert not np.allclose(expected, coupled, rtol=1e-4), "the two decays must differ for this test to mean anything"


def test_adamw_with_zero_gradient_only_shrinks():
    w = Tensor(np.array([2.0, -4.0]), requires_grad=True)
    w.grad = np.zeros(2)
    AdamW([w], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(w.data, [2.0 * 0.95, -4.0 * 0.95], rtol=1e-6)


def test_default_hyperparameters_follow_the_api():
    w = Tensor(np.ones(2), requires_grad=True)
    sgd, adam, adamw = SGD([w]), Adam([w]), AdamW([w])
    assert (sgd.lr, sgd.momentum, sgd.weight_decay) == (0.01, 0.0, 0.0)
    assert (adam.lr, tuple(adam.betas), adam.eps, adam.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0.0)
    assert (adamw.lr, adamw.weight_decay) == (0.001, 0.01)


def test_changing_lr_between_steps_takes_effect():
    w = Tensor(np.array([1.0]), requires_grad=True)
    opt = SGD([w], lr=0.1)
    w.grad = np.array([1.0])
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_allclose(w.data, [1.0 - 0.1 - 0.5], rtol=1e-6)


# ---- bookkeeping ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1), lambda p: Adam(p), lambda p: AdamW(p)])
def test_update_is_in_place(make):
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    array = w.data
    opt = make([w])
    for _ in range(3):
        w.grad = np.ones((2, 3))
        opt.step()
    assert w.data is array and not np.allclose(array, 1.0)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_parameter_listed_twice_is_stepped_once(make, problem):
    w0, grads = problem
    once = run_steps(make, w0, grads)
    w = Tensor(w0.copy(), requires_grad=True)
    opt = make([w, w])
    assert len(opt.params) == 1
    for g in grads:
        w.grad = g.copy()
        opt.step()
    np.testing.assert_array_equal(w.data, once)


def test_weight_shared_by_two_layers_stays_one_object_and_is_stepped_once():
    first, second = Linear(3, 3), Linear(3, 2)
    second_in = Linear(3, 3)
    second_in.weight = first.weight  # tied: one Tensor used by two layers
    params = first.parameters() + second_in.parameters() + second.parameters()
    opt = SGD(params, lr=0.1)
    x = Tensor(np.random.normal(size=(4, 3)))
    out = second.forward(second_in.forward(first.forward(x).tanh()).tanh())
    loss = MSELoss()(out, Tensor(np.zeros((4, 2))))
    opt.zero_grad()
    loss.backward()
    before, grad = first.weight.data.copy(), first.weight.grad.copy()
    opt.step()
    assert second_in.weight is first.weight
    np.testing.assert_allclose(first.weight.data, before - 0.1 * grad, rtol=1e-5, atol=1e-7)


def test_parameters_without_gradient_are_skipped():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0]), requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    for _ in range(3):
        a.grad = np.array([1.0, 1.0])
        opt.step()
    np.testing.assert_array_equal(b.data, [3.0])
    # b's first real step is its own t = 1: bias correction makes it move by exactly lr.
    b.grad, a.grad = np.array([0.2]), None
    opt.step()
    np.testing.assert_allclose(b.data, [2.9], rtol=1e-5)


def test_step_does_not_modify_the_gradient_array():
    w = Tensor(np.ones(3), requires_grad=True)
    w.prune_mask = np.array([1.0, 0.0, 1.0])
    grad = np.array([1.0, 2.0, 3.0])
    w.grad = grad
    SGD([w], lr=0.1, weight_decay=0.1).step()
    np.testing.assert_array_equal(grad, [1.0, 2.0, 3.0])


def test_zero_grad_sets_none():
    model = TwoLayerMLP(2, 3, 1)
    opt = SGD(model.parameters())
    loss = model.forward(Tensor(np.ones((2, 2)))).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_survives_across_steps_and_is_created_lazily():
    w = Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([w], lr=1.0, momentum=0.5)
    assert not any(opt.state.values())
    w.grad = np.array([1.0, 1.0])
    opt.step()
    w.grad = np.zeros(2)
    opt.step()  # pure momentum: v = 0.5 * 1
    np.testing.assert_allclose(w.data, [-1.5, -1.5])


def test_state_dict_round_trip_resumes_identically(problem):
    w0, grads = problem
    straight = run_steps(lambda p: Adam(p, lr=0.01), w0, grads)
    w = Tensor(w0.copy(), requires_grad=True)
    first = Adam([w], lr=0.01)
    for g in grads[:2]:
        w.grad = g.copy()
        first.step()
    resumed = Adam([w], lr=0.01)
    resumed.load_state_dict(first.state_dict())
    for g in grads[2:]:
        w.grad = g.copy()
        resumed.step()
    np.testing.assert_allclose(w.data, straight, rtol=1e-6, atol=1e-7)


def test_load_state_dict_rejects_wrong_shapes():
    w = Tensor(np.zeros(3), requires_grad=True)
    opt = SGD([w], momentum=0.9)
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict({"lr": 0.1, "state": {0: {"momentum": np.zeros(4)}}})
    with pytest.raises(ValueError):
        opt.load_state_dict({"lr": 0.1, "state": {5: {"momentum": np.zeros(3)}}})


def test_base_optimizer_has_no_update_rule():
    w = Tensor(np.zeros(2), requires_grad=True)
    w.grad = np.ones(2)
    with pytest.raises(NotImplementedError):
        Optimizer([w]).step()


# ---- convergence ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "make, steps",
    [
        (lambda p: SGD(p, lr=0.05), 300),
        (lambda p: SGD(p, lr=0.02, momentum=0.9), 300),
        (lambda p: Adam(p, lr=0.1), 400),
        (lambda p: AdamW(p, lr=0.1, weight_decay=0.0), 400),
    ],
)
def test_converges_on_a_quadratic(make, steps):
    target = np.array([1.0, -2.0, 3.0, 0.5])
    curvature = Tensor(np.array([1.0, 4.0, 9.0, 2.0]))
    w = Tensor(np.zeros(4), requires_grad=True)
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        loss = (curvature * (w - Tensor(target)) ** 2).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.data, target, atol=1e-2)


def test_adamw_decay_pulls_the_minimum_toward_zero():
    # For f = (w - 1)^2 the decayed fixed point lies strictly between 0 and 1.
    w = Tensor(np.zeros(1), requires_grad=True)
    opt = AdamW([w], lr=0.01, weight_decay=1.0)
    for _ in range(2000):
        opt.zero_grad()
        ((w - 1.0) ** 2).sum().backward()
        opt.step()
    assert 0.5 < w.data[0] < 0.999


# ---- prune masks ------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd": lambda p: SGD(p, lr=0.05),
    "sgd-momentum": lambda p: SGD(p, lr=0.05, momentum=0.9),
    "sgd-momentum-decay": lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.1),
    "adam": lambda p: Adam(p, lr=0.02),
    "adam-decay": lambda p: Adam(p, lr=0.02, weight_decay=0.1),
    "adamw": lambda p: AdamW(p, lr=0.02, weight_decay=0.1),
}


def regression_batch(seed=0):
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(32, 6))
    targets = inputs @ rng.normal(size=(6, 2))
    return Tensor(inputs), Tensor(targets)


def prune_smallest_half(weight):
    """Zero the smaller-magnitude half of a weight and attach its mask (what module 16 does)."""
    mask = (np.abs(weight.data) > np.median(np.abs(weight.data))).astype(np.float32)
    weight.data *= mask
    weight.prune_mask = mask
    return mask


def all_state_arrays(opt):
    return [value for buffers in opt.state.values() for value in buffers.values() if isinstance(value, np.ndarray)]


@pytest.mark.parametrize("created", ["before-mask", "after-mask"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_pruned_weights_stay_exactly_zero(name, created):
    inputs, targets = regression_batch()
    model = TwoLayerMLP(6, 8, 2)
    opt = None
    if created == "before-mask":
        opt = OPTIMIZERS[name](model.parameters())
        full_batch_steps(model, opt, MSELoss(), inputs, targets, 5)  # momentum / moments are now non-zero everywhere
    masks = [prune_smallest_half(model.layer1.weight), prune_smallest_half(model.layer2.weight)]
    unpruned_before = [layer.weight.data[mask == 1].copy() for layer, mask in zip((model.layer1, model.layer2), masks)]
    if opt is None:
        opt = OPTIMIZERS[name](model.parameters())
    losses = full_batch_steps(model, opt, MSELoss(), inputs, targets, 60)

    for layer, mask, before in zip((model.layer1, model.layer2), masks, unpruned_before):
        assert np.all(layer.weight.data[mask == 0] == 0.0), f"{name} resurrected pruned weights"
        assert not np.allclose(layer.weight.data[mask == 1], before), "unpruned weights must keep learning"
    assert losses[-1] < losses[0], "training must still reduce the loss"
    for buffer in all_state_arrays(opt):
        for mask in masks:
            if buffer.shape == mask.shape:
                assert np.all(buffer[mask == 0] == 0.0), "optimizer state must be masked too"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_mask_set_on_live_weights_zeroes_them_at_the_next_step(name):
    w = Tensor(np.random.normal(size=(4, 4)) + 5.0, requires_grad=True)
    opt = OPTIMIZERS[name]([w])
    mask = np.ones((4, 4), dtype=np.float32)
    mask[1, :] = 0
    w.prune_mask = mask
    for _ in range(10):
        w.grad = np.random.normal(size=(4, 4))
        opt.step()
        # the weights were live when the mask arrived: weight decay must not carry them into the state
        for buffer in all_state_arrays(opt):
            assert np.all(buffer[1, :] == 0.0), "optimizer state must be masked after every step"
    assert np.all(w.data[1, :] == 0.0)
    assert np.all(w.data[mask == 1] != 0.0)


def test_boolean_mask_is_accepted():
    w = Tensor(np.ones(4), requires_grad=True)
    w.prune_mask = np.array([True, False, True, False])
    w.grad = np.ones(4)
    SGD([w], lr=0.1, momentum=0.9).step()
    np.testing.assert_allclose(w.data, [0.9, 0.0, 0.9, 0.0])


def test_bad_masks_are_refused():
    w = Tensor(np.ones(4), requires_grad=True)
    w.grad = np.ones(4)
    w.prune_mask = np.ones(3)
    with pytest.raises(ValueError, match="shape"):
        SGD([w]).step()
    w.prune_mask = np.array([1.0, 0.5, 1.0, 0.0])
    with pytest.raises(ValueError):
        SGD([w]).step()


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "build",
    [
        lambda w: SGD([w], lr=0.0),
        lambda w: SGD([w], lr=-0.1),
        lambda w: SGD([w], momentum=-0.5),
        lambda w: SGD([w], weight_decay=-1.0),
        lambda w: Adam([w], lr=0.0),
        lambda w: Adam([w], betas=(1.0, 0.999)),
        lambda w: Adam([w], betas=(0.9, -0.1)),
        lambda w: Adam([w], betas=(0.9,)),
        lambda w: Adam([w], eps=0.0),
        lambda w: AdamW([w], weight_decay=-0.01),
        lambda w: SGD([w], lr=float("nan")),
    ],
)
def test_invalid_hyperparameters_raise_value_error(build):
    with pytest.raises(ValueError):
        build(Tensor(np.ones(2), requires_grad=True))


@pytest.mark.parametrize("params, error", [([], ValueError), ([np.ones(2)], TypeError), ("not params", TypeError)])
def test_invalid_parameter_lists(params, error):
    with pytest.raises(error):
        SGD(params)


def test_single_tensor_instead_of_a_list_is_refused():
    with pytest.raises(TypeError, match="list"):
        Adam(Tensor(np.ones(2), requires_grad=True))


def test_gradient_of_wrong_shape_is_refused():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    w.grad = np.ones(4)
    with pytest.raises(ValueError, match="shape"):
        SGD([w]).step()


def test_non_numeric_hyperparameter_is_a_type_error():
    with pytest.raises(TypeError):
        SGD([Tensor(np.ones(2), requires_grad=True)], lr="0.1")

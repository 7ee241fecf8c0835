"""Initializers (spark_lab/initializers.py): their draws against numpy's and scipy's
distributions, their support and the bounds check against a Param, and their validation."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from spark_lab import LIF, Constant, LogNormal, Network, Normal, Uniform, registry
from spark_lab._params import Param
from spark_lab.errors import ParameterError

N = 20_000          # draws per distribution test
P_MIN = 1e-3        # a Kolmogorov-Smirnov p-value below this fails the test


def draws(init, seed=0, shape=(N,)):
    return init.sample(np.random.default_rng(seed), shape)


def test_constant_draws_the_value_everywhere():
    x = draws(Constant(-3.5), shape=(4, 5))
    assert x.shape == (4, 5) and x.dtype == np.float64 and np.all(x == -3.5)
    assert Constant(2).support() == (2, 2)


def test_uniform_draws_numpys_uniform_and_stays_in_range():
    init = Uniform(-2.0, 5.0)
    x = draws(init, seed=3)
    np.testing.assert_array_equal(x, np.random.default_rng(3).uniform(-2.0, 5.0, size=N))
    assert x.min() >= -2.0 and x.max() < 5.0
    assert stats.kstest(x, stats.uniform(loc=-2.0, scale=7.0).cdf).pvalue > P_MIN
    assert init.support() == (-2.0, 5.0)
    assert np.all(draws(Uniform(1.5, 1.5), shape=(3,)) == 1.5)          # low == high: a constant


def test_normal_draws_numpys_normal_and_matches_scipy():
    x = draws(Normal(1.0, 2.0), seed=4)
    np.testing.assert_array_equal(x, np.random.default_rng(4).normal(1.0, 2.0, size=N))
    assert stats.kstest(x, stats.norm(loc=1.0, scale=2.0).cdf).pvalue > P_MIN
    assert Normal(1.0, 2.0).support() == (-np.inf, np.inf)


def test_normal_clipping_is_numpys_clip_of_the_same_draws():
    init = Normal(0.0, 1.0, clip_low=-0.5, clip_high=1.0)
    x = draws(init, seed=5)
    np.testing.assert_array_equal(x, np.clip(np.random.default_rng(5).normal(0.0, 1.0, size=N), -0.5, 1.0))
    assert x.min() == -0.5 and x.max() == 1.0
    # the mass beyond each clip sits on it: P(x = -0.5) = Phi(-0.5), P(x = 1) = 1 - Phi(1)
    for edge, mass in ((-0.5, stats.norm.cdf(-0.5)), (1.0, stats.norm.sf(1.0))):
        assert abs(np.mean(x == edge) - mass) < 4 * np.sqrt(mass * (1 - mass) / N)
    assert init.support() == (-0.5, 1.0)
    assert Normal(0.0, 1.0, clip_low=0.0).support() == (0.0, np.inf)
    assert Normal(0.0, 1.0, clip_high=0.0).support() == (-np.inf, 0.0)


def test_normal_with_zero_std_draws_the_mean():
    assert np.all(draws(Normal(3.0, 0.0), shape=(5,)) == 3.0)
    assert Normal(3.0, 0.0).support() == (3.0, 3.0)


def test_lognormal_has_the_given_arithmetic_mean():
    mean, sigma = 0.5, 0.3
    x = draws(LogNormal(mean, sigma), seed=6)
    mu = np.log(mean) - sigma ** 2 / 2
    np.testing.assert_array_equal(x, np.random.default_rng(6).lognormal(mu, sigma, size=N))
    assert x.min() > 0
    assert stats.kstest(x, stats.lognorm(s=sigma, scale=np.exp(mu)).cdf).pvalue > P_MIN
    sd = mean * np.sqrt(np.exp(sigma ** 2) - 1)                  # the log-normal's standard deviation
    assert abs(x.mean() - mean) < 4 * sd / np.sqrt(N)
    assert LogNormal(mean, sigma).support() == (0.0, np.inf)


def test_lognormal_with_zero_sigma_draws_the_mean():
    assert np.allclose(draws(LogNormal(2.0, 0.0), shape=(5,)), 2.0)
    assert LogNormal(2.0, 0.0).support() == (2.0, 2.0)


def test_same_seed_same_values_through_a_network():
    def v_th(seed):
        net = Network(dt=0.1, seed=seed)
        net.add_pool("a", LIF(v_th=Uniform(-52.0, -48.0)), 50)
        return net.build().get_param("a", "v_th")

    a, b, c = v_th(1), v_th(1), v_th(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (50,) and a.min() >= -52.0 and a.max() < -48.0


@pytest.mark.parametrize("make, component, field", [
    (lambda: Constant(np.nan), "Constant", "value"),
    (lambda: Constant("1"), "Constant", "value"),
    (lambda: Constant(True), "Constant", "value"),
    (lambda: Constant([1.0, 2.0]), "Constant", "value"),
    (lambda: Uniform(0.0, np.inf), "Uniform", "high"),
    (lambda: Uniform(None, 1.0), "Uniform", "low"),
    (lambda: Uniform(2.0, 1.0), "Uniform", "high"),
    (lambda: Normal(np.nan, 1.0), "Normal", "mean"),
    (lambda: Normal(0.0, -1.0), "Normal", "std"),
    (lambda: LogNormal(0.0, 0.5), "LogNormal", "mean"),
    (lambda: LogNormal(-1.0, 0.5), "LogNormal", "mean"),
    (lambda: LogNormal(1.0, -0.1), "LogNormal", "sigma"),
    (lambda: LogNormal(1.0, np.inf), "LogNormal", "sigma"),
])
def test_bad_initializer_values_name_component_and_field(make, component, field):
    with pytest.raises(ParameterError) as e:
        make()
    assert e.value.component == component and e.value.field == field and e.value.hint


def test_check_refuses_initializers_that_can_leave_the_declared_range():
    positive = Param(1.0, "ms", low=0.0, low_open=True)
    unit = Param(0.5, "1", low=0.0, high=1.0)
    Uniform(0.1, 5.0).check(positive, "LIF", "tau_m")
    Normal(5.0, 1.0, clip_low=0.5).check(positive, "LIF", "tau_m")
    LogNormal(5.0, 1.0).check(positive, "LIF", "tau_m")             # draws are > 0
    Constant(0.3).check(unit, "FixedProbability", "p")
    for init, needle in ((Uniform(-1.0, 5.0), "got"), (Normal(5.0, 1.0), "below"),
                         (Normal(5.0, 1.0, clip_low=0.0), "got"), (Constant(0.0), "got")):
        with pytest.raises(ParameterError, match=needle) as e:
            init.check(positive, "LIF", "tau_m")
        assert e.value.component == "LIF" and e.value.field == "tau_m"
    for init, needle in ((LogNormal(0.5, 0.1), "above"), (Normal(0.5, 0.1, clip_low=0.0), "above"),
                         (Uniform(0.5, 1.5), "got")):
        with pytest.raises(ParameterError, match=needle):
            init.check(unit, "FixedProbability", "p")


def test_a_model_refuses_an_initializer_outside_its_range():
    with pytest.raises(ParameterError) as e:
        LIF(tau_m=Uniform(-1.0, 5.0))
    assert e.value.field == "tau_m"
    LIF(tau_m=Uniform(5.0, 30.0))


@pytest.mark.parametrize("init", [Constant(1.5), Uniform(-1.0, 2.0), Normal(0.0, 1.0, clip_low=-2.0),
                                  LogNormal(0.5, 0.3)])
def test_to_dict_names_the_registered_class_and_rebuilds_it(init):
    d = init.to_dict()
    cls = registry.get("initializer", d.pop("init"))
    assert cls is type(init)
    assert cls(**d) == init


@pytest.mark.parametrize("kw, field", [
    (dict(clip_low=np.nan), "clip_low"), (dict(clip_high=np.inf), "clip_high"),
    (dict(clip_low="a"), "clip_low"), (dict(clip_low=2.0, clip_high=1.0), "clip_high"),
])
def test_normal_validates_clip_bounds(kw, field):
    with pytest.raises(ParameterError) as e:
        Normal(0.0, 1.0, **kw)
    assert e.value.component == "Normal" and e.value.field == field


def test_normal_support_applies_clip_when_std_zero():
    init = Normal(5.0, 0.0, clip_high=2.0)
    assert init.support() == (2.0, 2.0)
    assert np.all(init.sample(np.random.default_rng(0), (4,)) == 2.0)
    LIF(tau_m=init)                                     # draws 2.0: allowed
    with pytest.raises(ParameterError):
        LIF(tau_m=Normal(5.0, 0.0, clip_high=-1.0))     # draws -1.0: not allowed


def test_lognormal_sigma_zero_checks_upper_bound():
    from spark_lab.connectivity import FixedProbability as FP
    with pytest.raises(ParameterError) as e:
        LogNormal(2.0, 0.0).check(FP.PARAMS["p"], "FixedProbability", "p")
    assert e.value.field == "p"
    LogNormal(0.5, 0.0).check(FP.PARAMS["p"], "FixedProbability", "p")


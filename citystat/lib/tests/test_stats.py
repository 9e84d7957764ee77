import pytest
from hypothesis import given
from hypothesis import strategies as st

from citystat.lib.stats import difference_interval, effective_sample_size, wilson_interval


@pytest.mark.parametrize(
    ("share", "size", "low", "high"),
    [
        (0.5, 100, 0.4038, 0.5962),  # textbook value
        (0.0, 10, 0.0, 0.2775),  # Wilson's interval never collapses at zero successes
        (0.8, 10, 0.4902, 0.9433),
        (1.0, 29, 0.8830, 1.0),
    ],
)
def test_wilson_interval_matches_known_values(share, size, low, high):
    interval = wilson_interval(share, size)
    assert (interval.low, interval.high) == (
        pytest.approx(low, abs=5e-4),
        pytest.approx(high, abs=5e-4),
    )


def test_newcombes_worked_example_for_a_difference_of_two_shares():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80.
    interval = difference_interval(48 / 80, 80, 56 / 70, 70)
    assert (interval.low, interval.high) == (
        pytest.approx(0.0524, abs=5e-4),
        pytest.approx(0.3339, abs=5e-4),
    )
    assert interval.excludes_zero()


def test_equal_weights_give_the_plain_sample_size():
    assert effective_sample_size(50 * 1.7, 50 * 1.7**2) == pytest.approx(50)


def test_unequal_weights_shrink_the_effective_sample_size():
    weights = [0.5, 2.0, 1.0, 1.0]
    n_eff = effective_sample_size(sum(weights), sum(w * w for w in weights))
    assert n_eff < len(weights)


@given(
    successes=st.integers(min_value=0, max_value=500),
    extra=st.integers(min_value=0, max_value=500),
)
def test_the_wilson_interval_always_holds_the_observed_share(successes, extra):
    size = successes + extra
    if size == 0:
        return
    share = successes / size
    interval = wilson_interval(share, size)
    assert 0 <= interval.low <= share <= interval.high <= 1

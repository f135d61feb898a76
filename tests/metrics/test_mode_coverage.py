"""The soft count of covered modes: equal to the hard count where classes are clearly in or out,
moved by a fraction by a class at the threshold, by up to 1 by a class that loses its samples."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.metrics.generation import MODE_SHARE, modes_covered, modes_covered_soft

REAL = np.full(10, 1000.0)  # ten classes, equal real shares of 0.1; the threshold is a share of 0.01


def test_clear_cases_equal_the_hard_count():
    fake = np.array([1000.0] * 7 + [0, 0, 0])
    assert modes_covered(fake, REAL) == modes_covered_soft(fake, REAL) == 7


def test_a_class_at_the_threshold_moves_the_soft_count_by_its_fraction():
    below = np.array([1650.0] * 6 + [95, 0, 0, 0])  # class 6: share 0.0095, just under 0.01
    above = below.copy()
    above[6] = 105.0  # share 0.0105, just over
    assert (modes_covered(below, REAL), modes_covered(above, REAL)) == (6, 7)  # the hard count flips by 1
    assert 0 < modes_covered_soft(above, REAL) - modes_covered_soft(below, REAL) < 0.06
    assert modes_covered_soft(below, REAL) == 6 + (95 / below.sum()) / (MODE_SHARE * 0.1)


def test_losing_a_class_costs_a_whole_class():
    whole = np.full(10, 1000.0)
    lost = whole.copy()
    lost[3] = 0
    assert modes_covered_soft(whole, REAL) - modes_covered_soft(lost, REAL) > 0.99


def test_classes_absent_from_the_real_data_do_not_count():
    real = np.array([1000.0] * 9 + [0])
    assert modes_covered_soft(np.full(10, 100.0), real) == 9


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=10, max_size=10).filter(lambda c: sum(c) > 0),
       st.lists(st.integers(1, 3000), min_size=10, max_size=10))
def test_soft_lies_between_the_hard_count_and_the_hard_count_plus_uncovered_classes(fake, real):
    fake, real = np.array(fake, dtype=float), np.array(real, dtype=float)
    hard, soft = modes_covered(fake, real), modes_covered_soft(fake, real)
    assert hard - 1e-9 <= soft <= 10 + 1e-9
    if hard < 10:  # an uncovered class adds less than a whole one
        assert soft < 10

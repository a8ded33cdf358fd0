"""SciPy's own test case for the adaptive Wiener filter, carried over to cvcourse.restoration.

Source: SciPy, scipy/signal/tests/test_signaltools.py (TestWiener). The input and the
expected values are SciPy's; the code is ours.
"""

from __future__ import annotations

import numpy as np

from cvcourse.restoration import wiener_filter


def test_basic():
    image = np.array([[5, 6, 4, 3], [3, 5, 6, 2], [2, 3, 5, 6], [1, 6, 9, 7]], dtype=np.float64)
    expected = [[2.16374269, 3.2222222222, 2.8888888889, 1.6666666667],
                [2.666666667, 4.33333333333, 4.44444444444, 2.8888888888],
                [2.222222222, 4.4444444444, 5.4444444444, 4.801066874837],
                [1.33333333333, 3.92735042735, 6.0712560386, 5.0404040404]]
    np.testing.assert_array_almost_equal(wiener_filter(image), expected, decimal=6)
    np.testing.assert_array_almost_equal(wiener_filter(image, size=3), expected, decimal=6)

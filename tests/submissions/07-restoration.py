"""Round-trip submissions for chapter 07 (see tests/test_roundtrip.py)."""

# A plausible mistake: dividing by |H| + nsr instead of |H|^2 + nsr.
WRONG = (
    "wiener_deconvolve",
    '''
def wiener_deconvolve(image, psf, nsr):
    image = np.asarray(image, dtype=np.float64)
    otf = restoration.psf_to_otf(psf, image.shape)
    return np.fft.ifft2(np.conj(otf) * np.fft.fft2(image) / (np.abs(otf) + nsr)).real
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "richardson_lucy",
    '''
from cvcourse.restoration import richardson_lucy as course_rl

def richardson_lucy(image, psf, num_iter):
    return course_rl(image, psf, num_iter, clip=False)
''',
)

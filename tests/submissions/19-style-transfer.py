"""Round-trip submissions for chapter 19 (see tests/test_roundtrip.py)."""

# A plausible mistake: the deeplearning.ai-style normalisation applied twice over, dividing
# by 4 N^2 M^2 after already averaging the Gram matrices over positions.
WRONG = (
    "style_loss",
    '''
def style_loss(generated, style_features, weights):
    total = 0.0
    for g, s, w in zip(generated, style_features, weights):
        channels, positions = g.shape[0], g.shape[1] * g.shape[2]
        mean_g = style.gram_matrix(g) / positions
        mean_s = style.gram_matrix(s) / (s.shape[1] * s.shape[2])
        total = total + w * ((mean_g - mean_s) ** 2).sum() / (4 * channels**2 * positions**2)
    return total
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "gram",
    '''
def gram(features):
    return style.gram_matrix(features)
''',
)

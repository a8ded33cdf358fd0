"""Round-trip submissions for chapter 24 (see tests/test_roundtrip.py)."""

# A plausible mistake: drawing the tournament with replacement (rng.integers), so that a
# member can be drawn twice and the draws differ from the specified ones.
WRONG = (
    "tournament_select",
    '''
def tournament_select(scores, sample_size, rng):
    scores = np.asarray(scores, dtype=float)
    members = rng.integers(len(scores), size=sample_size)
    return int(members[np.argmax(scores[members])])
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "mutate",
    '''
def mutate(architecture, choices, rng):
    return nas.mutate(architecture, choices, rng)
''',
)

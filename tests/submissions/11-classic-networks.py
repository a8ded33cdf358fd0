"""Round-trip submissions for chapter 11 (see tests/test_roundtrip.py)."""

# A classic mistake: the bias is forgotten in the parameter count (F f^2 C instead of F (f^2 C + 1)).
WRONG = (
    "stack_table",
    '''
def stack_table(input_shape, layers):
    channels, height, width = input_shape
    table = []
    for layer in layers:
        if layer[0] == "conv":
            _, filters, kernel, stride, padding = layer
            params = filters * kernel * kernel * channels
            channels = filters
        else:
            _, kernel, stride = layer
            padding, params = 0, 0
        height = (height + 2 * padding - kernel) // stride + 1
        width = (width + 2 * padding - kernel) // stride + 1
        table.append(((channels, height, width), params))
    return table
''',
)

# Only reads the answer off the course's summary.
CHEAT = (
    "receptive_fields",
    '''
def receptive_fields(layers):
    stack = nn.Sequential(*[nn.Conv2d(1, 1, k, s) for k, s in layers])
    return [r.receptive_field for r in models.summary(stack, (1, 256, 256)).rows]
''',
)

"""Round-trip submissions for chapter 12 (see tests/test_roundtrip.py)."""

# A plausible mistake: the shortcut is added after the final ReLU instead of before it.
WRONG = (
    "residual_block",
    '''
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out))) + x
''',
)

# Only wraps the course's own block.
CHEAT = (
    "depthwise_separable",
    '''
def depthwise_separable(in_channels, out_channels, stride=1):
    return models.DepthwiseSeparableConv(in_channels, out_channels, stride)
''',
)

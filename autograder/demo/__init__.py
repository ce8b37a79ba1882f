"""The sample class and ``autograder demo``: the whole round trip on the embedded data."""

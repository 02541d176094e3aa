"""The data mask of a QR code, chosen by the standard's penalty rules, in numpy.

segno tries the eight masks and scores each module by module in Python: four fifths of the
time a QR code took, and a kit makes two. Here the eight masked matrices are scored at once;
the rules and their tie-breaks are segno's own (ISO/IEC 18004:2015, 7.8.3.1), so the chosen
mask, and the code, are the same (tests/test_marketing_qrmask.py compares them).
"""

from __future__ import annotations

import functools

import numpy as np
import segno
from segno import encoder

FINDER_LIKE = np.array([1, 0, 1, 1, 1, 0, 1], dtype=np.uint8)
"""The 1:1:3:1:1 pattern a reader takes for a finder (penalty N3)."""


def make(url: str) -> segno.QRCode:
    """The QR code of ``url`` (level M, boosted as segno does) with the best data mask."""
    first = segno.make(url, error="m", micro=False, mask=0)
    mask = best_mask(np.array(first.matrix, dtype=np.uint8))
    return first if mask == 0 else segno.make(url, error="m", micro=False, mask=mask)


def best_mask(masked_with_0: np.ndarray) -> int:
    """The mask of least penalty for the code whose final matrix with mask 0 is given."""
    size = masked_with_0.shape[0]
    region, base, patterns = _layout(size)
    data = masked_with_0 ^ (patterns[0] & region)
    scores = [_penalty(np.where(region, data ^ pattern, base)) for pattern in patterns]
    return int(np.argmin(scores))  # (the first of equal scores, as segno keeps it)


@functools.lru_cache(maxsize=8)
def _layout(size: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Where the data lies, the function patterns as scored, and the eight masks."""
    scored = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(scored, size, size)
    encoder.add_alignment_patterns(scored, size, size)
    base = np.array(scored, dtype=np.uint8)
    region = base > 1
    region[-8, 8] = False  # the dark module, set with the format information
    base[region] = 0
    i, j = np.indices((size, size))
    rules = [
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    ]
    return region, base, [rule.astype(np.uint8) for rule in rules]


def _penalty(matrix: np.ndarray) -> int:
    """N1 + N2 + N3 + N4 of a masked matrix (before format and version information)."""
    size = matrix.shape[0]
    lines = np.concatenate([matrix, matrix.T])
    # N1: runs of five or more modules of one colour in a row or column.
    bounded = np.pad(lines, ((0, 0), (1, 1)), constant_values=2)
    starts = np.flatnonzero(bounded[:, 1:] != bounded[:, :-1])
    runs = np.diff(starts)
    n1 = int((runs[runs >= 5] - 2).sum())
    # N2: 2×2 blocks of one colour.
    same = (matrix[1:, 1:] == matrix[:-1, 1:]) & (matrix[1:, 1:] == matrix[1:, :-1])
    n2 = 3 * int((same & (matrix[1:, 1:] == matrix[:-1, :-1])).sum())
    # N3: the finder-like pattern; segno's search order decides which overlapping ones count.
    windows = np.lib.stride_tricks.sliding_window_view(lines, 7, axis=1)
    found = (windows == FINDER_LIKE).all(axis=2)
    n3 = sum(_finder_like(lines[row].tobytes(), size) for row in np.flatnonzero(found.any(1)))
    # N4: how far the share of dark modules is from half.
    percent = float(matrix.sum()) / size**2
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _finder_like(line: bytes, size: int) -> int:
    """N3 of one row or column, searched as segno searches it."""
    pattern = FINDER_LIKE.tobytes()
    count = 0
    index = line.find(pattern)
    while index != -1:
        offset = index + 7
        if (
            index in (0, size - 7)
            or not any(line[max(index - 4, 0) : index])
            or not any(line[offset : offset + 4])
        ):
            count += 40
        else:
            offset = index + 4
        index = line.find(pattern, offset)
    return count

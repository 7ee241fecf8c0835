"""A minimal PNG encoder for palette images (numpy + zlib; no imaging library needed).

Used for the spike raster: a (rows, columns) uint8 array of palette indices becomes an
8-bit indexed PNG. Encoding a 300 x 500 raster takes well under a millisecond here.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_indexed(pixels: np.ndarray, palette, alpha=None, level: int = 1) -> bytes:
    """PNG bytes of ``pixels`` ((rows, cols) uint8 palette indices, first row at the top).

    palette: sequence of (r, g, b) 0-255 for indices 0..len-1; alpha: optional sequence of
    0-255 opacities for the first entries (tRNS), e.g. (0,) makes index 0 transparent.
    """
    px = np.ascontiguousarray(pixels, dtype=np.uint8)
    if px.ndim != 2 or px.shape[0] < 1 or px.shape[1] < 1:
        raise ValueError(f"encode_indexed: pixels must be a non-empty 2-D array, got shape {px.shape}")
    pal = np.asarray(palette, np.uint8).reshape(-1, 3)
    if int(px.max()) >= len(pal):
        raise ValueError(f"encode_indexed: pixel index {int(px.max())} but the palette has {len(pal)} colours")
    h, w = px.shape
    raw = np.zeros((h, w + 1), np.uint8)         # filter byte 0 (none) before every row
    raw[:, 1:] = px
    out = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)),
           _chunk(b"PLTE", pal.tobytes())]
    if alpha is not None:
        out.append(_chunk(b"tRNS", np.asarray(alpha, np.uint8).tobytes()))
    out += [_chunk(b"IDAT", zlib.compress(raw.tobytes(), level)), _chunk(b"IEND", b"")]
    return b"".join(out)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """"#1f77b4" -> (31, 119, 180)."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)

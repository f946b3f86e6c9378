"""Floats for the fixtures as strings that read back bit for bit, shared by the scripts here."""
import math


def enc1(x):
    """A float as the string Python's repr gives (which Rust's `str::parse` reads back bit
    for bit, where a JSON number read by serde_json may be an ulp off), or "nan", "inf"."""
    return repr(x) if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def enc(xs):
    return [enc1(x) for x in xs]

//! Learning-rate schedules with PyTorch 2.13 semantics (in progress).

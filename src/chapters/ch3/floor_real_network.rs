//! The noise floor in a real network: the training loss a constant rate plateaus at, against η and B (issue 15). (Being written.)

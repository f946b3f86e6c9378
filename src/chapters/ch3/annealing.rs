//! Annealing reaches below the noise floor (issue 15). (Being written.)

//! Momentum, mapped: the convergence rate of heavy ball and Nesterov over the (η, β) plane (issue 15). (Being written.)

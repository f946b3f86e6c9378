//! What a training loop asks of a schedule each step: [`LrPolicy`].
//!
//! A stateless [`LrSchedule`] answers from the step alone ([`FollowSchedule`]). Plateau
//! reduction also needs to see the losses, so the loop reports each step's loss back
//! ([`PlateauOnLoss`]). Any closure `|step| lr` is a policy too.
use super::{LrSchedule, ReduceLrOnPlateau};
use crate::{validate, Result};

/// The learning rate (and momentum) for each training step, with feedback from the loop.
pub trait LrPolicy {
    /// The learning rate of step `step`. Errors when the step is outside the schedule.
    fn lr_for_step(&mut self, step: usize) -> Result<f64>;

    /// The momentum of step `step`, for schedules that cycle it; `None` leaves it alone.
    fn momentum_for_step(&self, _step: usize) -> Option<f64> {
        None
    }

    /// Told each step's training loss after the step was taken.
    fn observe_loss(&mut self, _step: usize, _loss: f64) {}
}

impl<F: FnMut(usize) -> f64> LrPolicy for F {
    fn lr_for_step(&mut self, step: usize) -> Result<f64> {
        Ok(self(step))
    }
}

/// Drives training from a stateless schedule: its LR and, when it cycles it, its momentum.
pub struct FollowSchedule<'a>(pub &'a dyn LrSchedule);

impl LrPolicy for FollowSchedule<'_> {
    fn lr_for_step(&mut self, step: usize) -> Result<f64> {
        self.0.try_lr(step)
    }
    fn momentum_for_step(&self, step: usize) -> Option<f64> {
        self.0.momentum(step)
    }
}

/// [`ReduceLrOnPlateau`] fed with the mean training loss of every window of `window`
/// steps (PyTorch users call `scheduler.step(metric)` once per epoch or evaluation; this is
/// the same, with the window as the evaluation period).
#[derive(Debug, Clone)]
pub struct PlateauOnLoss {
    plateau: ReduceLrOnPlateau,
    window: usize,
    sum: f64,
    count: usize,
}

impl PlateauOnLoss {
    /// Check for a plateau every `window >= 1` steps.
    pub fn new(plateau: ReduceLrOnPlateau, window: usize) -> Result<Self> {
        Ok(Self {
            plateau,
            window: validate::at_least_one("plateau window", window)?,
            sum: 0.0,
            count: 0,
        })
    }

    /// The plateau state, for inspection, and for a [`Checkpoint`](crate::checkpoint::Checkpoint)
    /// (`with_plateau`).
    pub fn plateau(&self) -> &ReduceLrOnPlateau {
        &self.plateau
    }

    /// How many losses of the current, unfinished window have been seen (0 at a window
    /// boundary). A checkpoint saves the plateau scheduler, not a half-filled window: save
    /// where this is 0 (every `window` steps), and rebuild with `new` on the restored
    /// scheduler, so that the resumed run is the uninterrupted one.
    pub fn pending_steps(&self) -> usize {
        self.count
    }
}

impl LrPolicy for PlateauOnLoss {
    fn lr_for_step(&mut self, _step: usize) -> Result<f64> {
        Ok(self.plateau.lr())
    }
    // ANCHOR: plateau_on_loss
    fn observe_loss(&mut self, _step: usize, loss: f64) {
        self.sum += loss;
        self.count += 1;
        if self.count == self.window {
            self.plateau.step(self.sum / self.count as f64);
            self.sum = 0.0;
            self.count = 0;
        }
    }
    // ANCHOR_END: plateau_on_loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{PlateauConfig, StepLr};

    #[test]
    fn follow_schedule_reports_the_schedules_values() {
        let s = StepLr::new(0.1, 2, 0.5).unwrap();
        let mut p = FollowSchedule(&s);
        let lrs: Vec<f64> = (0..5).map(|k| p.lr_for_step(k).unwrap()).collect();
        assert_eq!(lrs, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
        assert_eq!(p.momentum_for_step(0), None);
    }

    #[test]
    fn plateau_on_loss_cuts_after_flat_windows_only() {
        let cfg = PlateauConfig {
            factor: 0.5,
            patience: 1,
            ..PlateauConfig::default()
        };
        let mut p = PlateauOnLoss::new(ReduceLrOnPlateau::new(0.1, cfg).unwrap(), 3).unwrap();
        // Windows of 3 steps with means 3, 2 (better), 2, 2: two bad windows > patience 1.
        let losses = [3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let mut lrs = Vec::new();
        for (k, &l) in losses.iter().enumerate() {
            lrs.push(p.lr_for_step(k).unwrap());
            p.observe_loss(k, l);
        }
        assert_eq!(lrs[..11], [0.1; 11]);
        assert_eq!(p.pending_steps(), 0);
        p.observe_loss(12, 2.0);
        assert_eq!(p.pending_steps(), 1);
        assert_eq!(p.lr_for_step(12).unwrap(), 0.05);
        assert!(PlateauOnLoss::new(p.plateau().clone(), 0).is_err());
    }
}

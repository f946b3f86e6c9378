//! Animations: a [`ContourFigure`] replayed as a GIF, one frame per chosen step, each frame
//! drawing every trajectory up to that step (smaller text and coarser contours than the
//! page's SVG, see [`super::contour`]).
use std::path::Path;

use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::contour::{ContourFigure, FRAME};
use super::plot_error;
use crate::{Error, Result};

/// Longest frame delay accepted, in milliseconds.
const MAX_DELAY_MS: u32 = 60_000;

impl ContourFigure<'_> {
    /// Writes the figure as an animated GIF of its size to `path`, creating parent
    /// folders: frame `k` shows the trajectories up to step `steps[k]` under the title
    /// `title(steps[k])`, for `delay_ms` milliseconds.
    pub fn save_gif(
        &self,
        steps: &[usize],
        title: impl Fn(usize) -> String,
        delay_ms: u32,
        path: &Path,
    ) -> Result<()> {
        self.check(path)?;
        let what = || format!("animation {}", path.display());
        if steps.is_empty() {
            return Err(Error::invalid(
                what(),
                "got no frames",
                "Pass at least one step to show.",
            ));
        }
        if delay_ms == 0 || delay_ms > MAX_DELAY_MS {
            return Err(Error::invalid(
                what(),
                format!("got a frame delay of {delay_ms} ms"),
                format!("Pass a delay from 1 to {MAX_DELAY_MS} ms, such as 250."),
            ));
        }
        crate::output::write_with(path, |tmp| {
            let root = BitMapBackend::gif(tmp, self.size, delay_ms)
                .map_err(|e| plot_error(path, e.to_string()))?
                .into_drawing_area();
            for &upto in steps {
                self.draw_into(&root, &title(upto), upto, &FRAME, path)?;
                root.present()
                    .map_err(|e| plot_error(path, e.to_string()))?;
            }
            Ok(())
        })
    }
}

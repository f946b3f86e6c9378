//! Saving and loading a [`RangeTestResult`] as JSON, exactly.
//!
//! ```json
//! {"format": "lrbook range test", "version": 1, "iterations": 100,
//!  "stop": {"kind": "diverged", "step": 2, "smoothed": "inf"},
//!  "points": [{"step": 0, "lr": "0.0001", "train_loss": "2.31", "val_loss": null,
//!              "smoothed": "2.31"}, ...]}
//! ```
//!
//! `iterations` is the planned count ([`RangeTestResult::iterations`]: the suggestions'
//! `skip_start` depends on it); `stop.kind` is `"completed"`, `"diverged"` (with `step` and `smoothed`) or
//! `"data_exhausted"` (with `step`). Every real number is a string in Rust's shortest
//! round-trip form, so that it reads back to the same bits, NaN and ±∞ included (a
//! diverged test records them, and JSON has no number for them).
use std::path::Path;

use serde_json::{json, Value};

use super::{RangePoint, RangeTestResult, Stop};
use crate::checkpoint::exact;
use crate::{Error, Result};

/// The `format` field of a saved range test.
const FORMAT: &str = "lrbook range test";
/// The version of the format written and read here.
const VERSION: u64 = 1;

impl RangeTestResult {
    /// The result as JSON text (see the module `finder::io` for the format).
    pub fn to_json(&self) -> String {
        let stop = match self.stop {
            Stop::Completed => json!({"kind": "completed"}),
            Stop::Diverged { step, smoothed } => {
                json!({"kind": "diverged", "step": step, "smoothed": exact::to_json(smoothed)})
            }
            Stop::DataExhausted { step } => json!({"kind": "data_exhausted", "step": step}),
        };
        let points: Vec<Value> = self
            .points
            .iter()
            .map(|p| {
                json!({
                    "step": p.step,
                    "lr": exact::to_json(p.lr),
                    "train_loss": exact::to_json(p.train_loss),
                    "val_loss": p.val_loss.map(exact::to_json),
                    "smoothed": exact::to_json(p.smoothed),
                })
            })
            .collect();
        json!({"format": FORMAT, "version": VERSION, "iterations": self.iterations,
               "stop": stop, "points": points})
        .to_string()
    }

    /// Reads what [`RangeTestResult::to_json`] wrote. Malformed text, another format
    /// version, a learning rate that is not finite and positive, or steps out of order are
    /// errors that say which.
    pub fn from_json(text: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        if v.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(bad("it does not name the lrbook range test format".into()));
        }
        match v.get("version").and_then(Value::as_u64) {
            Some(VERSION) => {}
            other => {
                return Err(bad(format!(
                    "it is in format version {other:?}, but this lrbook reads version {VERSION}"
                )))
            }
        }
        let mut points = Vec::new();
        let list = v.get("points").and_then(Value::as_array);
        for (i, p) in list.ok_or_else(|| missing("points"))?.iter().enumerate() {
            let point = RangePoint {
                step: count(p, "step")?,
                lr: real(p, "lr")?,
                train_loss: real(p, "train_loss")?,
                val_loss: match p.get("val_loss") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(real(p, "val_loss")?),
                },
                smoothed: real(p, "smoothed")?,
            };
            if point.step != i {
                return Err(bad(format!("point {i} has step {}", point.step)));
            }
            if !(point.lr.is_finite() && point.lr > 0.0) {
                return Err(bad(format!("point {i} has learning rate {}", point.lr)));
            }
            points.push(point);
        }
        let s = v.get("stop").ok_or_else(|| missing("stop"))?;
        let stop = match s.get("kind").and_then(Value::as_str) {
            Some("completed") => Stop::Completed,
            Some("diverged") => Stop::Diverged {
                step: count(s, "step")?,
                smoothed: real(s, "smoothed")?,
            },
            Some("data_exhausted") => Stop::DataExhausted {
                step: count(s, "step")?,
            },
            _ => return Err(missing("stop kind")),
        };
        // The finder records the diverging step as the last point, and stops for want of
        // data after as many points as it took.
        let expected = match stop {
            Stop::Completed => None,
            Stop::Diverged { step, .. } => Some((step, points.len().checked_sub(1))),
            Stop::DataExhausted { step } => Some((step, Some(points.len()))),
        };
        if let Some((step, last)) = expected {
            if Some(step) != last {
                return Err(bad(format!(
                    "it stops at step {step}, which does not fit its {} points",
                    points.len()
                )));
            }
        }
        let iterations = count(&v, "iterations")?;
        let fits = match stop {
            Stop::Completed => points.len() == iterations,
            _ => points.len() <= iterations,
        };
        if !fits {
            return Err(bad(format!(
                "it has {} points, which does not fit {iterations} planned iterations \
                 (a completed test has one point per iteration, a stopped one fewer)",
                points.len()
            )));
        }
        Ok(Self {
            points,
            stop,
            iterations,
        })
    }

    /// Writes [`RangeTestResult::to_json`] to `path`, atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::output::write(path.as_ref(), self.to_json().as_bytes())
    }

    /// Reads a result saved by [`RangeTestResult::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Self::from_json(&text).map_err(|e| Error::Data(format!("{}: {e}", path.display())))
    }
}

fn bad(problem: String) -> Error {
    Error::invalid(
        "saved range test",
        problem,
        "Load a file written by RangeTestResult::save, or run the range test again.",
    )
}

fn missing(field: &str) -> Error {
    bad(format!("its {field} is missing or malformed"))
}

fn real(v: &Value, field: &str) -> Result<f64> {
    v.get(field)
        .and_then(exact::from_json)
        .ok_or_else(|| missing(field))
}

fn count(v: &Value, field: &str) -> Result<usize> {
    v.get(field)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| missing(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: usize, lr: f64, train_loss: f64, val_loss: Option<f64>) -> RangePoint {
        RangePoint {
            step,
            lr,
            train_loss,
            val_loss,
            smoothed: train_loss * 0.5,
        }
    }

    #[test]
    fn results_round_trip_to_the_bit_with_nan_and_infinite_losses() {
        let result = RangeTestResult {
            points: vec![
                // An lr serde_json's default parser would read one ulp off.
                point(0, 0.9251287335186839, std::f64::consts::LN_10, None),
                point(1, 1e-300, f64::NAN, Some(1.0 / 3.0)),
                point(2, 3.5, f64::INFINITY, Some(f64::NEG_INFINITY)),
            ],
            stop: Stop::Diverged {
                step: 2,
                smoothed: f64::INFINITY,
            },
            iterations: 100,
        };
        let back = RangeTestResult::from_json(&result.to_json()).unwrap();
        let bits = |r: &RangeTestResult| -> Vec<u64> {
            r.points
                .iter()
                .flat_map(|p| {
                    [p.lr, p.train_loss, p.val_loss.unwrap_or(-1.0), p.smoothed].map(f64::to_bits)
                })
                .collect()
        };
        assert_eq!(bits(&back), bits(&result));
        assert_eq!(back.points[0].val_loss, None);
        assert_eq!(back.stop, result.stop);
        let e = RangeTestResult::from_json(&result.to_json().replace("\"step\":2}", "\"step\":9}"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("stops at step 9, which does not fit its 3 points"),
            "{e}"
        );
        for stop in [Stop::Completed, Stop::DataExhausted { step: 3 }] {
            let r = RangeTestResult {
                points: result.points.clone(),
                stop,
                iterations: 3,
            };
            assert_eq!(
                RangeTestResult::from_json(&r.to_json()).unwrap().stop,
                r.stop
            );
        }
        let dir = std::env::temp_dir().join(format!("lrbook-finder-io-{}", std::process::id()));
        let path = dir.join("range.json");
        result.save(&path).unwrap();
        assert_eq!(bits(&RangeTestResult::load(&path).unwrap()), bits(&result));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_files_are_refused_with_the_reason() {
        let good = RangeTestResult {
            points: vec![point(0, 0.1, 1.0, None)],
            stop: Stop::Completed,
            iterations: 1,
        }
        .to_json();
        let cases = [
            (good[..good.len() - 5].to_string(), "not JSON"),
            (
                good.replace("\"version\":1", "\"version\":2"),
                "format version Some(2)",
            ),
            (good.replace("lrbook range test", "other"), "does not name"),
            (
                good.replace("\"step\":0", "\"step\":4"),
                "point 0 has step 4",
            ),
            (
                good.replace("\"lr\":\"0.1\"", "\"lr\":\"NaN\""),
                "learning rate NaN",
            ),
            (
                good.replace("\"lr\":\"0.1\"", "\"lr\":0.1"),
                "lr is missing",
            ),
            (good.replace("completed", "paused"), "stop kind"),
            (
                good.replace("\"iterations\":1", "\"iterations\":2"),
                "1 points, which does not fit 2 planned iterations",
            ),
            (
                good.replace("\"iterations\":1,", ""),
                "iterations is missing",
            ),
        ];
        for (text, expected) in cases {
            let e = RangeTestResult::from_json(&text).unwrap_err().to_string();
            assert!(
                e.contains(expected) && e.contains("RangeTestResult::save"),
                "{e}"
            );
        }
        let e = RangeTestResult::load("/nonexistent/range.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read /nonexistent/range.json"), "{e}");
    }
}

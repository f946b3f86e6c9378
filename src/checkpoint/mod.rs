//! Save a training run and resume it in another process, bit for bit: [`Checkpoint`].
//!
//! A checkpoint holds what a run needs to continue exactly where it stopped:
//! - the model: every variable of the [`VarStore`] (trainable or not);
//! - the optimizer: its [`OptimizerState`] (buffers, step count, hyperparameters), from
//!   any of lrbook's optimizers ([`crate::optim`]; tch's own `nn::Optimizer` keeps its state
//!   inside libtorch and cannot be saved);
//! - the schedule's position: the number of optimizer steps taken. Every
//!   [`LrSchedule`](crate::schedule::LrSchedule) is a pure function of the step, so
//!   `schedule.lr(checkpoint.step)` is the next step's rate; there is nothing else to save;
//! - optionally a [`ReduceLrOnPlateau`], the one stateful scheduler (best metric, bad-epoch
//!   count, cooldown, current rate).
//!
//! What it does not hold: the data iterator's position and libtorch's random generator
//! (dropout); a resumed run must feed the same batches from step `step` on, e.g. by
//! deriving each batch from its step or epoch number.
//!
//! ```
//! use lrbook::checkpoint::Checkpoint;
//! use lrbook::optim::{Adam, AdamConfig, Optimizer};
//! use lrbook::schedule::{CosineAnnealingLr, LrSchedule};
//! use tch::nn::{self, Module};
//!
//! /// Steps `steps` of a 20-step cosine schedule, on a fixed batch.
//! fn train(model: &nn::Linear, opt: &mut Adam, steps: std::ops::Range<usize>) -> lrbook::Result<()> {
//!     let schedule = CosineAnnealingLr::new(0.05, 20, 0.0)?;
//!     let x = tch::Tensor::ones([8, 3], (tch::Kind::Float, tch::Device::Cpu));
//!     for step in steps {
//!         opt.zero_grad();
//!         model.forward(&x).square().mean(tch::Kind::Float).backward();
//!         opt.step(schedule.lr(step))?;
//!     }
//!     Ok(())
//! }
//!
//! fn build() -> lrbook::Result<(nn::VarStore, nn::Linear, Adam)> {
//!     let vs = nn::VarStore::new(tch::Device::Cpu);
//!     let model = nn::linear(vs.root() / "fc", 3, 1, Default::default());
//!     let opt = Adam::new(vs.trainable_variables(), AdamConfig::default())?;
//!     Ok((vs, model, opt))
//! }
//!
//! # fn main() -> lrbook::Result<()> {
//! let path = std::env::temp_dir().join(format!("lrbook-doc-{}.safetensors", std::process::id()));
//! // Train 10 steps and save.
//! let (vs, model, mut opt) = build()?;
//! train(&model, &mut opt, 0..10)?;
//! Checkpoint::new(10, &vs, &opt)?.save(&path)?;
//!
//! // Later, perhaps in another process: build the same model and optimizer, then restore.
//! let (resumed_vs, resumed, mut resumed_opt) = build()?;
//! let checkpoint = Checkpoint::load(&path)?;
//! checkpoint.restore(&resumed_vs, &mut resumed_opt)?;
//! train(&resumed, &mut resumed_opt, checkpoint.step..20)?; // the schedule goes on at step 10
//!
//! train(&model, &mut opt, 10..20)?; // the uninterrupted run ends at the same bits
//! assert!(model.ws.equal(&resumed.ws));
//! assert!(model.bs.as_ref().unwrap().equal(resumed.bs.as_ref().unwrap()));
//! # std::fs::remove_file(&path).ok();
//! # Ok(()) }
//! ```
//!
//! # The file format (version 1)
//!
//! One [safetensors](https://github.com/huggingface/safetensors) file, written to a
//! temporary name and renamed into place ([`crate::output::write`]), so an interrupted save
//! never leaves half a checkpoint under the final name. Its tensors, all on the CPU:
//! - `lrbook/step`: the step again, one `Int64` (so that the file is never without tensors,
//!   which safetensors 0.3 cannot write together with metadata); it must equal the header's;
//! - `model/<variable name>`: each VarStore variable (e.g. `model/fc.weight`);
//! - `optimizer/<buffer>/<i>`: buffer `<buffer>` (PyTorch's name: `exp_avg`,
//!   `momentum_buffer`, …) of parameter `<i>`, absent where the rule has not created it.
//!
//! Its `__metadata__` holds two strings: `lrbook`, a JSON header, and `crc32`, the CRC-32
//! (8 hex digits) of that header followed, for every tensor in name order, by
//! `"<name> <shape> <dtype>"` (e.g. `model/fc.bias [1] Float`) and its bytes. The header:
//!
//! ```json
//! {"format": "lrbook checkpoint", "version": 1, "step": 120,
//!  "model": ["fc.bias", "fc.weight"],
//!  "optimizer": {"kind": "Adam", "flags": ["amsgrad"],
//!                "values": {"beta1": "0.9", "eps": "1e-8", "steps": 120, ...},
//!                "params": [{"shape": [1, 3], "dtype": "Float"}, ...],
//!                "buffers": {"exp_avg": [true, true], ...}},
//!  "plateau": null}
//! ```
//!
//! Every real number is a string in Rust's shortest round-trip form (`"0.1"`, `"1e-8"`,
//! `"NaN"`, `"inf"`), parsed back to the same bits; counters are JSON integers, options
//! JSON booleans. `plateau`, when present, holds `config` (`mode` `"min"`/`"max"`,
//! `factor`, `patience`, `threshold`, `threshold_mode` `"rel"`/`"abs"`, `cooldown`,
//! `min_lr`, `eps`) and `state` (`lr`, `best`, `num_bad_steps`, `cooldown_counter`).
//!
//! Loading checks the format name and version, the CRC, that every tensor the header
//! names is there with the right shape; restoring checks the model's variable names,
//! shapes and dtypes and the optimizer's kind, options and shapes, before anything is
//! changed. Each failure is an [`Error`] that says what was wrong and what to do.
use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};
use serde_json::Value;
use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::optim::{Optimizer, OptimizerState};
use crate::schedule::ReduceLrOnPlateau;
use crate::{Error, Result};

pub(crate) mod exact;
mod header;

/// The `format` field of every lrbook checkpoint's header.
pub const FORMAT: &str = "lrbook checkpoint";
/// The version of the file format this lrbook writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The tensor that repeats the step (see the module).
const STEP_TENSOR: &str = "lrbook/step";

/// A training run's model, optimizer and schedule position (see the module).
#[derive(Debug)]
pub struct Checkpoint {
    /// Optimizer steps taken: the schedule's position. The next step is `lr(step)`.
    pub step: usize,
    /// The optimizer's state.
    pub optimizer: OptimizerState,
    /// The plateau scheduler, if the run uses one.
    pub plateau: Option<ReduceLrOnPlateau>,
    /// The model's variables by name (deep copies on the CPU), sorted by name.
    model: Vec<(String, Tensor)>,
}

impl Checkpoint {
    /// Captures the run after `step` optimizer steps: deep copies of every variable of `vs`
    /// and of the optimizer's state. Fails for an optimizer that cannot save its state.
    pub fn new<O: Optimizer + ?Sized>(step: usize, vs: &VarStore, optimizer: &O) -> Result<Self> {
        let optimizer = optimizer.save_state()?;
        let mut model: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .map(|(name, t)| (name, t.detach().to_device(Device::Cpu).contiguous().copy()))
            .collect();
        model.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            step,
            optimizer,
            plateau: None,
            model,
        })
    }

    /// The same checkpoint with a plateau scheduler's configuration and state.
    pub fn with_plateau(mut self, plateau: &ReduceLrOnPlateau) -> Self {
        self.plateau = Some(plateau.clone());
        self
    }

    /// The model's variables, by name.
    pub fn model(&self) -> &[(String, Tensor)] {
        &self.model
    }

    /// Writes the checkpoint to `path` (by convention `*.safetensors`), atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let tensors = self.named_tensors();
        let header = header::encode(self).to_string();
        let metadata = [
            ("lrbook".to_string(), header.clone()),
            ("crc32".to_string(), crc_hex(&header, &tensors)?),
        ];
        let views = tensors
            .iter()
            .map(|(name, t)| Ok((name.clone(), view_bytes(t)?)))
            .collect::<Result<Vec<_>>>()?;
        let views: Vec<(String, TensorView)> = views
            .iter()
            .map(|(name, (dtype, shape, data))| {
                let view = TensorView::new(*dtype, shape.clone(), data)
                    .map_err(|e| corrupt(path, &format!("{e:?}")))?;
                Ok((name.clone(), view))
            })
            .collect::<Result<_>>()?;
        let bytes = safetensors::tensor::serialize(views, &Some(metadata.into_iter().collect()))
            .map_err(|e| corrupt(path, &format!("cannot serialize: {e:?}")))?;
        crate::output::write(path, &bytes)
    }

    /// Reads a checkpoint written by [`Checkpoint::save`], checking its format, version,
    /// CRC and completeness. A missing, truncated or corrupt file, or one written in
    /// another format version, is an error that says so.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        let (_, metadata) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| corrupt(path, &safetensors_problem(&e)))?;
        let meta = metadata.metadata().clone().unwrap_or_default();
        let Some(text) = meta.get("lrbook") else {
            return Err(Error::Data(format!(
                "{} is a safetensors file but not an lrbook checkpoint (its metadata has no \
                 lrbook header). A model saved with VarStore::save loads with VarStore::load; \
                 a checkpoint is written by lrbook::checkpoint::Checkpoint::save.",
                path.display()
            )));
        };
        let header: Value = serde_json::from_str(text)
            .map_err(|e| corrupt(path, &format!("its header is not JSON ({e})")))?;
        header::check_version(path, &header)?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|e| corrupt(path, &safetensors_problem(&e)))?;
        let mut tensors = BTreeMap::new();
        for (name, view) in file.tensors() {
            let t = Tensor::try_from(view)
                .map_err(|e| corrupt(path, &format!("tensor {name}: {e}")))?;
            tensors.insert(name, t);
        }
        let named: Vec<(String, Tensor)> = tensors
            .iter()
            .map(|(n, t)| (n.clone(), t.shallow_clone()))
            .collect();
        if meta.get("crc32") != Some(&crc_hex(text, &named)?) {
            return Err(corrupt(
                path,
                "its CRC-32 does not match its contents: some bytes changed after it was saved",
            ));
        }
        header::decode(path, &header, tensors)
    }

    /// Puts the checkpoint back: the model's variables into `vs` and the state into
    /// `optimizer`, which must be built like the one saved (same kind and options) over
    /// `vs`'s variables. Everything is checked first (variable names, shapes, dtypes; the
    /// optimizer's kind, options, parameter count and shapes); on an error nothing changed.
    /// The plateau scheduler is [`Checkpoint::plateau`]; the next step is [`Checkpoint::step`].
    pub fn restore<O: Optimizer + ?Sized>(&self, vs: &VarStore, optimizer: &mut O) -> Result<()> {
        let mut vars = vs.variables();
        if vars.len() != self.model.len() || self.model.iter().any(|(n, _)| !vars.contains_key(n)) {
            let mut ours: Vec<&String> = vars.keys().collect();
            ours.sort();
            let theirs: Vec<&String> = self.model.iter().map(|(n, _)| n).collect();
            return Err(model_mismatch(format!(
                "the checkpoint's model has variables {theirs:?}, this VarStore has {ours:?}"
            )));
        }
        for (name, saved) in &self.model {
            let var = &vars[name];
            if var.size() != saved.size() || var.kind() != saved.kind() {
                return Err(model_mismatch(format!(
                    "variable {name} is {:?} {:?} in the checkpoint but {:?} {:?} here",
                    saved.size(),
                    saved.kind(),
                    var.size(),
                    var.kind()
                )));
            }
        }
        optimizer.load_state(&self.optimizer)?;
        let _guard = tch::no_grad_guard();
        for (name, saved) in &self.model {
            if let Some(var) = vars.get_mut(name) {
                var.f_copy_(saved)?;
            }
        }
        Ok(())
    }

    /// Every tensor the file holds, by its name in the file, in name order.
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out: Vec<(String, Tensor)> = self
            .model
            .iter()
            .map(|(n, t)| (format!("model/{n}"), t.shallow_clone()))
            .collect();
        out.push((
            STEP_TENSOR.to_string(),
            Tensor::from_slice(&[self.step as i64]),
        ));
        for (name, tensors) in &self.optimizer.buffers {
            for (i, t) in tensors.iter().enumerate() {
                if let Some(t) = t {
                    out.push((format!("optimizer/{name}/{i}"), t.shallow_clone()));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// A tensor's dtype, shape and bytes, as safetensors stores them.
fn view_bytes(t: &Tensor) -> Result<(Dtype, Vec<usize>, Vec<u8>)> {
    let dtype = Dtype::try_from(t.kind())?;
    let shape = t.size().iter().map(|&d| d as usize).collect();
    Ok((dtype, shape, tensor_bytes(t)?))
}

fn tensor_bytes(t: &Tensor) -> Result<Vec<u8>> {
    let t = t.contiguous();
    let mut data = vec![0u8; t.numel() * t.kind().elt_size_in_bytes()];
    t.f_copy_data_u8(&mut data, t.numel())?;
    Ok(data)
}

/// CRC-32 of the header followed by each tensor's name, shape, dtype and bytes, in the
/// order given, as hex.
fn crc_hex(header: &str, tensors: &[(String, Tensor)]) -> Result<String> {
    let mut crc = flate2::Crc::new();
    crc.update(header.as_bytes());
    for (name, t) in tensors {
        crc.update(format!("{name} {:?} {:?}", t.size(), t.kind()).as_bytes());
        crc.update(&tensor_bytes(t)?);
    }
    Ok(format!("{:08x}", crc.sum()))
}

/// Why safetensors refused the file, in words.
fn safetensors_problem(e: &SafeTensorError) -> String {
    match e {
        SafeTensorError::HeaderTooSmall
        | SafeTensorError::InvalidHeaderLength
        | SafeTensorError::MetadataIncompleteBuffer => {
            "the file is truncated (shorter than its header says)".to_string()
        }
        other => format!("it is not a valid safetensors file ({other:?})"),
    }
}

/// A file that cannot be a whole checkpoint.
pub(crate) fn corrupt(path: &Path, problem: &str) -> Error {
    Error::Data(format!(
        "cannot load checkpoint {}: {problem}. Use a complete checkpoint written by \
         Checkpoint::save (a save that was interrupted leaves the previous file in place).",
        path.display()
    ))
}

fn model_mismatch(problem: String) -> Error {
    Error::invalid(
        "model checkpoint",
        problem,
        "Build the same model (same variable names, shapes and dtypes) before restoring.",
    )
}

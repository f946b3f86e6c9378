//! The JSON header of a checkpoint file (the format is documented on the module).
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};
use tch::{Kind, Tensor};

use super::{corrupt, exact, Checkpoint, FORMAT, FORMAT_VERSION};
use crate::optim::{OptimizerState, StateValue};
use crate::schedule::{PlateauConfig, PlateauMode, PlateauState, ReduceLrOnPlateau, ThresholdMode};
use crate::{Error, Result};

/// The dtypes a checkpoint stores, by the name the header gives them.
const KINDS: [Kind; 10] = [
    Kind::Float,
    Kind::Double,
    Kind::Half,
    Kind::BFloat16,
    Kind::Int,
    Kind::Int64,
    Kind::Int16,
    Kind::Int8,
    Kind::Uint8,
    Kind::Bool,
];

pub(super) fn encode(c: &Checkpoint) -> Value {
    let o = &c.optimizer;
    let values: Map<String, Value> = o
        .values
        .iter()
        .map(|(name, v)| {
            let v = match *v {
                StateValue::F64(x) => exact::to_json(x),
                StateValue::U64(n) => Value::from(n),
                StateValue::Bool(b) => Value::from(b),
            };
            (name.clone(), v)
        })
        .collect();
    let params: Vec<Value> = o
        .params
        .iter()
        .map(|(shape, kind)| json!({"shape": shape, "dtype": format!("{kind:?}")}))
        .collect();
    let buffers: Map<String, Value> = o
        .buffers
        .iter()
        .map(|(name, ts)| {
            let present: Vec<bool> = ts.iter().map(Option::is_some).collect();
            (name.clone(), json!(present))
        })
        .collect();
    json!({
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "step": c.step as u64,
        "model": c.model.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        "optimizer": {
            "kind": o.kind,
            "flags": o.flags,
            "values": values,
            "params": params,
            "buffers": buffers,
        },
        "plateau": c.plateau.as_ref().map(plateau_json),
    })
}

fn plateau_json(p: &ReduceLrOnPlateau) -> Value {
    let (c, s) = (p.config(), p.state());
    json!({
        "config": {
            "mode": match c.mode { PlateauMode::Min => "min", PlateauMode::Max => "max" },
            "factor": exact::to_json(c.factor),
            "patience": c.patience as u64,
            "threshold": exact::to_json(c.threshold),
            "threshold_mode": match c.threshold_mode {
                ThresholdMode::Rel => "rel",
                ThresholdMode::Abs => "abs",
            },
            "cooldown": c.cooldown as u64,
            "min_lr": exact::to_json(c.min_lr),
            "eps": exact::to_json(c.eps),
        },
        "state": {
            "lr": exact::to_json(s.lr),
            "best": exact::to_json(s.best),
            "num_bad_steps": s.num_bad_steps as u64,
            "cooldown_counter": s.cooldown_counter as u64,
        },
    })
}

/// The format name and version, checked before anything else is read.
pub(super) fn check_version(path: &Path, header: &Value) -> Result<()> {
    if header.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(corrupt(
            path,
            "its header does not name the lrbook checkpoint format",
        ));
    }
    match header.get("version").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) => Ok(()),
        Some(v) => Err(Error::Data(format!(
            "cannot load checkpoint {}: it is in format version {v}, but this lrbook reads \
             version {FORMAT_VERSION}. Load it with the lrbook version that wrote it, or save \
             the run again with this one.",
            path.display()
        ))),
        None => Err(corrupt(path, "its header has no format version")),
    }
}

/// Reads fields of the header, naming the file and the field in every error.
struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn bad(&self, field: &str, expected: &str) -> Error {
        corrupt(
            self.path,
            &format!("its header's {field} is missing or not {expected}"),
        )
    }
    fn get<'v>(&self, v: &'v Value, field: &str) -> Result<&'v Value> {
        v.get(field).ok_or_else(|| self.bad(field, "present"))
    }
    fn f64(&self, v: &Value, field: &str) -> Result<f64> {
        exact::from_json(self.get(v, field)?).ok_or_else(|| self.bad(field, "a number string"))
    }
    fn count(&self, v: &Value, field: &str) -> Result<usize> {
        self.get(v, field)?
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.bad(field, "a count"))
    }
    fn str<'v>(&self, v: &'v Value, field: &str) -> Result<&'v str> {
        self.get(v, field)?
            .as_str()
            .ok_or_else(|| self.bad(field, "a string"))
    }
    fn array<'v>(&self, v: &'v Value, field: &str) -> Result<&'v Vec<Value>> {
        self.get(v, field)?
            .as_array()
            .ok_or_else(|| self.bad(field, "a list"))
    }
    fn object<'v>(&self, v: &'v Value, field: &str) -> Result<&'v Map<String, Value>> {
        self.get(v, field)?
            .as_object()
            .ok_or_else(|| self.bad(field, "an object"))
    }
}

pub(super) fn decode(
    path: &Path,
    header: &Value,
    mut tensors: BTreeMap<String, Tensor>,
) -> Result<Checkpoint> {
    let r = Reader { path };
    let mut take = |name: String| {
        tensors.remove(&name).ok_or_else(|| {
            corrupt(
                path,
                &format!("its header names tensor {name}, which it lacks"),
            )
        })
    };
    let step = r.count(header, "step")?;
    let step_tensor = take(super::STEP_TENSOR.to_string())?;
    let repeated = (step_tensor.size() == [1] && step_tensor.kind() == Kind::Int64)
        .then(|| step_tensor.int64_value(&[0]));
    if repeated != i64::try_from(step).ok() {
        return Err(corrupt(
            path,
            "its step tensor does not repeat the header's step",
        ));
    }
    let mut model = Vec::new();
    for name in r.array(header, "model")? {
        let name = name
            .as_str()
            .ok_or_else(|| r.bad("model", "a list of names"))?;
        model.push((name.to_string(), take(format!("model/{name}"))?));
    }
    let o = r.get(header, "optimizer")?;
    let mut params = Vec::new();
    for p in r.array(o, "params")? {
        let shape = r
            .array(p, "shape")?
            .iter()
            .map(|d| d.as_i64().filter(|d| *d >= 0))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| r.bad("params shape", "a list of sizes"))?;
        let dtype = r.str(p, "dtype")?;
        let kind = KINDS
            .into_iter()
            .find(|k| format!("{k:?}") == dtype)
            .ok_or_else(|| r.bad("params dtype", "a known dtype"))?;
        params.push((shape, kind));
    }
    let mut buffers = BTreeMap::new();
    for (name, present) in r.object(o, "buffers")? {
        let present = present
            .as_array()
            .ok_or_else(|| r.bad("buffers", "lists"))?;
        let mut entries = Vec::new();
        for (i, p) in present.iter().enumerate() {
            entries.push(match p.as_bool() {
                Some(true) => Some(take(format!("optimizer/{name}/{i}"))?),
                Some(false) => None,
                None => return Err(r.bad("buffers", "lists of true/false")),
            });
        }
        buffers.insert(name.clone(), entries);
    }
    let mut values = BTreeMap::new();
    for (name, v) in r.object(o, "values")? {
        let value = match v {
            Value::String(_) => {
                StateValue::F64(exact::from_json(v).ok_or_else(|| r.bad(name, "a number"))?)
            }
            Value::Bool(b) => StateValue::Bool(*b),
            _ => StateValue::U64(v.as_u64().ok_or_else(|| r.bad(name, "a value"))?),
        };
        values.insert(name.clone(), value);
    }
    let flags = r
        .array(o, "flags")?
        .iter()
        .map(|f| f.as_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| r.bad("flags", "a list of names"))?;
    if let Some(extra) = tensors.keys().next() {
        return Err(corrupt(
            path,
            &format!("it holds tensor {extra}, which its header does not name"),
        ));
    }
    let optimizer = OptimizerState {
        kind: r.str(o, "kind")?.to_string(),
        flags,
        values,
        params,
        buffers,
    };
    let plateau = match r.get(header, "plateau")? {
        Value::Null => None,
        p => Some(decode_plateau(&r, p)?),
    };
    Ok(Checkpoint {
        step,
        optimizer,
        plateau,
        model,
    })
}

fn decode_plateau(r: &Reader, p: &Value) -> Result<ReduceLrOnPlateau> {
    let c = r.get(p, "config")?;
    let s = r.get(p, "state")?;
    let config = PlateauConfig {
        mode: match r.str(c, "mode")? {
            "min" => PlateauMode::Min,
            "max" => PlateauMode::Max,
            _ => return Err(r.bad("plateau mode", "\"min\" or \"max\"")),
        },
        factor: r.f64(c, "factor")?,
        patience: r.count(c, "patience")?,
        threshold: r.f64(c, "threshold")?,
        threshold_mode: match r.str(c, "threshold_mode")? {
            "rel" => ThresholdMode::Rel,
            "abs" => ThresholdMode::Abs,
            _ => return Err(r.bad("plateau threshold_mode", "\"rel\" or \"abs\"")),
        },
        cooldown: r.count(c, "cooldown")?,
        min_lr: r.f64(c, "min_lr")?,
        eps: r.f64(c, "eps")?,
    };
    let state = PlateauState {
        lr: r.f64(s, "lr")?,
        best: r.f64(s, "best")?,
        num_bad_steps: r.count(s, "num_bad_steps")?,
        cooldown_counter: r.count(s, "cooldown_counter")?,
    };
    ReduceLrOnPlateau::from_state(config, state)
}

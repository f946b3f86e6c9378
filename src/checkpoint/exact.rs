//! Real numbers as JSON strings that read back to the same bits, NaN and ±∞ included.
//!
//! JSON has no NaN or ∞, and serde_json's default number parser may round the last bit
//! (e.g. `0.9251287335186839` reads back one ulp off). A string in Rust's shortest
//! round-trip form (`format!("{x:?}")`: `"0.1"`, `"1e-8"`, `"NaN"`, `"inf"`, `"-inf"`)
//! parsed by Rust's correctly rounded `str::parse` gives back every `f64` exactly.
use serde_json::Value;

/// `x` as a JSON string that [`from_json`] reads back to the same bits.
pub(crate) fn to_json(x: f64) -> Value {
    Value::String(format!("{x:?}"))
}

/// The number a [`to_json`] string holds; `None` if `value` is not such a string.
pub(crate) fn from_json(value: &Value) -> Option<f64> {
    value.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_f64_reads_back_to_the_same_bits() {
        // serde_json without float_roundtrip reads this one an ulp off.
        let tricky = 0.9251287335186839;
        let values = [
            tricky,
            0.1,
            -0.0,
            0.0,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0 / 3.0,
        ];
        for x in values {
            let text = to_json(x).to_string();
            let back = from_json(&serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{x:?} via {text}");
        }
        assert!(from_json(&to_json(f64::NAN)).unwrap().is_nan());
        assert_eq!(to_json(1e-8), Value::String("1e-8".into()));
        assert_eq!(from_json(&Value::from(0.5)), None); // a bare number is not our encoding
        assert_eq!(from_json(&Value::String("half".into())), None);
    }
}

//! Hostile bytes: the IDX/gzip reader never panics (property tests).
use super::*;
use proptest::prelude::*;

/// `cases` cases from a fixed seed, so that a run repeats (and CI cannot fail by chance);
/// set `PROPTEST_RNG_SEED=N` to explore other inputs.
fn config(cases: u32) -> ProptestConfig {
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: match from_env.rng_seed {
            proptest::test_runner::RngSeed::Random => proptest::test_runner::RngSeed::Fixed(20),
            chosen => chosen,
        },
        ..from_env
    }
}

/// What [`read_file`] and [`load_split`] do with a file's bytes, minus the disk: gunzip
/// when the gzip magic is there, then the IDX header of either kind. Every error must
/// name the file.
fn parse_all(raw: &[u8]) {
    let path = Path::new("hostile.gz");
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        match gunzip(path, raw) {
            Ok(b) => b,
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains("hostile.gz") && msg.contains(". "), "{msg}");
                return;
            }
        }
    } else {
        raw.to_vec()
    };
    for (magic, what) in [(IMAGES_MAGIC, "images"), (LABELS_MAGIC, "labels")] {
        match parse_idx(path, &bytes, magic, what) {
            Ok((dims, data)) => {
                let n: usize = dims.iter().product();
                assert_eq!(data.len(), n);
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains("hostile.gz"), "{msg}");
            }
        }
    }
}

/// A valid gzipped labels file, then `edits` applied: (position, new byte) overwrites,
/// then a cut at `cut` (as a fraction), then `tail` appended.
fn mutated(edits: &[(usize, u8)], cut: Option<f64>, tail: &[u8]) -> Vec<u8> {
    let mut bytes = gz(&labels(&[9, 0, 1, 2, 3]));
    for &(i, b) in edits {
        let n = bytes.len();
        bytes[i % n] = b;
    }
    if let Some(f) = cut {
        bytes.truncate((bytes.len() as f64 * f) as usize);
    }
    bytes.extend_from_slice(tail);
    bytes
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..600)) {
        parse_all(&raw);
        // And behind a gzip magic or an IDX magic, so the deeper paths run too.
        let mut gz_like = vec![0x1f, 0x8b, 0x08, 0x00];
        gz_like.extend(&raw);
        parse_all(&gz_like);
        let mut idx_like = LABELS_MAGIC.to_be_bytes().to_vec();
        idx_like.extend(&raw);
        parse_all(&idx_like);
    }

    #[test]
    fn mutated_gzip_never_panics(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in prop::option::of(0.0f64..1.0),
        tail in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        parse_all(&mutated(&edits, cut, &tail));
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// The whole loader, from disk, on a mutated labels file: an error names the file
    /// and says what to do, or the data loads with labels 0 to 9.
    #[test]
    fn loading_a_mutated_file_is_ok_or_a_clear_error(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in prop::option::of(0.0f64..1.0),
        tail in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let fixture = Fixture::new();
        fixture.write(&format!("{TRAIN_LABELS}.gz"), &mutated(&edits, cut, &tail));
        match load(&fixture.dir) {
            Ok(data) => {
                let labels = Vec::<i64>::try_from(&data.train.targets).unwrap();
                prop_assert_eq!(labels.len(), 5);
                prop_assert!(labels.iter().all(|&l| (0..10).contains(&l)));
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("train-labels-idx1-ubyte.gz"), "{}", msg);
                prop_assert!(
                    ["download", "Re-download", "re-download", "Check"]
                        .iter()
                        .any(|w| msg.contains(w)),
                    "no advice: {}",
                    msg
                );
            }
        }
    }
}

//! Fashion-MNIST: 70,000 grey 28×28 pictures of clothes in 10 classes (Xiao, Rasul and
//! Vollgraf, 2017), read from the four IDX files the dataset ships as.
//!
//! [`locate`] finds the files, [`load`] reads them:
//!
//! ```no_run
//! # fn main() -> lrbook::Result<()> {
//! use lrbook::data::fashion_mnist;
//! let data = fashion_mnist::load_default()?;
//! assert_eq!(data.train.inputs.size(), [60_000, 784]);
//! assert_eq!(data.test.targets.size(), [10_000]);
//! # Ok(())
//! # }
//! ```
//!
//! Pixels are divided by 255, so inputs lie in `[0, 1]`; nothing else is done to them.
//! [`standardize`] subtracts the training set's mean and divides by its standard
//! deviation, for the experiments that want zero-mean inputs.
//!
//! ## The IDX format
//! A big-endian `u32` magic number (`0x00000803` for images, `0x00000801` for labels),
//! then one big-endian `u32` per dimension (`n, 28, 28` or `n`), then the `u8` values.
//! The files are usually gzip-compressed (`.gz`); uncompressed copies with the same
//! names minus `.gz` are read too.
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use tch::{Kind, Tensor};

use super::Dataset;
use crate::{Error, Result};

/// The class names, indexed by label.
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Image height and width in pixels.
pub const SIDE: usize = 28;
/// Pixels per image, the length of one input row.
pub const PIXELS: usize = SIDE * SIDE;

/// Mean pixel value (after scaling to `[0, 1]`) over the 60,000 training images.
pub const PIXEL_MEAN: f64 = 0.28604;
/// Standard deviation of the pixel values over the 60,000 training images.
pub const PIXEL_STD: f64 = 0.35302;

/// The environment variable that, when set, names the folder holding the files.
pub const ENV_VAR: &str = "FASHION_MNIST_DIR";
/// Where the Debian package `dataset-fashion-mnist` installs the files.
pub const SYSTEM_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The four file names, without the `.gz` most copies carry.
pub const FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];
const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

const INSTALL_HINT: &str =
    "Install it with `sudo apt-get install dataset-fashion-mnist` (or `make setup`), \
     or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist \
     into data/fashion-mnist/, or set FASHION_MNIST_DIR to a folder that holds them.";

/// The training set (60,000 examples) and the test set (10,000).
///
/// In both, inputs are `[n, 784]` f32 pixels in `[0, 1]`, row by row, and targets are
/// `[n]` i64 class indices into [`CLASS_NAMES`].
#[derive(Debug)]
pub struct FashionMnist {
    /// The 60,000 training examples (or the first `n_train`, see [`load_subset`]).
    pub train: Dataset,
    /// The 10,000 test examples (or the first `n_test`).
    pub test: Dataset,
}

/// Finds the folder holding the four files.
///
/// Looks, in order, at:
/// 1. `$FASHION_MNIST_DIR`, if set and not empty. If it is set, the files must be there:
///    a wrong value is an error, not a reason to look elsewhere.
/// 2. `/usr/share/datasets/fashion-mnist` (the Debian package `dataset-fashion-mnist`).
/// 3. `data/fashion-mnist` in this crate's folder.
///
/// A folder counts when each file is there, gzipped or not.
pub fn locate() -> Result<PathBuf> {
    let from_env = std::env::var_os(ENV_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let defaults = [
        PathBuf::from(SYSTEM_DIR),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist"),
    ];
    locate_in(from_env, &defaults)
}

/// [`locate`] with the environment variable's value and the default places passed in.
fn locate_in(from_env: Option<PathBuf>, defaults: &[PathBuf]) -> Result<PathBuf> {
    if let Some(dir) = from_env {
        let missing = missing_files(&dir);
        if missing.is_empty() {
            return Ok(dir);
        }
        return Err(Error::Data(format!(
            "{ENV_VAR} is set to {}, but {}. Point {ENV_VAR} at the folder that holds the four \
             Fashion-MNIST files, or unset it to search the default places.",
            dir.display(),
            describe_missing(&dir, &missing)
        )));
    }
    let mut searched = Vec::new();
    for dir in defaults {
        let missing = missing_files(dir);
        if missing.is_empty() {
            return Ok(dir.clone());
        }
        searched.push(describe_missing(dir, &missing));
    }
    Err(Error::Data(format!(
        "Fashion-MNIST not found. {ENV_VAR} is not set, and {}. {INSTALL_HINT}",
        searched.join("; ")
    )))
}

/// The files (as `name.gz`) that `dir` lacks in both compressed and plain form.
fn missing_files(dir: &Path) -> Vec<String> {
    FILES
        .iter()
        .filter(|name| !dir.join(format!("{name}.gz")).is_file() && !dir.join(name).is_file())
        .map(|name| format!("{name}.gz"))
        .collect()
}

fn describe_missing(dir: &Path, missing: &[String]) -> String {
    if !dir.is_dir() {
        format!("{} does not exist", dir.display())
    } else {
        format!("{} lacks {}", dir.display(), missing.join(", "))
    }
}

/// Finds the files with [`locate`] and reads them all with [`load`].
pub fn load_default() -> Result<FashionMnist> {
    load(&locate()?)
}

/// Reads the training and test sets from the four files in `dir`.
///
/// Every file is checked: gzip integrity, magic number, 28×28 size, that the data is as
/// long as the header says, that images and labels agree in number, and that labels
/// are below 10. Any problem is an [`Error::Data`] that names the file.
pub fn load(dir: &Path) -> Result<FashionMnist> {
    Ok(FashionMnist {
        train: load_split(dir, TRAIN_IMAGES, TRAIN_LABELS, None)?,
        test: load_split(dir, TEST_IMAGES, TEST_LABELS, None)?,
    })
}

/// Like [`load`], but keeps only the first `n_train` training and `n_test` test examples.
///
/// The files are still read and checked in full, which is quick; only the selected
/// images become tensors, which saves the memory and time of converting all 60,000.
pub fn load_subset(dir: &Path, n_train: usize, n_test: usize) -> Result<FashionMnist> {
    for (what, n) in [("n_train", n_train), ("n_test", n_test)] {
        if n == 0 {
            return Err(Error::invalid(what, "got 0", "Ask for at least 1 example."));
        }
    }
    Ok(FashionMnist {
        train: load_split(dir, TRAIN_IMAGES, TRAIN_LABELS, Some(("n_train", n_train)))?,
        test: load_split(dir, TEST_IMAGES, TEST_LABELS, Some(("n_test", n_test)))?,
    })
}

/// The folder to read: `dir` when given (a `--data-dir` flag), else the one [`locate`] finds.
pub fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(d.to_path_buf()),
        None => locate(),
    }
}

/// The one entry point the chapters use: the first `n_train` training and `n_test` test
/// examples from `dir` (or the installed copy, see [`resolve_dir`]), [`standardize`]d, on
/// `device`.
pub fn load_standardized(
    dir: Option<&Path>,
    n_train: usize,
    n_test: usize,
    device: tch::Device,
) -> Result<FashionMnist> {
    let raw = load_subset(&resolve_dir(dir)?, n_train, n_test)?;
    Ok(FashionMnist {
        train: standardize(&raw.train).to_device(device),
        test: standardize(&raw.test).to_device(device),
    })
}

/// Subtracts [`PIXEL_MEAN`] and divides by [`PIXEL_STD`]: inputs get about mean 0 and
/// standard deviation 1 over the training set. Targets are shared, not copied.
pub fn standardize(data: &Dataset) -> Dataset {
    Dataset {
        inputs: (&data.inputs - PIXEL_MEAN) / PIXEL_STD,
        targets: data.targets.shallow_clone(),
    }
}

/// Reads one images file and its labels file into a [`Dataset`], keeping the first
/// `limit.1` examples when a limit (named `limit.0` for messages) is given.
fn load_split(
    dir: &Path,
    images_name: &str,
    labels_name: &str,
    limit: Option<(&str, usize)>,
) -> Result<Dataset> {
    if !dir.is_dir() {
        return Err(Error::Data(format!(
            "the Fashion-MNIST folder {} does not exist. {INSTALL_HINT}",
            dir.display()
        )));
    }
    let (images_path, images_bytes) = read_file(dir, images_name)?;
    let (labels_path, labels_bytes) = read_file(dir, labels_name)?;

    let (dims, pixels) = parse_idx(&images_path, &images_bytes, IMAGES_MAGIC, "images")?;
    let (n_images, rows, cols) = (dims[0], dims[1], dims[2]);
    if (rows, cols) != (SIDE, SIDE) {
        return Err(Error::Data(format!(
            "{}: images are {rows}x{cols} pixels, but Fashion-MNIST images are 28x28. \
             Is this file from another data set? Use the files from \
             https://github.com/zalandoresearch/fashion-mnist.",
            images_path.display()
        )));
    }
    let (dims, labels) = parse_idx(&labels_path, &labels_bytes, LABELS_MAGIC, "labels")?;
    let n_labels = dims[0];
    if n_images != n_labels {
        return Err(Error::Data(format!(
            "{} holds {n_images} images but {} holds {n_labels} labels; they must match. \
             The two files come from different sets or one is damaged: re-download both.",
            images_path.display(),
            labels_path.display()
        )));
    }
    if let Some(i) = labels
        .iter()
        .position(|&label| label as usize >= CLASS_NAMES.len())
    {
        return Err(Error::Data(format!(
            "{}: label {} at position {i}, but Fashion-MNIST labels are 0 to 9. \
             The file is damaged: re-download it.",
            labels_path.display(),
            labels[i]
        )));
    }

    let n = match limit {
        None => n_images,
        Some((_, n)) if n <= n_images => n,
        Some((what, n)) => {
            return Err(Error::invalid(
                what,
                format!(
                    "asked for {n} examples, but {} holds {n_images}",
                    images_path.display()
                ),
                format!("Ask for at most {n_images}."),
            ))
        }
    };
    // u8 -> f32 in [0, 1]: copy the bytes into a tensor, convert, and scale in place.
    let mut inputs = Tensor::from_slice(&pixels[..n * PIXELS])
        .view([n as i64, PIXELS as i64])
        .to_kind(Kind::Float);
    inputs /= 255.0;
    let targets = Tensor::from_slice(&labels[..n]).to_kind(Kind::Int64);
    Dataset::new(inputs, targets)
}

/// Reads `dir/name.gz` (decompressing it) or, when that is absent, `dir/name`.
/// Returns the path actually read and the IDX bytes.
fn read_file(dir: &Path, name: &str) -> Result<(PathBuf, Vec<u8>)> {
    let gz_path = dir.join(format!("{name}.gz"));
    let plain_path = dir.join(name);
    let path = if gz_path.is_file() {
        gz_path
    } else if plain_path.is_file() {
        plain_path
    } else {
        return Err(Error::Data(format!(
            "Fashion-MNIST file {name}.gz (or its uncompressed form {name}) is missing from {}. {INSTALL_HINT}",
            dir.display()
        )));
    };
    let raw = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        gunzip(&path, &raw)?
    } else if path.extension().is_some_and(|ext| ext == "gz") {
        return Err(Error::Data(format!(
            "{} is not a gzip file (it starts with the bytes {}, not 1f 8b). \
             Re-download it; if you unpacked it yourself, remove the .gz from its name.",
            path.display(),
            hex_prefix(&raw)
        )));
    } else {
        raw
    };
    Ok((path, bytes))
}

/// Decompresses a whole gzip file.
fn gunzip(path: &Path, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(compressed.len() * 2);
    GzDecoder::new(compressed)
        .read_to_end(&mut out)
        .map_err(|e| {
            Error::Data(format!(
                "{} is a corrupt or cut-short gzip file ({e}). Delete it and download it again.",
                path.display()
            ))
        })?;
    Ok(out)
}

/// Checks an IDX header and returns the dimensions and the data bytes after it.
///
/// `magic` is the expected magic number; its last byte is the number of dimensions.
/// `what` ("images" or "labels") is used in messages.
fn parse_idx<'a>(
    path: &Path,
    bytes: &'a [u8],
    magic: u32,
    what: &str,
) -> Result<(Vec<usize>, &'a [u8])> {
    let ndims = (magic & 0xff) as usize;
    let header_len = 4 + 4 * ndims;
    if bytes.len() < header_len {
        return Err(Error::Data(format!(
            "{} is truncated: an IDX {what} file starts with a header of {header_len} bytes, \
             but the file has only {} bytes. Re-download it.",
            path.display(),
            bytes.len()
        )));
    }
    let word = |i: usize| {
        u32::from_be_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ])
    };
    let found = word(0);
    if found != magic {
        let (other_magic, other) = if magic == IMAGES_MAGIC {
            (LABELS_MAGIC, "labels")
        } else {
            (IMAGES_MAGIC, "images")
        };
        let guess = if found == other_magic {
            format!(" (the magic number for {other})")
        } else {
            String::new()
        };
        return Err(Error::Data(format!(
            "{} has the wrong magic number: expected 0x{magic:08x} (IDX {what}) but found 0x{found:08x}{guess}. \
             Check that the file is the Fashion-MNIST {what} file it is named after, or re-download it.",
            path.display()
        )));
    }
    let dims: Vec<usize> = (1..=ndims).map(|i| word(i) as usize).collect();
    let data = &bytes[header_len..];
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match expected {
        Some(expected) if data.len() == expected => Ok((dims, data)),
        Some(expected) if data.len() < expected => Err(Error::Data(format!(
            "{} is truncated: its header promises {} {what} ({expected} bytes of data) \
             but only {} bytes follow. Re-download it.",
            path.display(),
            dims[0],
            data.len()
        ))),
        _ => Err(Error::Data(format!(
            "{} is damaged: its header gives the sizes {dims:?}, which do not match the {} \
             bytes of data that follow. Re-download it.",
            path.display(),
            data.len()
        ))),
    }
}

/// The first (up to) four bytes in hex, for messages.
fn hex_prefix(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    if shown.is_empty() {
        "(none: the file is empty)".into()
    } else {
        shown.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // ---- building small IDX files ----

    fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend(d.to_be_bytes());
        }
        out.extend(data);
        out
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// `n` images of 28x28 whose pixel `j` of image `i` is `(7 i + j) mod 256`.
    fn images(n: usize) -> Vec<u8> {
        let pixels: Vec<u8> = (0..n * PIXELS)
            .map(|k| ((7 * (k / PIXELS) + k % PIXELS) % 256) as u8)
            .collect();
        idx(IMAGES_MAGIC, &[n as u32, 28, 28], &pixels)
    }

    fn labels(values: &[u8]) -> Vec<u8> {
        idx(LABELS_MAGIC, &[values.len() as u32], values)
    }

    /// A temporary folder holding a tiny valid Fashion-MNIST (5 training, 3 test
    /// examples), removed when dropped.
    struct Fixture {
        dir: PathBuf,
    }

    impl Fixture {
        fn new() -> Self {
            static COUNT: AtomicUsize = AtomicUsize::new(0);
            let unique = format!(
                "lrbook-fmnist-{}-{}",
                std::process::id(),
                COUNT.fetch_add(1, Ordering::SeqCst)
            );
            let dir = std::env::temp_dir().join(unique);
            std::fs::create_dir_all(&dir).unwrap();
            let fixture = Fixture { dir };
            fixture.write(&format!("{TRAIN_IMAGES}.gz"), &gz(&images(5)));
            fixture.write(
                &format!("{TRAIN_LABELS}.gz"),
                &gz(&labels(&[9, 0, 1, 2, 3])),
            );
            fixture.write(&format!("{TEST_IMAGES}.gz"), &gz(&images(3)));
            fixture.write(&format!("{TEST_LABELS}.gz"), &gz(&labels(&[4, 5, 6])));
            fixture
        }

        fn write(&self, name: &str, bytes: &[u8]) {
            std::fs::write(self.dir.join(name), bytes).unwrap();
        }

        fn remove(&self, name: &str) {
            std::fs::remove_file(self.dir.join(name)).unwrap();
        }

        fn load_error(&self) -> String {
            load(&self.dir).unwrap_err().to_string()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn assert_mentions(msg: &str, parts: &[&str]) {
        for part in parts {
            assert!(msg.contains(part), "message lacks {part:?}:\n{msg}");
        }
    }

    // ---- a small valid set ----

    #[test]
    fn reads_a_small_valid_set_exactly() {
        let fixture = Fixture::new();
        let data = load(&fixture.dir).unwrap();
        assert_eq!(data.train.inputs.size(), [5, 784]);
        assert_eq!(data.train.inputs.kind(), Kind::Float);
        assert_eq!(data.test.targets.size(), [3]);
        assert_eq!(data.train.targets.kind(), Kind::Int64);
        assert_eq!(
            Vec::<i64>::try_from(&data.train.targets).unwrap(),
            [9, 0, 1, 2, 3]
        );
        // Image 1, pixel 10 holds the byte 7 + 10 = 17, scaled by 1/255.
        assert_eq!(
            data.train.inputs.double_value(&[1, 10]),
            f64::from(17.0f32 / 255.0)
        );
        // Image 0, pixel 255 holds 255, the brightest value.
        assert_eq!(data.train.inputs.double_value(&[0, 255]), 1.0);
        assert_eq!(data.train.images_2d().unwrap().size(), [5, 1, 28, 28]);
    }

    #[test]
    fn reads_uncompressed_files_when_the_gz_ones_are_absent() {
        let fixture = Fixture::new();
        fixture.remove(&format!("{TRAIN_IMAGES}.gz"));
        fixture.write(TRAIN_IMAGES, &images(5));
        let data = load(&fixture.dir).unwrap();
        assert_eq!(
            data.train.inputs.double_value(&[1, 10]),
            f64::from(17.0f32 / 255.0)
        );
        assert_eq!(
            locate_in(Some(fixture.dir.clone()), &[]).unwrap(),
            fixture.dir
        );
    }

    #[test]
    fn load_subset_keeps_the_first_examples() {
        let fixture = Fixture::new();
        let data = load_subset(&fixture.dir, 2, 1).unwrap();
        assert_eq!(data.train.inputs.size(), [2, 784]);
        assert_eq!(Vec::<i64>::try_from(&data.train.targets).unwrap(), [9, 0]);
        assert_eq!(Vec::<i64>::try_from(&data.test.targets).unwrap(), [4]);
        assert!(data
            .train
            .inputs
            .equal(&load(&fixture.dir).unwrap().train.inputs.narrow(0, 0, 2)));

        let msg = load_subset(&fixture.dir, 6, 1).unwrap_err().to_string();
        assert_mentions(
            &msg,
            &[
                "invalid n_train",
                "asked for 6 examples",
                "holds 5",
                "at most 5",
            ],
        );
        let msg = load_subset(&fixture.dir, 1, 0).unwrap_err().to_string();
        assert_mentions(&msg, &["invalid n_test", "got 0"]);
    }

    // ---- broken files ----

    #[test]
    fn missing_folder() {
        let dir = std::env::temp_dir().join("lrbook-fmnist-no-such-folder");
        let msg = load(&dir).unwrap_err().to_string();
        assert_mentions(
            &msg,
            &[
                "lrbook-fmnist-no-such-folder",
                "does not exist",
                "apt-get install dataset-fashion-mnist",
            ],
        );
    }

    #[test]
    fn missing_file() {
        let fixture = Fixture::new();
        fixture.remove(&format!("{TEST_LABELS}.gz"));
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "t10k-labels-idx1-ubyte.gz",
                "is missing from",
                "zalandoresearch/fashion-mnist",
            ],
        );
    }

    #[test]
    fn not_gzip() {
        let fixture = Fixture::new();
        fixture.write(&format!("{TRAIN_IMAGES}.gz"), b"hello, world");
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "train-images-idx3-ubyte.gz",
                "is not a gzip file",
                "68 65 6c 6c",
            ],
        );
    }

    #[test]
    fn corrupt_gzip() {
        let fixture = Fixture::new();
        let whole = gz(&images(5));
        fixture.write(&format!("{TRAIN_IMAGES}.gz"), &whole[..whole.len() / 2]);
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &["train-images-idx3-ubyte.gz", "corrupt or cut-short gzip"],
        );
    }

    #[test]
    fn wrong_magic_number() {
        let fixture = Fixture::new();
        // An images header in the labels file, as when the two are swapped.
        fixture.write(&format!("{TRAIN_LABELS}.gz"), &gz(&images(5)));
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "train-labels-idx1-ubyte.gz",
                "wrong magic number",
                "expected 0x00000801",
                "found 0x00000803",
                "for images",
            ],
        );
    }

    #[test]
    fn truncated_body() {
        let fixture = Fixture::new();
        let whole = images(5);
        fixture.write(
            &format!("{TRAIN_IMAGES}.gz"),
            &gz(&whole[..16 + 4 * 784 + 100]),
        );
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "train-images-idx3-ubyte.gz",
                "truncated",
                "promises 5 images (3920 bytes",
                "only 3236 bytes",
            ],
        );
    }

    #[test]
    fn truncated_header_and_extra_bytes() {
        let fixture = Fixture::new();
        fixture.write(&format!("{TEST_LABELS}.gz"), &gz(&[0, 0, 8]));
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "t10k-labels-idx1-ubyte.gz",
                "truncated",
                "header of 8 bytes",
                "only 3 bytes",
            ],
        );

        let fixture = Fixture::new();
        let mut long = labels(&[4, 5, 6]);
        long.push(0);
        fixture.write(&format!("{TEST_LABELS}.gz"), &gz(&long));
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &["t10k-labels-idx1-ubyte.gz", "damaged", "[3]", "4 bytes"],
        );
    }

    #[test]
    fn image_and_label_counts_differ() {
        let fixture = Fixture::new();
        fixture.write(&format!("{TRAIN_LABELS}.gz"), &gz(&labels(&[9, 0, 1, 2])));
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "train-images-idx3-ubyte.gz holds 5 images",
                "train-labels-idx1-ubyte.gz holds 4 labels",
            ],
        );
    }

    #[test]
    fn wrong_image_size() {
        let fixture = Fixture::new();
        fixture.write(
            &format!("{TEST_IMAGES}.gz"),
            &gz(&idx(IMAGES_MAGIC, &[3, 32, 32], &[0; 3 * 32 * 32])),
        );
        let msg = fixture.load_error();
        assert_mentions(&msg, &["t10k-images-idx3-ubyte.gz", "32x32", "28x28"]);
    }

    #[test]
    fn label_out_of_range() {
        let fixture = Fixture::new();
        fixture.write(
            &format!("{TRAIN_LABELS}.gz"),
            &gz(&labels(&[9, 0, 12, 2, 3])),
        );
        let msg = fixture.load_error();
        assert_mentions(
            &msg,
            &[
                "train-labels-idx1-ubyte.gz",
                "label 12 at position 2",
                "0 to 9",
            ],
        );
    }

    // ---- finding the files ----

    #[test]
    fn locate_reports_every_place_searched() {
        let fixture = Fixture::new();
        fixture.remove(&format!("{TEST_IMAGES}.gz"));
        let nowhere = std::env::temp_dir().join("lrbook-fmnist-nowhere");
        let msg = locate_in(None, &[nowhere, fixture.dir.clone()])
            .unwrap_err()
            .to_string();
        assert_mentions(
            &msg,
            &[
                "FASHION_MNIST_DIR is not set",
                "lrbook-fmnist-nowhere does not exist",
                "lacks t10k-images-idx3-ubyte.gz",
                "sudo apt-get install dataset-fashion-mnist",
                "make setup",
                "https://github.com/zalandoresearch/fashion-mnist",
                "data/fashion-mnist/",
            ],
        );
        // The first complete folder wins.
        let complete = Fixture::new();
        assert_eq!(
            locate_in(None, &[fixture.dir.clone(), complete.dir.clone()]).unwrap(),
            complete.dir
        );
    }

    /// Runs [`locate`] in a child process (this test binary again, running only
    /// `locate_child`) with `FASHION_MNIST_DIR` set to `value`. The variable is never
    /// changed in this process, where other tests may be reading it at the same time.
    fn locate_in_child(value: &Path) -> String {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "data::fashion_mnist::tests::locate_child",
                "--exact",
                "--nocapture",
            ])
            .env(ENV_VAR, value)
            .env("LRBOOK_LOCATE_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "child failed:\n{stdout}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("LOCATED") || l.starts_with("ERROR"));
        line.unwrap_or_else(|| panic!("no result from the child:\n{stdout}"))
            .to_string()
    }

    /// The child's half of [`locate_in_child`]; does nothing in a normal test run.
    #[test]
    fn locate_child() {
        if std::env::var_os("LRBOOK_LOCATE_CHILD").is_some() {
            match locate() {
                Ok(dir) => println!("LOCATED {}", dir.display()),
                Err(e) => println!("ERROR {e}"),
            }
        }
    }

    #[test]
    fn environment_variable_is_obeyed() {
        let fixture = Fixture::new();
        let empty = fixture.dir.join("empty");
        std::fs::create_dir(&empty).unwrap();

        // Set to a folder without the files: an error naming the variable, no fallback.
        let msg = locate_in_child(&empty);
        assert_mentions(
            &msg,
            &[
                "ERROR FASHION_MNIST_DIR is set to",
                "empty",
                "lacks train-images-idx3-ubyte.gz",
                "unset it",
            ],
        );
        // Set to a folder with the files: that folder.
        assert_eq!(
            locate_in_child(&fixture.dir),
            format!("LOCATED {}", fixture.dir.display())
        );
        // Set but empty: treated as not set.
        assert!(!locate_in_child(Path::new("")).contains("is set to"));
    }

    // ---- the real data, when installed ----

    /// The real files, or `None` (with a note) when they are not installed.
    fn real_dir() -> Option<PathBuf> {
        match locate() {
            Ok(dir) => Some(dir),
            Err(e) => {
                eprintln!("note: skipping a real Fashion-MNIST test: {e}");
                None
            }
        }
    }

    #[test]
    fn real_fashion_mnist() {
        let Some(dir) = real_dir() else { return };
        let start = std::time::Instant::now();
        let data = load(&dir).unwrap();
        eprintln!(
            "loaded Fashion-MNIST from {} in {:.2?}",
            dir.display(),
            start.elapsed()
        );

        assert_eq!(data.train.inputs.size(), [60_000, 784]);
        assert_eq!(data.train.targets.size(), [60_000]);
        assert_eq!(data.test.inputs.size(), [10_000, 784]);
        assert_eq!(data.test.targets.size(), [10_000]);
        assert_eq!(data.train.inputs.min().double_value(&[]), 0.0);
        assert_eq!(data.train.inputs.max().double_value(&[]), 1.0);
        assert!(data.test.inputs.min().double_value(&[]) >= 0.0);
        assert!(data.test.inputs.max().double_value(&[]) <= 1.0);

        // The classes are exactly balanced: 6,000 training and 1,000 test images each.
        let counts = |t: &Tensor| Vec::<i64>::try_from(t.bincount::<Tensor>(None, 10)).unwrap();
        assert_eq!(counts(&data.train.targets), [6000; 10]);
        assert_eq!(counts(&data.test.targets), [1000; 10]);

        // The first training label, read straight from the file (byte 8, after the header).
        let path = dir.join(format!("{TRAIN_LABELS}.gz"));
        let mut header = [0u8; 9];
        if path.is_file() {
            GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_exact(&mut header)
                .unwrap();
        } else {
            std::fs::File::open(dir.join(TRAIN_LABELS))
                .unwrap()
                .read_exact(&mut header)
                .unwrap();
        }
        assert_eq!(header[8], 9);
        assert_eq!(data.train.targets.int64_value(&[0]), 9);
        assert_eq!(CLASS_NAMES[9], "Ankle boot");

        // The documented mean and standard deviation of the training pixels.
        let mean = data.train.inputs.mean(Kind::Double).double_value(&[]);
        let std = data
            .train
            .inputs
            .to_kind(Kind::Double)
            .std(false)
            .double_value(&[]);
        eprintln!("training pixels: mean {mean:.6}, std {std:.6}");
        assert!((mean - PIXEL_MEAN).abs() < 1e-5, "{mean}");
        assert!((std - PIXEL_STD).abs() < 1e-5, "{std}");
        let standardized = standardize(&data.train).inputs.to_kind(Kind::Double);
        assert!(standardized.mean(Kind::Double).double_value(&[]).abs() < 1e-3);

        // A subset is the first rows of the full set.
        let small = load_subset(&dir, 1000, 200).unwrap();
        assert_eq!(small.train.inputs.size(), [1000, 784]);
        assert_eq!(small.train.targets.size(), [1000]);
        assert_eq!(small.test.inputs.size(), [200, 784]);
        assert_eq!(small.test.targets.size(), [200]);
        assert!(small
            .train
            .inputs
            .equal(&data.train.inputs.narrow(0, 0, 1000)));
        assert!(small
            .test
            .targets
            .equal(&data.test.targets.narrow(0, 0, 200)));
        assert_eq!(small.train.images_2d().unwrap().size(), [1000, 1, 28, 28]);
    }
}

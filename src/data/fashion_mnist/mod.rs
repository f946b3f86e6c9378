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

use flate2::bufread::GzDecoder;
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
     into data/fashion-mnist/, or point --data-dir or FASHION_MNIST_DIR at a folder that \
     holds them.";

/// The most bytes one decompressed IDX file may hold: 128 MiB, well above the 47 MB of
/// the training images, so that a corrupt or hostile file cannot fill the memory.
const MAX_IDX_BYTES: u64 = 128 << 20;

/// What is at a path, for messages that say exactly what is wrong with it.
#[derive(Debug)]
enum Found {
    /// A regular file (or a symbolic link to one).
    File,
    /// A folder.
    Dir,
    /// Nothing, and no link either.
    Missing,
    /// A symbolic link whose target does not exist.
    DanglingLink,
    /// A symbolic link that cannot be followed: a loop, or too many links.
    BrokenLink(std::io::Error),
    /// Something that is neither a file nor a folder (a device, a socket, a pipe).
    Special,
    /// The path cannot be examined: a folder on the way is not readable, for example.
    Unreachable(std::io::Error),
}

fn probe(path: &Path) -> Found {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Found::File,
        Ok(m) if m.is_dir() => Found::Dir,
        Ok(_) => Found::Special,
        Err(e) => {
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            match (is_link, e.kind()) {
                (true, std::io::ErrorKind::NotFound) => Found::DanglingLink,
                (true, _) => Found::BrokenLink(e),
                (false, std::io::ErrorKind::NotFound) => Found::Missing,
                (false, _) => Found::Unreachable(e),
            }
        }
    }
}

/// What is wrong with `path`, which should be a file (`want_dir` false) or a folder; `None`
/// when it is what it should be or simply absent.
fn describe_wrong(path: &Path, want_dir: bool) -> Option<String> {
    let p = path.display();
    match probe(path) {
        Found::File if want_dir => Some(format!("{p} is a file, not a folder")),
        Found::Dir if !want_dir => Some(format!("{p} is a folder, not a file")),
        Found::File | Found::Dir | Found::Missing => None,
        Found::DanglingLink => Some(format!(
            "{p} is a symbolic link to {}, which does not exist",
            std::fs::read_link(path).map_or_else(|_| "?".into(), |t| t.display().to_string())
        )),
        Found::BrokenLink(e) => Some(format!(
            "{p} is a symbolic link that cannot be followed ({e}): a link loop, or a chain \
             of links that is too long"
        )),
        Found::Special => Some(format!(
            "{p} is neither a file nor a folder (a device, a socket or a pipe)"
        )),
        Found::Unreachable(e) => Some(format!("{p} cannot be examined ({e})")),
    }
}

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
    if let Some(wrong) = describe_wrong(dir, true) {
        return wrong;
    }
    if !dir.is_dir() {
        return format!("{} does not exist", dir.display());
    }
    let why: Vec<String> = missing
        .iter()
        .map(|gz| {
            let plain = gz.trim_end_matches(".gz");
            describe_wrong(&dir.join(gz), false)
                .or_else(|| describe_wrong(&dir.join(plain), false))
                .map_or_else(|| gz.clone(), |w| format!("{gz} ({w})"))
        })
        .collect();
    format!("{} lacks {}", dir.display(), why.join(", "))
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
    let (train, test) = ("number of training examples", "number of test examples");
    for (what, n) in [(train, n_train), (test, n_test)] {
        if n == 0 {
            return Err(Error::invalid(what, "got 0", "Ask for at least 1 example."));
        }
    }
    Ok(FashionMnist {
        train: load_split(dir, TRAIN_IMAGES, TRAIN_LABELS, Some((train, n_train)))?,
        test: load_split(dir, TEST_IMAGES, TEST_LABELS, Some((test, n_test)))?,
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
    if let Some(wrong) = describe_wrong(dir, true) {
        return Err(Error::Data(format!(
            "the Fashion-MNIST folder cannot be used: {wrong}. {INSTALL_HINT}"
        )));
    }
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
    let path = match (probe(&gz_path), probe(&plain_path)) {
        (Found::File, _) => gz_path,
        (_, Found::File) => plain_path,
        _ => {
            // Say what is there instead of the file, if anything: a folder, a link loop, …
            let wrong =
                describe_wrong(&gz_path, false).or_else(|| describe_wrong(&plain_path, false));
            return Err(Error::Data(match wrong {
                Some(wrong) => format!(
                    "Fashion-MNIST file {name}.gz cannot be read: {wrong}. Replace it with the \
                     file itself. {INSTALL_HINT}"
                ),
                None => format!(
                    "Fashion-MNIST file {name}.gz (or its uncompressed form {name}) is missing \
                     from {}. {INSTALL_HINT}",
                    dir.display()
                ),
            }));
        }
    };
    let raw = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => Error::Data(format!(
            "{} cannot be read: permission denied. Make it readable (chmod a+r {}), or point \
             --data-dir or FASHION_MNIST_DIR at a copy you can read.",
            path.display(),
            path.display()
        )),
        _ => Error::io("read", &path, e),
    })?;
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

/// Decompresses a whole gzip file: every member (a valid gzip file may hold several, one
/// after another, as `cat a.gz b.gz` makes), and nothing after the last one.
fn gunzip(path: &Path, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(
        compressed
            .len()
            .saturating_mul(2)
            .min(MAX_IDX_BYTES as usize),
    );
    let mut rest = compressed;
    let mut member = 0;
    while !rest.is_empty() {
        if member > 0 && !rest.starts_with(&[0x1f, 0x8b]) {
            return Err(Error::Data(format!(
                "{} has {} bytes of trailing data after the gzip stream (they start with {}, \
                 not a further gzip member). The file is damaged or was appended to: delete it \
                 and download it again.",
                path.display(),
                rest.len(),
                hex_prefix(rest)
            )));
        }
        member += 1;
        let mut decoder = GzDecoder::new(rest);
        let room = (MAX_IDX_BYTES + 1).saturating_sub(out.len() as u64);
        (&mut decoder)
            .take(room)
            .read_to_end(&mut out)
            .map_err(|e| {
                let which = if member == 1 {
                    String::new()
                } else {
                    format!(" (in its gzip member {member})")
                };
                Error::Data(format!(
                    "{} is a corrupt or cut-short gzip file{which} ({e}). Delete it and \
                     download it again.",
                    path.display()
                ))
            })?;
        if out.len() as u64 > MAX_IDX_BYTES {
            return Err(Error::Data(format!(
                "{} decompresses to more than {MAX_IDX_BYTES} bytes, far more than any \
                 Fashion-MNIST file (47 MB at most). It is not a Fashion-MNIST file: delete it \
                 and download the data again.",
                path.display()
            )));
        }
        rest = decoder.into_inner();
    }
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
mod tests;

//! Unit tests of the IDX reader, the loaders and their errors.
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
            "invalid number of training examples",
            "asked for 6 examples",
            "holds 5",
            "at most 5",
        ],
    );
    let msg = load_subset(&fixture.dir, 1, 0).unwrap_err().to_string();
    assert_mentions(&msg, &["invalid number of test examples", "got 0"]);
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

// ---- gzip streams: several members, trailing data, bombs ----

#[test]
fn multi_member_gzip_is_read_like_one_member() {
    let fixture = Fixture::new();
    let whole = images(5);
    let (a, b) = whole.split_at(1000);
    let mut two = gz(a);
    two.extend(gz(b)); // what `cat a.gz b.gz > c.gz` makes: a valid gzip file
    fixture.write(&format!("{TRAIN_IMAGES}.gz"), &two);
    let data = load(&fixture.dir).unwrap();
    assert_eq!(data.train.inputs.size(), [5, 784]);
    assert_eq!(
        data.train.inputs.double_value(&[1, 10]),
        f64::from(17.0f32 / 255.0)
    );
    assert_eq!(gunzip(Path::new("x.gz"), &two).unwrap(), whole);
}

#[test]
fn trailing_data_after_the_gzip_stream_is_rejected() {
    let fixture = Fixture::new();
    let mut tail = gz(&labels(&[9, 0, 1, 2, 3]));
    tail.extend(b"garbage");
    fixture.write(&format!("{TRAIN_LABELS}.gz"), &tail);
    assert_mentions(
        &fixture.load_error(),
        &[
            "train-labels-idx1-ubyte.gz",
            "7 bytes of trailing data after the gzip stream",
            "67 61 72 62",
            "download it again",
        ],
    );
    // A second member that is cut short is a corrupt member, named as such.
    let mut cut = gz(&labels(&[9, 0, 1, 2, 3]));
    let second = gz(b"more");
    cut.extend(&second[..second.len() - 3]);
    fixture.write(&format!("{TRAIN_LABELS}.gz"), &cut);
    assert_mentions(
        &fixture.load_error(),
        &["corrupt or cut-short gzip file (in its gzip member 2)"],
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_size_limit() {
    let block = gz(&vec![0u8; 16 << 20]);
    let bomb: Vec<u8> = block.repeat(9); // 144 MiB of zeros from a few hundred KiB
    let msg = gunzip(Path::new("bomb.gz"), &bomb).unwrap_err().to_string();
    assert_mentions(
        &msg,
        &["bomb.gz", "decompresses to more than 134217728 bytes"],
    );
}

// ---- what is at the path: folders, links, permissions ----

#[test]
fn a_folder_with_the_files_name_is_named_as_a_folder() {
    let fixture = Fixture::new();
    fixture.remove(&format!("{TEST_IMAGES}.gz"));
    std::fs::create_dir(fixture.dir.join(format!("{TEST_IMAGES}.gz"))).unwrap();
    assert_mentions(
        &fixture.load_error(),
        &[
            "t10k-images-idx3-ubyte.gz cannot be read",
            "is a folder, not a file",
            "--data-dir",
        ],
    );
    let msg = locate_in(Some(fixture.dir.clone()), &[])
        .unwrap_err()
        .to_string();
    assert_mentions(
        &msg,
        &["t10k-images-idx3-ubyte.gz (", "is a folder, not a file"],
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_named() {
    let fixture = Fixture::new();
    let link = fixture.dir.join(format!("{TRAIN_IMAGES}.gz"));
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&link, &link).unwrap(); // a link to itself
    assert_mentions(
        &fixture.load_error(),
        &[
            "train-images-idx3-ubyte.gz cannot be read",
            "symbolic link that cannot be followed",
            "link loop",
        ],
    );
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(fixture.dir.join("nowhere.gz"), &link).unwrap();
    assert_mentions(
        &fixture.load_error(),
        &["is a symbolic link to", "nowhere.gz, which does not exist"],
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_says_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = Fixture::new();
    let path = fixture.dir.join(format!("{TEST_LABELS}.gz"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        crate::record_skip(
            "an_unreadable_file_says_permission_denied",
            "running as root, which reads any file",
        );
        return;
    }
    assert_mentions(
        &fixture.load_error(),
        &[
            "t10k-labels-idx1-ubyte.gz cannot be read: permission denied",
            "chmod a+r",
            "--data-dir or FASHION_MNIST_DIR",
        ],
    );
}

#[test]
fn a_regular_file_given_as_the_folder_is_named_as_a_file() {
    let fixture = Fixture::new();
    let file = fixture.dir.join(format!("{TRAIN_IMAGES}.gz"));
    // FASHION_MNIST_DIR (or --data-dir) set to a file: was "does not exist".
    let msg = locate_in(Some(file.clone()), &[]).unwrap_err().to_string();
    assert_mentions(
        &msg,
        &["FASHION_MNIST_DIR is set to", "is a file, not a folder"],
    );
    assert!(!msg.contains("does not exist"), "{msg}");
    assert_mentions(
        &load(&file).unwrap_err().to_string(),
        &[
            "train-images-idx3-ubyte.gz is a file, not a folder",
            "--data-dir",
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
            crate::record_skip("a real Fashion-MNIST test", &e.to_string());
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
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
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

// ---- hostile bytes: the parser never panics ----

mod hostile;

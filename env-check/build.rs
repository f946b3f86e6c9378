//! Fails the build with a readable message when the repository's `.venv` lacks
//! torch==2.13.0. Only checks when LIBTORCH is the repository's own `.libtorch` link
//! (set by `.cargo/config.toml`); a user who points LIBTORCH elsewhere is trusted.
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LRBOOK_EXPECTED_LIBTORCH");
    let (Some(libtorch), Some(expected)) = (
        std::env::var_os("LIBTORCH"),
        std::env::var_os("LRBOOK_EXPECTED_LIBTORCH"),
    ) else {
        return;
    };
    if Path::new(&libtorch) != Path::new(&expected) {
        return;
    }
    let want = std::env::var("LRBOOK_EXPECTED_TORCH_VERSION").unwrap_or_else(|_| "2.13.0".into());
    let link = PathBuf::from(libtorch);
    println!("cargo:rerun-if-changed={}", link.display());
    if let Err(problem) = check(&link, &want) {
        let root = link
            .parent()
            .unwrap_or(Path::new("."))
            .display()
            .to_string();
        eprintln!();
        eprintln!("error: lrbook needs libtorch from torch=={want} in .venv, but {problem}.");
        eprintln!("       Run the one-time set-up from the repository root ({root}):");
        eprintln!();
        eprintln!("           make setup        (or: scripts/setup.sh torch)");
        eprintln!();
        eprintln!("       It creates .venv with torch=={want} and the .libtorch link that");
        eprintln!(
            "       .cargo/config.toml points LIBTORCH at. To use your own libtorch instead,"
        );
        eprintln!("       set LIBTORCH to its folder in the environment.");
        std::process::exit(1);
    }
}

fn check(link: &Path, want: &str) -> Result<(), String> {
    if !link.exists() {
        return Err(format!(
            "{} does not exist (has set-up been run?)",
            link.display()
        ));
    }
    let version_py = link.join("version.py");
    let text = std::fs::read_to_string(&version_py)
        .map_err(|e| format!("{} cannot be read ({e})", version_py.display()))?;
    let found = text
        .lines()
        .find_map(|l| l.strip_prefix("__version__"))
        .and_then(|rest| rest.split(['\'', '"']).nth(1))
        .map(|v| v.split('+').next().unwrap_or(v).to_string())
        .ok_or_else(|| format!("{} has no __version__", version_py.display()))?;
    if found != want {
        return Err(format!(".venv holds torch {found}"));
    }
    if !link.join("lib").join("libtorch.so").exists()
        && !link.join("lib").join("libtorch.dylib").exists()
    {
        return Err(format!(
            "{} has no libtorch library",
            link.join("lib").display()
        ));
    }
    Ok(())
}

//! Links the examples, tests and binaries against the wheel's libtorch with an rpath, so they
//! run without LD_LIBRARY_PATH. Mirrors tch-rs's own root build.rs: `--no-as-needed -ltorch`
//! keeps libtorch_cuda linked, without which `Cuda::is_available()` is silently false.
//! Also compiles the fused optimizer shim (`fused_optimizer_shim`).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "windows" {
        if let Some(lib_path) = std::env::var_os("DEP_TCH_LIBTORCH_LIB") {
            println!(
                "cargo:rustc-link-arg=-Wl,-rpath,{}",
                lib_path.to_string_lossy()
            );
        }
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch");
    }
    fused_optimizer_shim();
}

/// Compiles `src/optim/fused/shim.cpp`, lrbook's bridge to libtorch's fused optimizer
/// kernels (`lrbook::optim::FusedAdam`, `FusedSgd`), against the headers of the libtorch
/// that torch-sys links, with torch-sys's own flags. Skipped by the `doc-only` feature,
/// which builds the docs without libtorch (docs.rs): nothing is linked there.
fn fused_optimizer_shim() {
    const SHIM: &str = "src/optim/fused/shim.cpp";
    println!("cargo:rerun-if-changed={SHIM}");
    println!("cargo:rerun-if-env-changed=LIBTORCH_INCLUDE");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    if std::env::var_os("CARGO_FEATURE_DOC_ONLY").is_some() {
        return;
    }
    // torch-sys reports libtorch's lib folder (`links = "tch"`); the headers are beside it,
    // as torch-sys itself finds them, unless LIBTORCH_INCLUDE says otherwise.
    let include = match std::env::var_os("LIBTORCH_INCLUDE") {
        Some(root) => std::path::PathBuf::from(root).join("include"),
        None => {
            let lib = std::env::var_os("DEP_TCH_LIBTORCH_LIB")
                .expect("torch-sys did not report libtorch's location (DEP_TCH_LIBTORCH_LIB)");
            std::path::Path::new(&lib)
                .parent()
                .expect("libtorch's lib folder has a parent")
                .join("include")
        }
    };
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .pic(true)
        .warnings(false)
        .include(&include)
        .file(SHIM);
    if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        build.flag("/std:c++17");
    } else {
        let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".to_owned());
        build
            .flag("-std=c++17")
            .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={abi}"))
            .flag("-DGLOG_USE_GLOG_EXPORT");
    }
    build.compile("lrbook_fused_optimizer");
}

//! Links the examples, tests and binaries against the wheel's libtorch with an rpath, so they
//! run without LD_LIBRARY_PATH. Mirrors tch-rs's own root build.rs: `--no-as-needed -ltorch`
//! keeps libtorch_cuda linked, without which `Cuda::is_available()` is silently false.
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
}

//! Build-time guard for lrbook's local libtorch. All the work happens in `build.rs`:
//! it runs before `torch-sys` compiles, and turns a missing or wrong `.venv` into one
//! clear error instead of a page of C++ compiler output.

// Fallback header, found only when .libtorch/include is missing (see CPLUS_INCLUDE_PATH in
// .cargo/config.toml). It turns the compiler's "torch/torch.h: No such file" into the fix.
#error "lrbook: libtorch (torch==2.13.0 in .venv) is not set up. Run `make setup` (or scripts/setup.sh torch) in the repository root, then build again. To use your own libtorch, set LIBTORCH to its folder."

//! Chapter 6, the LR finder: prints the chapter's tables, writes them to the book's
//! `generated/ch6/` folder and draws the figures into `figures/ch6/`. Run it with
//! `cargo run --example ch6_lr_finder -- --quick`; `--help` lists its flags.
lrbook::chapter_main!(lrbook::chapters::ch6::Flags);

//! The command examples of the manual (`docs/src/examples.md`) and the pinned help texts
//! (`tests/cmd/*.md`) are run, and their output must match: the docs cannot drift from the
//! program. `TRYCMD=overwrite cargo test --test it docs::` rewrites the expected output.

#[test]
fn manual_examples_and_help_texts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The examples use an (empty) data dir of their own; start from nothing.
    let _ = std::fs::remove_dir_all("/tmp/shape-docs-examples");
    trycmd::TestCases::new()
        .register_bin("shape", std::path::Path::new(env!("CARGO_BIN_EXE_shape")))
        .env("NO_COLOR", "1")
        .case(root.join("docs/src/examples.md"))
        .case(root.join("tests/cmd/*.md"));
}

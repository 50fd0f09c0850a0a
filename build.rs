//! Embeds `sql/*.sql` (in name order) so every binary carries the views it was built with.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=sql");
    // Paths go through env!("CARGO_MANIFEST_DIR") when the crate compiles, not through this
    // script's output: clones sharing one target dir may reuse the output of another clone.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&manifest_dir).join("sql");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("sql/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut code = String::from("pub const SQL_FILES: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/sql/{name}\"))),"
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("sql_files.rs");
    std::fs::write(out, code).unwrap();
}

//! Computes the analytics schema fingerprint at build time with
//! `micromegas-transit` and exposes it to the library through `OUT_DIR`.

use std::env;
use std::fs;
use std::path::PathBuf;

include!("src/schema.rs");

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/schema.rs");

    let fingerprint = micromegas_transit::schema_fingerprint(&SCHEMA_DESCRIPTORS);
    let text = micromegas_transit::schema_text(&SCHEMA_DESCRIPTORS);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let generated = format!(
        "/// Fingerprint of [`SCHEMA_DESCRIPTORS`], computed by `build.rs`.\n\
         pub const SCHEMA_FINGERPRINT: u64 = {fingerprint:#018x};\n\
         /// Canonical schema text the fingerprint was computed from.\n\
         pub const SCHEMA_TEXT: &str = {text:?};\n"
    );
    fs::write(out_dir.join("schema_fingerprint.rs"), generated)
        .expect("write schema_fingerprint.rs");
}

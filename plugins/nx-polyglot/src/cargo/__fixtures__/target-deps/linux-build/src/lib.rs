//! fixture crate

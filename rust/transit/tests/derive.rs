//! Exercises `#[derive(TransitReflect)]` from the outside, like a user crate.

use std::collections::HashMap;

use micromegas_transit::{Reflect, TransitReflect};

#[derive(TransitReflect)]
#[allow(dead_code)]
/// Documented struct: doc comments are attributes the derive must skip.
pub struct BlockHeader {
    /// Stream the block belongs to.
    pub stream_id: String,
    pub(crate) sequence: u64,
    index: HashMap<String, Vec<(u8, u16)>>,
    callback: fn(u8, u8) -> Option<u8>,
}

#[derive(TransitReflect)]
#[allow(dead_code)]
struct Pair(u32, pub Vec<u8>);

#[derive(TransitReflect)]
struct Marker;

fn describe<T: Reflect>() -> String {
    format!("{}({})", T::TYPE_NAME, T::FIELD_NAMES.join(","))
}

#[test]
fn named_struct_reflection() {
    assert_eq!(BlockHeader::TYPE_NAME, "BlockHeader");
    assert_eq!(BlockHeader::FIELD_COUNT, 4);
    assert_eq!(
        BlockHeader::FIELD_NAMES,
        &["stream_id", "sequence", "index", "callback"]
    );
}

#[test]
fn tuple_and_unit_struct_reflection() {
    assert_eq!(Pair::FIELD_COUNT, 2);
    assert_eq!(describe::<Pair>(), "Pair(0,1)");
    assert_eq!(Marker::FIELD_COUNT, 0);
    assert_eq!(describe::<Marker>(), "Marker()");
}

#[test]
fn reflection_is_usable_in_const_context() {
    const TOTAL: usize = BlockHeader::FIELD_COUNT + Pair::FIELD_COUNT;
    assert_eq!(TOTAL, 6);
}

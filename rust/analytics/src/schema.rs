// Shared between `build.rs` (via `include!`) and the library (as a module):
// the transit types making up the analytics view of a telemetry block, in order.

/// Transit descriptors of the block columns, in storage order.
pub const SCHEMA_DESCRIPTORS: [micromegas_transit::TypeDescriptor; 6] = [
    <u32 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // magic
    <u16 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // version
    <u64 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // sequence
    <u64 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // begin tick
    <u64 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // end tick
    <u32 as micromegas_transit::InProcSerialize>::DESCRIPTOR, // event count
];

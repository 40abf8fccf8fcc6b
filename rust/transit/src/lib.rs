//! `micromegas-transit`: a tiny binary serialization framework.
//!
//! Fixed-size values are written little-endian into a byte buffer. Every
//! serializable type carries a [`TypeDescriptor`] so that a set of types can
//! be fingerprinted into a schema identifier.
//!
//! ```
//! use micromegas_transit::{Reader, Writer};
//!
//! let mut writer = Writer::new();
//! writer.write(&42u32).write_str("hello");
//! let bytes = writer.into_bytes();
//!
//! let mut reader = Reader::new(&bytes);
//! assert_eq!(reader.read::<u32>().unwrap(), 42);
//! assert_eq!(reader.read_str().unwrap(), "hello");
//! assert!(reader.is_empty());
//! ```

// Lets `#[derive(TransitReflect)]` (which expands to `::micromegas_transit::...`)
// be used inside this crate as well.
extern crate self as micromegas_transit;

use std::fmt;

pub use micromegas_derive_transit::TransitReflect;

/// Static description of a serializable type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeDescriptor {
    pub name: &'static str,
    pub size: usize,
}

/// Compile-time reflection implemented by `#[derive(TransitReflect)]`.
pub trait Reflect {
    const TYPE_NAME: &'static str;
    const FIELD_COUNT: usize;
    const FIELD_NAMES: &'static [&'static str];
}

/// Errors raised while decoding a transit buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitError {
    UnexpectedEof { needed: usize, available: usize },
    InvalidUtf8,
    InvalidTag { type_name: &'static str, tag: u8 },
    TrailingBytes(usize),
}

impl fmt::Display for TransitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEof { needed, available } => {
                write!(
                    f,
                    "unexpected end of buffer: needed {needed} bytes, {available} available"
                )
            }
            Self::InvalidUtf8 => write!(f, "string is not valid utf-8"),
            Self::InvalidTag { type_name, tag } => write!(f, "invalid tag {tag} for {type_name}"),
            Self::TrailingBytes(count) => write!(f, "{count} trailing bytes after value"),
        }
    }
}

impl std::error::Error for TransitError {}

/// A fixed-size value that can be copied in and out of a byte buffer.
pub trait InProcSerialize: Sized {
    const DESCRIPTOR: TypeDescriptor;

    fn write_value(&self, buffer: &mut Vec<u8>);

    /// Reads exactly `Self::DESCRIPTOR.size` bytes from the start of `bytes`.
    fn read_value(bytes: &[u8]) -> Result<Self, TransitError>;
}

fn take(bytes: &[u8], count: usize) -> Result<&[u8], TransitError> {
    bytes.get(..count).ok_or(TransitError::UnexpectedEof {
        needed: count,
        available: bytes.len(),
    })
}

macro_rules! impl_little_endian {
    ($($t:ty),* $(,)?) => {$(
        impl InProcSerialize for $t {
            const DESCRIPTOR: TypeDescriptor = TypeDescriptor {
                name: stringify!($t),
                size: std::mem::size_of::<$t>(),
            };

            fn write_value(&self, buffer: &mut Vec<u8>) {
                buffer.extend_from_slice(&self.to_le_bytes());
            }

            fn read_value(bytes: &[u8]) -> Result<Self, TransitError> {
                let mut array = [0u8; std::mem::size_of::<$t>()];
                array.copy_from_slice(take(bytes, std::mem::size_of::<$t>())?);
                Ok(<$t>::from_le_bytes(array))
            }
        }
    )*};
}

impl_little_endian!(u8, u16, u32, u64, i32, i64, f32, f64);

impl InProcSerialize for bool {
    const DESCRIPTOR: TypeDescriptor = TypeDescriptor {
        name: "bool",
        size: 1,
    };

    fn write_value(&self, buffer: &mut Vec<u8>) {
        buffer.push(u8::from(*self));
    }

    fn read_value(bytes: &[u8]) -> Result<Self, TransitError> {
        match take(bytes, 1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(TransitError::InvalidTag {
                type_name: "bool",
                tag,
            }),
        }
    }
}

/// Appends values to a growable byte buffer.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buffer: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn write<T: InProcSerialize>(&mut self, value: &T) -> &mut Self {
        value.write_value(&mut self.buffer);
        self
    }

    /// Writes a length-prefixed (u32) byte slice.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u32::try_from(bytes.len()).expect("transit payloads are limited to 4 GiB");
        self.write(&len);
        self.buffer.extend_from_slice(bytes);
        self
    }

    /// Writes a length-prefixed utf-8 string.
    pub fn write_str(&mut self, value: &str) -> &mut Self {
        self.write_bytes(value.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buffer
    }
}

/// Sequentially decodes values written by a [`Writer`].
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    pub fn read<T: InProcSerialize>(&mut self) -> Result<T, TransitError> {
        let value = T::read_value(self.rest())?;
        self.offset += T::DESCRIPTOR.size;
        Ok(value)
    }

    pub fn read_bytes(&mut self) -> Result<&'a [u8], TransitError> {
        let start = self.offset;
        let len = self.read::<u32>()? as usize;
        match take(self.rest(), len) {
            Ok(bytes) => {
                self.offset += len;
                Ok(bytes)
            }
            Err(error) => {
                self.offset = start;
                Err(error)
            }
        }
    }

    pub fn read_str(&mut self) -> Result<&'a str, TransitError> {
        let start = self.offset;
        let bytes = self.read_bytes()?;
        std::str::from_utf8(bytes).map_err(|_| {
            self.offset = start;
            TransitError::InvalidUtf8
        })
    }

    /// Fails with [`TransitError::TrailingBytes`] if anything is left to read.
    pub fn finish(&self) -> Result<(), TransitError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(TransitError::TrailingBytes(count)),
        }
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.offset..]
    }
}

/// 64-bit FNV-1a hash, usable in const contexts.
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        index += 1;
    }
    hash
}

/// Canonical text form of a schema: `name:size;` for every descriptor.
pub fn schema_text(descriptors: &[TypeDescriptor]) -> String {
    descriptors
        .iter()
        .map(|d| format!("{}:{};", d.name, d.size))
        .collect()
}

/// Identifies an ordered list of types; used to detect schema changes.
pub fn schema_fingerprint(descriptors: &[TypeDescriptor]) -> u64 {
    fnv1a64(schema_text(descriptors).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T: InProcSerialize + PartialEq + std::fmt::Debug>(value: T) {
        let mut writer = Writer::new();
        writer.write(&value);
        assert_eq!(writer.len(), T::DESCRIPTOR.size);
        let bytes = writer.into_bytes();
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.read::<T>().unwrap(), value);
        assert!(reader.is_empty());
    }

    #[test]
    fn fixed_size_values_roundtrip() {
        roundtrip(0xABu8);
        roundtrip(0xBEEFu16);
        roundtrip(0xDEAD_BEEFu32);
        roundtrip(u64::MAX - 7);
        roundtrip(-42i32);
        roundtrip(i64::MIN);
        roundtrip(1.5f32);
        roundtrip(-0.125f64);
        roundtrip(true);
        roundtrip(false);
    }

    #[test]
    fn values_are_little_endian() {
        let mut writer = Writer::new();
        writer.write(&0x0102_0304u32);
        assert_eq!(writer.as_bytes(), &[4, 3, 2, 1]);
    }

    #[test]
    fn descriptors_name_and_size_types() {
        assert_eq!(
            u64::DESCRIPTOR,
            TypeDescriptor {
                name: "u64",
                size: 8
            }
        );
        assert_eq!(f32::DESCRIPTOR.size, 4);
        assert_eq!(bool::DESCRIPTOR.name, "bool");
    }

    #[test]
    fn strings_and_bytes_are_length_prefixed() {
        let mut writer = Writer::new();
        writer.write_str("héllo").write_bytes(&[9, 8]);
        let bytes = writer.into_bytes();
        assert_eq!(&bytes[..4], &6u32.to_le_bytes());
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.read_str().unwrap(), "héllo");
        assert_eq!(reader.read_bytes().unwrap(), &[9, 8]);
        reader.finish().unwrap();
    }

    #[test]
    fn truncated_input_reports_eof_without_consuming() {
        let mut writer = Writer::new();
        writer.write_str("abcdef");
        let bytes = writer.into_bytes();
        let mut reader = Reader::new(&bytes[..7]);
        assert_eq!(
            reader.read_str(),
            Err(TransitError::UnexpectedEof {
                needed: 6,
                available: 3
            })
        );
        assert_eq!(reader.offset(), 0);
        assert_eq!(
            Reader::new(&[1, 2]).read::<u32>(),
            Err(TransitError::UnexpectedEof {
                needed: 4,
                available: 2
            })
        );
    }

    #[test]
    fn invalid_utf8_and_tags_are_rejected() {
        let mut writer = Writer::new();
        writer.write_bytes(&[0xff, 0xfe]);
        let bytes = writer.into_bytes();
        assert_eq!(
            Reader::new(&bytes).read_str(),
            Err(TransitError::InvalidUtf8)
        );
        assert_eq!(
            Reader::new(&[7]).read::<bool>(),
            Err(TransitError::InvalidTag {
                type_name: "bool",
                tag: 7
            })
        );
    }

    #[test]
    fn finish_reports_trailing_bytes() {
        let reader = Reader::new(&[1, 2, 3]);
        assert_eq!(reader.finish(), Err(TransitError::TrailingBytes(3)));
        assert_eq!(
            reader.finish().unwrap_err().to_string(),
            "3 trailing bytes after value"
        );
    }

    #[test]
    fn fnv1a64_matches_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        const AT_COMPILE_TIME: u64 = fnv1a64(b"a");
        assert_eq!(AT_COMPILE_TIME, fnv1a64(b"a"));
    }

    #[test]
    fn schema_fingerprint_depends_on_order_and_types() {
        let a = [u32::DESCRIPTOR, f64::DESCRIPTOR];
        let b = [f64::DESCRIPTOR, u32::DESCRIPTOR];
        assert_eq!(schema_text(&a), "u32:4;f64:8;");
        assert_eq!(schema_fingerprint(&a), schema_fingerprint(&a));
        assert_ne!(schema_fingerprint(&a), schema_fingerprint(&b));
    }

    #[derive(TransitReflect)]
    #[allow(dead_code)]
    struct Sample {
        id: u64,
        values: Vec<(u8, u16)>,
    }

    #[test]
    fn derive_works_inside_the_defining_crate() {
        assert_eq!(Sample::TYPE_NAME, "Sample");
        assert_eq!(Sample::FIELD_COUNT, 2);
        assert_eq!(Sample::FIELD_NAMES, &["id", "values"]);
    }
}

//! `micromegas-telemetry`: the block format exchanged between telemetry
//! producers (sinks) and the ingestion service.
//!
//! A [`Block`] carries a transit-encoded [`EventBuffer`] payload plus the
//! metadata needed to index it without decoding the payload.

use std::fmt;

use micromegas_tracing::{EventBuffer, next_tick};
use micromegas_transit::{Reader, TransitError, Writer};

/// `"MMBK"` read as a little-endian `u32`.
pub const BLOCK_MAGIC: u32 = u32::from_le_bytes(*b"MMBK");
pub const BLOCK_FORMAT_VERSION: u16 = 1;

/// Identity of a process emitting telemetry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub process_id: String,
    pub exe: String,
    pub start_tick: u64,
}

impl ProcessInfo {
    pub fn new(process_id: &str, exe: &str) -> Self {
        ProcessInfo {
            process_id: process_id.to_string(),
            exe: exe.to_string(),
            start_tick: next_tick(),
        }
    }

    /// Stream identifier for a named stream of this process.
    pub fn stream_id(&self, stream: &str) -> String {
        format!("{}/{}", self.process_id, stream)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TelemetryError {
    Transit(TransitError),
    BadMagic(u32),
    UnsupportedVersion(u16),
    EventCountMismatch { declared: u32, actual: usize },
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transit(error) => write!(f, "transit error: {error}"),
            Self::BadMagic(magic) => write!(f, "not a telemetry block (magic {magic:#010x})"),
            Self::UnsupportedVersion(version) => write!(f, "unsupported block version {version}"),
            Self::EventCountMismatch { declared, actual } => {
                write!(f, "block declares {declared} events but contains {actual}")
            }
        }
    }
}

impl std::error::Error for TelemetryError {}

impl From<TransitError> for TelemetryError {
    fn from(error: TransitError) -> Self {
        TelemetryError::Transit(error)
    }
}

/// A batch of events from one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stream_id: String,
    pub sequence: u64,
    pub begin_tick: u64,
    pub end_tick: u64,
    pub event_count: u32,
    pub payload: Vec<u8>,
}

impl Block {
    pub fn from_events(stream_id: &str, sequence: u64, events: &EventBuffer) -> Block {
        let (begin_tick, end_tick) = events.tick_range().unwrap_or((0, 0));
        Block {
            stream_id: stream_id.to_string(),
            sequence,
            begin_tick,
            end_tick,
            event_count: u32::try_from(events.len()).expect("too many events in one block"),
            payload: events.encode(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut writer = Writer::new();
        writer
            .write(&BLOCK_MAGIC)
            .write(&BLOCK_FORMAT_VERSION)
            .write_str(&self.stream_id)
            .write(&self.sequence)
            .write(&self.begin_tick)
            .write(&self.end_tick)
            .write(&self.event_count)
            .write_bytes(&self.payload);
        writer.into_bytes()
    }

    /// Decodes the block envelope; the payload is validated lazily by [`Block::events`].
    pub fn decode(bytes: &[u8]) -> Result<Block, TelemetryError> {
        let mut reader = Reader::new(bytes);
        let magic = reader.read::<u32>()?;
        if magic != BLOCK_MAGIC {
            return Err(TelemetryError::BadMagic(magic));
        }
        let version = reader.read::<u16>()?;
        if version != BLOCK_FORMAT_VERSION {
            return Err(TelemetryError::UnsupportedVersion(version));
        }
        let block = Block {
            stream_id: reader.read_str()?.to_string(),
            sequence: reader.read()?,
            begin_tick: reader.read()?,
            end_tick: reader.read()?,
            event_count: reader.read()?,
            payload: reader.read_bytes()?.to_vec(),
        };
        reader.finish()?;
        Ok(block)
    }

    pub fn events(&self) -> Result<EventBuffer, TelemetryError> {
        let events = EventBuffer::decode(&self.payload)?;
        if events.len() != self.event_count as usize {
            return Err(TelemetryError::EventCountMismatch {
                declared: self.event_count,
                actual: events.len(),
            });
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas_tracing::{Event, Level};

    fn sample_events() -> EventBuffer {
        [
            Event::Log {
                tick: 5,
                level: Level::Info,
                target: "app".into(),
                message: "started".into(),
            },
            Event::Metric {
                tick: 9,
                name: "rss".into(),
                value: 12.5,
            },
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn magic_spells_mmbk() {
        assert_eq!(&BLOCK_MAGIC.to_le_bytes(), b"MMBK");
    }

    #[test]
    fn process_info_builds_stream_ids() {
        let process = ProcessInfo::new("pid-1", "/bin/app");
        assert_eq!(process.stream_id("log"), "pid-1/log");
        assert!(process.start_tick > 0);
    }

    #[test]
    fn blocks_roundtrip_with_metadata() {
        let block = Block::from_events("p/log", 3, &sample_events());
        assert_eq!((block.begin_tick, block.end_tick), (5, 9));
        assert_eq!(block.event_count, 2);
        let bytes = block.encode();
        assert_eq!(&bytes[..4], b"MMBK");
        let decoded = Block::decode(&bytes).unwrap();
        assert_eq!(decoded, block);
        assert_eq!(decoded.events().unwrap(), sample_events());
    }

    #[test]
    fn empty_blocks_have_zero_ticks() {
        let block = Block::from_events("s", 0, &EventBuffer::new());
        assert_eq!(
            (block.begin_tick, block.end_tick, block.event_count),
            (0, 0, 0)
        );
        assert!(block.events().unwrap().is_empty());
    }

    #[test]
    fn decode_rejects_foreign_and_future_data() {
        assert_eq!(
            Block::decode(b"JUNKxxxx"),
            Err(TelemetryError::BadMagic(u32::from_le_bytes(*b"JUNK")))
        );
        let mut bytes = Block::from_events("s", 0, &sample_events()).encode();
        bytes[4] = 9;
        assert_eq!(
            Block::decode(&bytes),
            Err(TelemetryError::UnsupportedVersion(9))
        );
        assert!(matches!(
            Block::decode(&bytes[..3]),
            Err(TelemetryError::Transit(TransitError::UnexpectedEof { .. }))
        ));
    }

    #[test]
    fn event_count_is_checked_against_payload() {
        let mut block = Block::from_events("s", 0, &sample_events());
        block.event_count = 5;
        let error = block.events().unwrap_err();
        assert_eq!(
            error,
            TelemetryError::EventCountMismatch {
                declared: 5,
                actual: 2
            }
        );
        assert_eq!(error.to_string(), "block declares 5 events but contains 2");
    }
}

//! `micromegas-ingestion`: validates incoming telemetry blocks and keeps them
//! in an in-memory, ordered store.

use std::collections::BTreeMap;
use std::fmt;

use micromegas_telemetry::{BLOCK_MAGIC, Block, TelemetryError};
use micromegas_tracing::{info, span_fn, warn};
use micromegas_transit::Reader;

/// `(stream_id, sequence)`.
pub type BlockKey = (String, u64);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestionStats {
    pub blocks: u64,
    pub events: u64,
    pub bytes: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IngestionError {
    NotABlock,
    Invalid(TelemetryError),
    Duplicate(BlockKey),
}

impl fmt::Display for IngestionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotABlock => write!(f, "payload is not a telemetry block"),
            Self::Invalid(error) => write!(f, "invalid block: {error}"),
            Self::Duplicate((stream, sequence)) => {
                write!(
                    f,
                    "block {sequence} of stream {stream} was already ingested"
                )
            }
        }
    }
}

impl std::error::Error for IngestionError {}

/// Cheap pre-check reading only the magic number.
pub fn looks_like_block(bytes: &[u8]) -> bool {
    Reader::new(bytes).read::<u32>() == Ok(BLOCK_MAGIC)
}

#[derive(Debug, Default)]
pub struct IngestionService {
    blocks: BTreeMap<BlockKey, Block>,
    stats: IngestionStats,
}

impl IngestionService {
    pub fn new() -> Self {
        Self::default()
    }

    #[span_fn]
    pub fn ingest(&mut self, bytes: &[u8]) -> Result<BlockKey, IngestionError> {
        let result = self.validate(bytes);
        match &result {
            Ok(block) => {
                let key = (block.stream_id.clone(), block.sequence);
                self.stats.blocks += 1;
                self.stats.events += u64::from(block.event_count);
                self.stats.bytes += bytes.len() as u64;
                info!("ingested block {} of {}", key.1, key.0);
            }
            Err(error) => {
                self.stats.rejected += 1;
                warn!("rejected block: {error}");
            }
        }
        let block = result?;
        let key = (block.stream_id.clone(), block.sequence);
        self.blocks.insert(key.clone(), block);
        Ok(key)
    }

    fn validate(&self, bytes: &[u8]) -> Result<Block, IngestionError> {
        if !looks_like_block(bytes) {
            return Err(IngestionError::NotABlock);
        }
        let block = Block::decode(bytes).map_err(IngestionError::Invalid)?;
        block.events().map_err(IngestionError::Invalid)?;
        let key = (block.stream_id.clone(), block.sequence);
        if self.blocks.contains_key(&key) {
            return Err(IngestionError::Duplicate(key));
        }
        Ok(block)
    }

    pub fn block(&self, stream_id: &str, sequence: u64) -> Option<&Block> {
        self.blocks.get(&(stream_id.to_string(), sequence))
    }

    /// Blocks of one stream, ordered by sequence number.
    pub fn blocks_for_stream<'a>(&'a self, stream_id: &'a str) -> impl Iterator<Item = &'a Block> {
        self.blocks
            .iter()
            .filter(move |((stream, _), _)| stream == stream_id)
            .map(|(_, block)| block)
    }

    /// Distinct stream ids, sorted.
    pub fn streams(&self) -> Vec<&str> {
        let mut streams: Vec<&str> = self.blocks.keys().map(|(s, _)| s.as_str()).collect();
        streams.dedup();
        streams
    }

    pub fn stats(&self) -> IngestionStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas_tracing::{Event, EventBuffer, take_thread_events};

    fn block_bytes(stream: &str, sequence: u64, events: usize) -> Vec<u8> {
        let buffer: EventBuffer = (0..events)
            .map(|i| Event::Metric {
                tick: i as u64 + 1,
                name: "m".into(),
                value: i as f64,
            })
            .collect();
        Block::from_events(stream, sequence, &buffer).encode()
    }

    #[test]
    fn ingests_and_indexes_blocks() {
        let mut service = IngestionService::new();
        service.ingest(&block_bytes("b", 1, 2)).unwrap();
        service.ingest(&block_bytes("a", 0, 1)).unwrap();
        let key = service.ingest(&block_bytes("b", 0, 3)).unwrap();
        assert_eq!(key, ("b".to_string(), 0));
        assert_eq!(service.streams(), ["a", "b"]);
        let sequences: Vec<u64> = service.blocks_for_stream("b").map(|b| b.sequence).collect();
        assert_eq!(sequences, [0, 1]);
        assert_eq!(service.block("a", 0).unwrap().event_count, 1);
        let stats = service.stats();
        assert_eq!((stats.blocks, stats.events, stats.rejected), (3, 6, 0));
    }

    #[test]
    fn rejects_garbage_duplicates_and_corruption() {
        let mut service = IngestionService::new();
        assert_eq!(
            service.ingest(b"hello world"),
            Err(IngestionError::NotABlock)
        );
        let bytes = block_bytes("s", 4, 1);
        service.ingest(&bytes).unwrap();
        assert_eq!(
            service.ingest(&bytes),
            Err(IngestionError::Duplicate(("s".to_string(), 4)))
        );
        let truncated = &block_bytes("s", 5, 2)[..30];
        assert!(matches!(
            service.ingest(truncated),
            Err(IngestionError::Invalid(_))
        ));
        assert_eq!(service.stats().rejected, 3);
        assert_eq!(service.stats().blocks, 1);
    }

    #[test]
    fn magic_precheck() {
        assert!(looks_like_block(&block_bytes("s", 0, 0)));
        assert!(!looks_like_block(b"MM"));
        assert!(!looks_like_block(b"ABCDEFGH"));
    }

    #[test]
    fn ingestion_is_itself_traced() {
        take_thread_events();
        let mut service = IngestionService::new();
        service.ingest(&block_bytes("s", 0, 1)).unwrap();
        let events = take_thread_events();
        let kinds: Vec<&str> = events.events().iter().map(Event::kind).collect();
        assert_eq!(kinds, ["span_begin", "log", "span_end"]);
        assert!(matches!(
            &events.events()[0],
            Event::SpanBegin { name, .. } if name == "micromegas_ingestion::ingest"
        ));
    }
}

//! `micromegas-telemetry-sink`: turns recorded events into encoded
//! [`Block`]s and frames them for transport.
//!
//! On unix and windows, framing uses `micromegas-transit` (a target-specific
//! dependency); other targets use an equivalent portable implementation.

use micromegas_telemetry::{Block, ProcessInfo};
use micromegas_tracing::{EventBuffer, take_thread_events};

#[cfg(any(unix, windows))]
mod framing {
    use micromegas_transit::{Reader, Writer};

    pub fn frame(payload: &[u8]) -> Vec<u8> {
        let mut writer = Writer::new();
        writer.write_bytes(payload);
        writer.into_bytes()
    }

    pub fn next_frame(bytes: &[u8]) -> Option<(&[u8], usize)> {
        let mut reader = Reader::new(bytes);
        let payload = reader.read_bytes().ok()?;
        Some((payload, reader.offset()))
    }
}

#[cfg(any(test, not(any(unix, windows))))]
mod portable {
    pub fn frame(payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).expect("frame too large");
        let mut out = len.to_le_bytes().to_vec();
        out.extend_from_slice(payload);
        out
    }

    pub fn next_frame(bytes: &[u8]) -> Option<(&[u8], usize)> {
        let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let payload = bytes.get(4..4 + len)?;
        Some((payload, 4 + len))
    }
}

#[cfg(not(any(unix, windows)))]
use portable as framing;

/// Name of the platform-specific framing implementation in use.
pub fn platform() -> &'static str {
    if cfg!(unix) {
        "unix"
    } else if cfg!(windows) {
        "windows"
    } else {
        "portable"
    }
}

/// Prefixes `payload` with its `u32` little-endian length.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    framing::frame(payload)
}

/// Splits a byte stream into frames; `None` if the stream is truncated.
pub fn split_frames(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (payload, consumed) = framing::next_frame(bytes)?;
        frames.push(payload);
        bytes = &bytes[consumed..];
    }
    Some(frames)
}

/// Accumulates framed blocks for one stream of one process.
#[derive(Debug)]
pub struct LocalSink {
    process: ProcessInfo,
    stream_id: String,
    next_sequence: u64,
    wire: Vec<u8>,
}

impl LocalSink {
    pub fn new(process: ProcessInfo, stream: &str) -> Self {
        let stream_id = process.stream_id(stream);
        LocalSink {
            process,
            stream_id,
            next_sequence: 0,
            wire: Vec::new(),
        }
    }

    pub fn process(&self) -> &ProcessInfo {
        &self.process
    }

    pub fn stream_id(&self) -> &str {
        &self.stream_id
    }

    /// Encodes `events` as the next block; returns its sequence number.
    pub fn send_events(&mut self, events: &EventBuffer) -> Option<u64> {
        if events.is_empty() {
            return None;
        }
        let sequence = self.next_sequence;
        let block = Block::from_events(&self.stream_id, sequence, events);
        self.wire.extend(frame(&block.encode()));
        self.next_sequence += 1;
        Some(sequence)
    }

    /// Sends (and clears) the events recorded on the current thread.
    pub fn flush_thread_events(&mut self) -> Option<u64> {
        self.send_events(&take_thread_events())
    }

    pub fn blocks_sent(&self) -> u64 {
        self.next_sequence
    }

    /// Everything sent so far, as framed bytes.
    pub fn wire_bytes(&self) -> &[u8] {
        &self.wire
    }

    /// Takes the sent blocks (unframed encoded bytes), leaving the sink empty.
    pub fn drain_blocks(&mut self) -> Vec<Vec<u8>> {
        let wire = std::mem::take(&mut self.wire);
        split_frames(&wire)
            .expect("sink only contains complete frames")
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas_tracing::{info, metric};

    #[test]
    fn platform_framing_matches_portable_framing() {
        for payload in [&b""[..], b"x", b"hello telemetry"] {
            let framed = frame(payload);
            assert_eq!(framed, portable::frame(payload));
            assert_eq!(framing::next_frame(&framed), portable::next_frame(&framed));
        }
        let expected = if cfg!(unix) { "unix" } else { "windows" };
        assert_eq!(platform(), expected);
    }

    #[test]
    fn frames_split_back_and_detect_truncation() {
        let mut wire = frame(b"ab");
        wire.extend(frame(b""));
        wire.extend(frame(b"cde"));
        assert_eq!(split_frames(&wire).unwrap(), [&b"ab"[..], b"", b"cde"]);
        assert_eq!(split_frames(&wire[..wire.len() - 1]), None);
        assert_eq!(split_frames(&[]).unwrap(), Vec::<&[u8]>::new());
    }

    #[test]
    fn sink_numbers_blocks_and_skips_empty_flushes() {
        let mut sink = LocalSink::new(ProcessInfo::new("p1", "app"), "log");
        assert_eq!(sink.stream_id(), "p1/log");
        take_thread_events();
        assert_eq!(sink.flush_thread_events(), None);
        info!("first");
        assert_eq!(sink.flush_thread_events(), Some(0));
        metric("fps", 60.0);
        metric("fps", 59.0);
        assert_eq!(sink.flush_thread_events(), Some(1));
        assert_eq!(sink.blocks_sent(), 2);
        assert_eq!(sink.process().exe, "app");
    }

    #[test]
    fn drained_blocks_decode_to_the_sent_events() {
        let mut sink = LocalSink::new(ProcessInfo::new("p2", "app"), "metrics");
        take_thread_events();
        metric("latency", 1.5);
        let sent = take_thread_events();
        sink.send_events(&sent);
        let blocks = sink.drain_blocks();
        assert_eq!(blocks.len(), 1);
        assert!(sink.wire_bytes().is_empty());
        let block = Block::decode(&blocks[0]).unwrap();
        assert_eq!(block.stream_id, "p2/metrics");
        assert_eq!(block.events().unwrap(), sent);
    }
}

//! `micromegas-perfetto`: converts micromegas events into traces viewable in
//! [Perfetto](https://ui.perfetto.dev): Chrome trace-event JSON, or a small
//! Perfetto-style protobuf (`Trace { repeated TracePacket packet = 1; }`).

use micromegas_tracing::{Event, EventBuffer};
use micromegas_transit::{TransitError, fnv1a64};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Begin,
    End,
    Instant,
    Counter,
}

impl Phase {
    /// Chrome trace-event `ph` code.
    pub fn code(self) -> char {
        match self {
            Phase::Begin => 'B',
            Phase::End => 'E',
            Phase::Instant => 'i',
            Phase::Counter => 'C',
        }
    }

    /// Perfetto `TrackEvent.Type` value.
    pub fn track_event_type(self) -> u64 {
        match self {
            Phase::Begin => 1,
            Phase::End => 2,
            Phase::Instant => 3,
            Phase::Counter => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    pub name: String,
    pub phase: Phase,
    pub ts: u64,
    pub value: Option<f64>,
}

/// A single-process, single-thread trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    process_name: String,
    pid: u32,
    tid: u32,
    events: Vec<TraceEvent>,
}

impl Trace {
    pub fn new(process_name: &str, pid: u32, tid: u32) -> Self {
        Trace {
            process_name: process_name.to_string(),
            pid,
            tid,
            events: Vec::new(),
        }
    }

    pub fn process_name(&self) -> &str {
        &self.process_name
    }

    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// Track uuid derived from the process name (stable across runs).
    pub fn track_uuid(&self) -> u64 {
        fnv1a64(self.process_name.as_bytes())
    }

    fn push(&mut self, name: &str, phase: Phase, ts: u64, value: Option<f64>) -> &mut Self {
        self.events.push(TraceEvent {
            name: name.to_string(),
            phase,
            ts,
            value,
        });
        self
    }

    pub fn begin(&mut self, name: &str, ts: u64) -> &mut Self {
        self.push(name, Phase::Begin, ts, None)
    }

    pub fn end(&mut self, name: &str, ts: u64) -> &mut Self {
        self.push(name, Phase::End, ts, None)
    }

    pub fn add_span(&mut self, name: &str, begin: u64, end: u64) -> &mut Self {
        self.begin(name, begin).end(name, end)
    }

    pub fn add_instant(&mut self, name: &str, ts: u64) -> &mut Self {
        self.push(name, Phase::Instant, ts, None)
    }

    pub fn add_counter(&mut self, name: &str, ts: u64, value: f64) -> &mut Self {
        self.push(name, Phase::Counter, ts, Some(value))
    }

    /// Logs become instants, metrics counters, spans begin/end pairs.
    pub fn from_events(process_name: &str, events: &[Event]) -> Trace {
        let mut trace = Trace::new(process_name, 1, 1);
        for event in events {
            match event {
                Event::Log { tick, message, .. } => trace.add_instant(message, *tick),
                Event::SpanBegin { tick, name, .. } => trace.begin(name, *tick),
                Event::SpanEnd { tick, name, .. } => trace.end(name, *tick),
                Event::Metric { tick, name, value } => trace.add_counter(name, *tick, *value),
            };
        }
        trace
    }

    /// Builds a trace from a transit-encoded [`EventBuffer`].
    pub fn from_encoded_events(process_name: &str, bytes: &[u8]) -> Result<Trace, TransitError> {
        let buffer = EventBuffer::decode(bytes)?;
        Ok(Trace::from_events(process_name, buffer.events()))
    }

    pub fn to_chrome_json(&self) -> String {
        let mut entries = vec![format!(
            r#"{{"name":"process_name","ph":"M","pid":{},"tid":{},"args":{{"name":"{}"}}}}"#,
            self.pid,
            self.tid,
            json_escape(&self.process_name)
        )];
        for event in &self.events {
            let args = match event.value {
                Some(value) => format!(r#","args":{{"value":{value}}}"#),
                None => String::new(),
            };
            entries.push(format!(
                r#"{{"name":"{}","ph":"{}","ts":{},"pid":{},"tid":{}{}}}"#,
                json_escape(&event.name),
                event.phase.code(),
                event.ts,
                self.pid,
                self.tid,
                args
            ));
        }
        format!("{{\"traceEvents\":[{}]}}", entries.join(","))
    }

    /// Encodes one `TracePacket { timestamp = 8; track_event = 11; }` per event.
    pub fn to_protobuf(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for event in &self.events {
            let mut track_event = Vec::new();
            write_varint_field(&mut track_event, 9, event.phase.track_event_type());
            write_varint_field(&mut track_event, 11, self.track_uuid());
            write_bytes_field(&mut track_event, 23, event.name.as_bytes());
            if let Some(value) = event.value {
                write_varint(&mut track_event, (44 << 3) | 1);
                track_event.extend_from_slice(&value.to_le_bytes());
            }
            let mut packet = Vec::new();
            write_varint_field(&mut packet, 8, event.ts);
            write_bytes_field(&mut packet, 11, &track_event);
            write_bytes_field(&mut out, 1, &packet);
        }
        out
    }
}

/// Counts the top-level `packet` fields of an encoded trace.
pub fn count_packets(mut bytes: &[u8]) -> Option<usize> {
    let mut count = 0;
    while !bytes.is_empty() {
        let (key, used) = read_varint(bytes)?;
        if key != (1 << 3) | 2 {
            return None;
        }
        let (len, used_len) = read_varint(&bytes[used..])?;
        let start = used + used_len;
        bytes = bytes.get(start + usize::try_from(len).ok()?..)?;
        count += 1;
    }
    Some(count)
}

pub fn write_varint(buffer: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buffer.push((value as u8) | 0x80);
        value >>= 7;
    }
    buffer.push(value as u8);
}

/// Returns the value and the number of bytes consumed.
pub fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (index, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

fn write_varint_field(buffer: &mut Vec<u8>, field: u64, value: u64) {
    write_varint(buffer, field << 3);
    write_varint(buffer, value);
}

fn write_bytes_field(buffer: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    write_varint(buffer, (field << 3) | 2);
    write_varint(buffer, bytes.len() as u64);
    buffer.extend_from_slice(bytes);
}

pub fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas_tracing::Level;

    #[test]
    fn varints_match_protobuf_encoding() {
        for (value, encoded) in [
            (0u64, vec![0u8]),
            (1, vec![1]),
            (127, vec![0x7f]),
            (128, vec![0x80, 0x01]),
            (300, vec![0xac, 0x02]),
        ] {
            let mut buffer = Vec::new();
            write_varint(&mut buffer, value);
            assert_eq!(buffer, encoded);
            assert_eq!(read_varint(&buffer), Some((value, encoded.len())));
        }
        let mut max = Vec::new();
        write_varint(&mut max, u64::MAX);
        assert_eq!(max.len(), 10);
        assert_eq!(read_varint(&max), Some((u64::MAX, 10)));
        assert_eq!(read_varint(&[0x80, 0x80]), None);
    }

    #[test]
    fn json_escaping() {
        assert_eq!(json_escape(r#"say "hi"\n"#), r#"say \"hi\"\\n"#);
        assert_eq!(json_escape("a\nb\u{1}"), "a\\nb\\u0001");
    }

    #[test]
    fn events_map_to_trace_phases() {
        let events = [
            Event::SpanBegin {
                tick: 1,
                depth: 0,
                name: "frame".into(),
            },
            Event::Log {
                tick: 2,
                level: Level::Info,
                target: "t".into(),
                message: "loaded".into(),
            },
            Event::Metric {
                tick: 3,
                name: "fps".into(),
                value: 60.0,
            },
            Event::SpanEnd {
                tick: 4,
                depth: 0,
                name: "frame".into(),
            },
        ];
        let trace = Trace::from_events("game", &events);
        let phases: String = trace.events().iter().map(|e| e.phase.code()).collect();
        assert_eq!(phases, "BiCE");
        assert_eq!(trace.events()[2].value, Some(60.0));
        let encoded: EventBuffer = events.into_iter().collect();
        assert_eq!(
            Trace::from_encoded_events("game", &encoded.encode()).unwrap(),
            trace
        );
        assert!(Trace::from_encoded_events("game", &[1]).is_err());
    }

    #[test]
    fn chrome_json_output() {
        let mut trace = Trace::new("my \"app\"", 7, 8);
        trace.add_span("work", 10, 20).add_counter("mem", 15, 2.5);
        let json = trace.to_chrome_json();
        assert!(json.starts_with(r#"{"traceEvents":[{"name":"process_name","ph":"M","pid":7"#));
        assert!(json.contains(r#""args":{"name":"my \"app\""}"#));
        assert!(json.contains(r#"{"name":"work","ph":"B","ts":10,"pid":7,"tid":8}"#));
        assert!(
            json.contains(
                r#"{"name":"mem","ph":"C","ts":15,"pid":7,"tid":8,"args":{"value":2.5}}"#
            )
        );
        assert!(json.ends_with("]}"));
    }

    #[test]
    fn protobuf_output_has_one_packet_per_event() {
        let mut trace = Trace::new("proc", 1, 1);
        trace
            .add_span("a", 1, 2)
            .add_instant("b", 3)
            .add_counter("c", 4, 1.0);
        let bytes = trace.to_protobuf();
        assert_eq!(bytes[0], 0x0a, "field 1, wire type 2");
        assert_eq!(count_packets(&bytes), Some(4));
        assert_eq!(count_packets(&bytes[..bytes.len() - 1]), None);
        assert_eq!(trace.track_uuid(), fnv1a64(b"proc"));
    }
}

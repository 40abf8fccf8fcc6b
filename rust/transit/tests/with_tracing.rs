//! Uses the `micromegas-tracing` dev-dependency (dev cycle transit -> tracing -> transit):
//! tracing encodes its events with transit, and we decode them by hand here.

use micromegas_tracing::{Event, EventBuffer, Level, SpanGuard, take_thread_events};
use micromegas_transit::{Reader, TransitError};

#[test]
fn tracing_event_buffers_are_transit_encoded() {
    let mut buffer = EventBuffer::new();
    buffer.push(Event::Log {
        tick: 7,
        level: Level::Warn,
        target: "disk".into(),
        message: "almost full".into(),
    });
    let bytes = buffer.encode();

    let mut reader = Reader::new(&bytes);
    assert_eq!(reader.read::<u32>().unwrap(), 1, "event count");
    assert_eq!(reader.read::<u8>().unwrap(), 1, "log tag");
    assert_eq!(reader.read::<u64>().unwrap(), 7, "tick");
    assert_eq!(reader.read::<u8>().unwrap(), Level::Warn as u8);
    assert_eq!(reader.read_str().unwrap(), "disk");
    assert_eq!(reader.read_str().unwrap(), "almost full");
    reader.finish().unwrap();
}

#[test]
fn recorded_spans_roundtrip_through_transit() {
    take_thread_events();
    {
        let _outer = SpanGuard::new("outer");
        let _inner = SpanGuard::new("inner");
    }
    let events = take_thread_events();
    assert_eq!(events.len(), 4);
    let decoded = EventBuffer::decode(&events.encode()).unwrap();
    assert_eq!(decoded, events);
}

#[test]
fn truncated_tracing_buffer_is_a_transit_error() {
    let mut buffer = EventBuffer::new();
    buffer.push(Event::Metric {
        tick: 1,
        name: "cpu".into(),
        value: 0.5,
    });
    let bytes = buffer.encode();
    assert!(matches!(
        EventBuffer::decode(&bytes[..bytes.len() - 1]),
        Err(TransitError::UnexpectedEof { .. })
    ));
}

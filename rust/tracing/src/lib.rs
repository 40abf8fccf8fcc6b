//! `micromegas-tracing`: records logs, metrics and spans into a per-thread
//! [`EventBuffer`] that is serialized with `micromegas-transit`.
//!
//! ```
//! use micromegas_tracing::{info, span_scope, take_thread_events};
//!
//! {
//!     span_scope!("startup");
//!     info!("loaded {} plugins", 3);
//! }
//! let events = take_thread_events();
//! assert_eq!(events.len(), 3); // begin, log, end
//! ```

// Lets `#[span_fn]` (which expands to `::micromegas_tracing::...`) work here too.
extern crate self as micromegas_tracing;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

use micromegas_transit::{Reader, TransitError, Writer};

pub use micromegas_tracing_proc_macros::span_fn;

/// Severity of a log entry; lower is more severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    pub fn from_u8(value: u8) -> Option<Level> {
        Level::ALL.into_iter().find(|level| *level as u8 == value)
    }
}

/// One recorded telemetry event. `tick` is a process-wide monotonic counter.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Log {
        tick: u64,
        level: Level,
        target: String,
        message: String,
    },
    SpanBegin {
        tick: u64,
        depth: u32,
        name: String,
    },
    SpanEnd {
        tick: u64,
        depth: u32,
        name: String,
    },
    Metric {
        tick: u64,
        name: String,
        value: f64,
    },
}

const TAG_LOG: u8 = 1;
const TAG_SPAN_BEGIN: u8 = 2;
const TAG_SPAN_END: u8 = 3;
const TAG_METRIC: u8 = 4;

impl Event {
    pub fn tick(&self) -> u64 {
        match self {
            Event::Log { tick, .. }
            | Event::SpanBegin { tick, .. }
            | Event::SpanEnd { tick, .. }
            | Event::Metric { tick, .. } => *tick,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Event::Log { .. } => "log",
            Event::SpanBegin { .. } => "span_begin",
            Event::SpanEnd { .. } => "span_end",
            Event::Metric { .. } => "metric",
        }
    }

    pub fn encode_into(&self, writer: &mut Writer) {
        match self {
            Event::Log {
                tick,
                level,
                target,
                message,
            } => {
                writer.write(&TAG_LOG).write(tick).write(&(*level as u8));
                writer.write_str(target).write_str(message);
            }
            Event::SpanBegin { tick, depth, name } | Event::SpanEnd { tick, depth, name } => {
                let tag = if matches!(self, Event::SpanBegin { .. }) {
                    TAG_SPAN_BEGIN
                } else {
                    TAG_SPAN_END
                };
                writer.write(&tag).write(tick).write(depth).write_str(name);
            }
            Event::Metric { tick, name, value } => {
                writer
                    .write(&TAG_METRIC)
                    .write(tick)
                    .write_str(name)
                    .write(value);
            }
        }
    }

    pub fn decode_from(reader: &mut Reader<'_>) -> Result<Event, TransitError> {
        let tag = reader.read::<u8>()?;
        let tick = reader.read::<u64>()?;
        Ok(match tag {
            TAG_LOG => {
                let raw_level = reader.read::<u8>()?;
                let level = Level::from_u8(raw_level).ok_or(TransitError::InvalidTag {
                    type_name: "Level",
                    tag: raw_level,
                })?;
                Event::Log {
                    tick,
                    level,
                    target: reader.read_str()?.to_string(),
                    message: reader.read_str()?.to_string(),
                }
            }
            TAG_SPAN_BEGIN | TAG_SPAN_END => {
                let depth = reader.read::<u32>()?;
                let name = reader.read_str()?.to_string();
                if tag == TAG_SPAN_BEGIN {
                    Event::SpanBegin { tick, depth, name }
                } else {
                    Event::SpanEnd { tick, depth, name }
                }
            }
            TAG_METRIC => Event::Metric {
                tick,
                name: reader.read_str()?.to_string(),
                value: reader.read::<f64>()?,
            },
            tag => {
                return Err(TransitError::InvalidTag {
                    type_name: "Event",
                    tag,
                });
            }
        })
    }
}

/// An ordered, in-memory list of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventBuffer {
    events: Vec<Event>,
}

impl EventBuffer {
    pub const fn new() -> Self {
        Self { events: Vec::new() }
    }

    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }

    /// Smallest and largest tick in the buffer.
    pub fn tick_range(&self) -> Option<(u64, u64)> {
        let ticks = self.events.iter().map(Event::tick);
        Some((ticks.clone().min()?, ticks.max()?))
    }

    /// Serializes as `u32` event count followed by the events.
    pub fn encode(&self) -> Vec<u8> {
        let mut writer = Writer::new();
        let count = u32::try_from(self.events.len()).expect("too many events in one buffer");
        writer.write(&count);
        for event in &self.events {
            event.encode_into(&mut writer);
        }
        writer.into_bytes()
    }

    pub fn decode(bytes: &[u8]) -> Result<EventBuffer, TransitError> {
        let mut reader = Reader::new(bytes);
        let count = reader.read::<u32>()?;
        let events = (0..count)
            .map(|_| Event::decode_from(&mut reader))
            .collect::<Result<Vec<_>, _>>()?;
        reader.finish()?;
        Ok(EventBuffer { events })
    }
}

impl FromIterator<Event> for EventBuffer {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> Self {
        EventBuffer {
            events: iter.into_iter().collect(),
        }
    }
}

static TICKS: AtomicU64 = AtomicU64::new(1);

/// Process-wide monotonic tick used to timestamp events.
pub fn next_tick() -> u64 {
    TICKS.fetch_add(1, Ordering::Relaxed)
}

thread_local! {
    static THREAD_EVENTS: RefCell<EventBuffer> = const { RefCell::new(EventBuffer::new()) };
    static SPAN_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Appends an event to the current thread's buffer.
pub fn record(event: Event) {
    THREAD_EVENTS.with_borrow_mut(|buffer| buffer.push(event));
}

pub fn log(level: Level, target: &str, message: &str) {
    record(Event::Log {
        tick: next_tick(),
        level,
        target: target.to_string(),
        message: message.to_string(),
    });
}

pub fn metric(name: &str, value: f64) {
    record(Event::Metric {
        tick: next_tick(),
        name: name.to_string(),
        value,
    });
}

/// Number of events waiting in the current thread's buffer.
pub fn thread_event_count() -> usize {
    THREAD_EVENTS.with_borrow(EventBuffer::len)
}

/// Takes (and clears) the current thread's buffer.
pub fn take_thread_events() -> EventBuffer {
    THREAD_EVENTS.with_borrow_mut(std::mem::take)
}

/// Records `SpanBegin` on creation and `SpanEnd` on drop.
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped"]
pub struct SpanGuard {
    name: &'static str,
    depth: u32,
}

impl SpanGuard {
    pub fn new(name: &'static str) -> Self {
        let depth = SPAN_DEPTH.get();
        SPAN_DEPTH.set(depth + 1);
        record(Event::SpanBegin {
            tick: next_tick(),
            depth,
            name: name.to_string(),
        });
        SpanGuard { name, depth }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        SPAN_DEPTH.set(self.depth);
        record(Event::SpanEnd {
            tick: next_tick(),
            depth: self.depth,
            name: self.name.to_string(),
        });
    }
}

/// Records a span until the end of the enclosing block.
#[macro_export]
macro_rules! span_scope {
    ($name:expr) => {
        let _micromegas_span_scope = $crate::SpanGuard::new($name);
    };
}

#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log($crate::Level::Error, ::core::module_path!(), &::std::format!($($arg)+)) };
}

#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log($crate::Level::Warn, ::core::module_path!(), &::std::format!($($arg)+)) };
}

#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log($crate::Level::Info, ::core::module_path!(), &::std::format!($($arg)+)) };
}

#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log($crate::Level::Debug, ::core::module_path!(), &::std::format!($($arg)+)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_roundtrip_and_order() {
        for level in Level::ALL {
            assert_eq!(Level::from_u8(level as u8), Some(level));
        }
        assert_eq!(Level::from_u8(0), None);
        assert!(Level::Error < Level::Debug);
        assert_eq!(Level::Warn.as_str(), "WARN");
    }

    #[test]
    fn ticks_are_monotonic() {
        let a = next_tick();
        let b = next_tick();
        assert!(b > a);
    }

    #[test]
    fn macros_record_logs_with_module_target() {
        take_thread_events();
        info!("hello {}", 42);
        error!("bad");
        let events = take_thread_events();
        assert_eq!(events.len(), 2);
        match &events.events()[0] {
            Event::Log {
                level,
                target,
                message,
                ..
            } => {
                assert_eq!(*level, Level::Info);
                assert_eq!(target, "micromegas_tracing::tests");
                assert_eq!(message, "hello 42");
            }
            other => panic!("unexpected event {other:?}"),
        }
        assert_eq!(thread_event_count(), 0);
    }

    #[test]
    fn span_guards_nest_and_restore_depth() {
        take_thread_events();
        {
            let outer = SpanGuard::new("outer");
            assert_eq!(outer.depth(), 0);
            {
                span_scope!("inner");
                metric("queue", 3.0);
            }
            let sibling = SpanGuard::new("sibling");
            assert_eq!(sibling.depth(), 1);
        }
        let kinds: Vec<(&str, u32)> = take_thread_events()
            .events()
            .iter()
            .filter_map(|e| match e {
                Event::SpanBegin { depth, .. } => Some(("begin", *depth)),
                Event::SpanEnd { depth, .. } => Some(("end", *depth)),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("begin", 0),
                ("begin", 1),
                ("end", 1),
                ("begin", 1),
                ("end", 1),
                ("end", 0)
            ]
        );
    }

    #[span_fn]
    fn traced_square(x: u64) -> u64 {
        if x == 0 {
            return 0;
        }
        x * x
    }

    #[span_fn("custom.name")]
    fn traced_custom() -> &'static str {
        "done"
    }

    #[test]
    fn span_fn_wraps_the_function_body() {
        take_thread_events();
        assert_eq!(traced_square(7), 49);
        assert_eq!(traced_square(0), 0);
        assert_eq!(traced_custom(), "done");
        let names: Vec<String> = take_thread_events()
            .into_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::SpanBegin { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                "micromegas_tracing::tests::traced_square",
                "micromegas_tracing::tests::traced_square",
                "custom.name"
            ]
        );
    }

    #[test]
    fn buffers_roundtrip_and_report_tick_range() {
        let buffer: EventBuffer = [
            Event::Metric {
                tick: 10,
                name: "mem".into(),
                value: 1.25,
            },
            Event::SpanEnd {
                tick: 3,
                depth: 2,
                name: "s".into(),
            },
        ]
        .into_iter()
        .collect();
        assert_eq!(buffer.tick_range(), Some((3, 10)));
        assert_eq!(EventBuffer::new().tick_range(), None);
        assert_eq!(EventBuffer::decode(&buffer.encode()).unwrap(), buffer);
    }

    #[test]
    fn decode_rejects_unknown_tags_and_trailing_bytes() {
        let mut writer = Writer::new();
        writer.write(&1u32).write(&99u8).write(&5u64);
        assert_eq!(
            EventBuffer::decode(writer.as_bytes()),
            Err(TransitError::InvalidTag {
                type_name: "Event",
                tag: 99
            })
        );
        let mut bytes = EventBuffer::new().encode();
        bytes.push(0);
        assert_eq!(
            EventBuffer::decode(&bytes),
            Err(TransitError::TrailingBytes(1))
        );
    }
}

//! `micromegas`: umbrella crate re-exporting the micromegas libraries.
//!
//! ```
//! use micromegas::tracing::{info, take_thread_events};
//!
//! info!("hello from the umbrella crate");
//! assert_eq!(take_thread_events().len(), 1);
//! assert_eq!(micromegas::fnv1a!("a"), micromegas::transit::fnv1a64(b"a"));
//! ```

// `#[micromegas_main]` expands to `::micromegas::...`; make that path work here too.
extern crate self as micromegas;

pub use micromegas_analytics as analytics;
pub use micromegas_ingestion as ingestion;
pub use micromegas_perfetto as perfetto;
pub use micromegas_proc_macros::{fnv1a, micromegas_main};
pub use micromegas_telemetry as telemetry;
pub use micromegas_telemetry_sink as telemetry_sink;
pub use micromegas_tracing as tracing;
/// `micromegas-transit`, depended upon under the renamed key `transit_renamed`.
pub use transit_renamed as transit;

use ingestion::{BlockKey, IngestionError, IngestionService};
use telemetry::ProcessInfo;
use telemetry_sink::LocalSink;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Created by `#[micromegas_main]`: flushes the main thread's events when dropped.
#[derive(Debug)]
pub struct TelemetryGuard {
    app: &'static str,
    sink: LocalSink,
}

impl TelemetryGuard {
    pub fn app(&self) -> &'static str {
        self.app
    }

    pub fn flush(&mut self) -> Option<u64> {
        self.sink.flush_thread_events()
    }

    pub fn sink(&self) -> &LocalSink {
        &self.sink
    }

    pub fn sink_mut(&mut self) -> &mut LocalSink {
        &mut self.sink
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.flush();
        eprintln!(
            "[micromegas {VERSION}] {}: {} telemetry block(s), {} bytes",
            self.app,
            self.sink.blocks_sent(),
            self.sink.wire_bytes().len()
        );
    }
}

pub fn telemetry_guard(app: &'static str) -> TelemetryGuard {
    let process = ProcessInfo::new(&format!("{app}-{}", std::process::id()), app);
    tracing::info!("starting {app}");
    TelemetryGuard {
        app,
        sink: LocalSink::new(process, "main"),
    }
}

/// Ingests every framed block of a sink's wire bytes; returns the keys.
pub fn ingest_wire_bytes(
    service: &mut IngestionService,
    wire: &[u8],
) -> Result<Vec<BlockKey>, IngestionError> {
    let frames = telemetry_sink::split_frames(wire).ok_or(IngestionError::NotABlock)?;
    frames
        .into_iter()
        .map(|frame| service.ingest(frame))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracing::{Event, take_thread_events};

    #[test]
    fn compile_time_hash_matches_transit() {
        const ID: u64 = fnv1a!("micromegas");
        assert_eq!(ID, transit::fnv1a64(b"micromegas"));
        assert_eq!(fnv1a!(""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn guard_flushes_main_thread_events() {
        take_thread_events();
        let mut guard = telemetry_guard("unit-test");
        assert_eq!(guard.app(), "unit-test");
        tracing::metric("answer", 42.0);
        assert_eq!(guard.flush(), Some(0));
        assert_eq!(guard.flush(), None);
        let wire = guard.sink().wire_bytes().to_vec();
        let mut service = IngestionService::new();
        let keys = ingest_wire_bytes(&mut service, &wire).unwrap();
        assert_eq!(keys.len(), 1);
        let events = analytics::stream_events(&service, &keys[0].0).unwrap();
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[1], Event::Metric { name, .. } if name == "answer"));
    }

    #[micromegas_main]
    fn main() -> usize {
        tracing::info!("inside wrapped main");
        tracing::thread_event_count()
    }

    #[test]
    fn micromegas_main_wraps_the_body() {
        take_thread_events();
        // Inside the body: the guard's "starting micromegas" log + the body's log.
        assert_eq!(main(), 2);
        // The guard flushed both into its sink when it was dropped.
        assert_eq!(tracing::thread_event_count(), 0);
    }

    #[test]
    fn truncated_wire_bytes_are_rejected() {
        let mut service = IngestionService::new();
        assert_eq!(
            ingest_wire_bytes(&mut service, &[5, 0, 0, 0, 1]),
            Err(IngestionError::NotABlock)
        );
        assert_eq!(ingest_wire_bytes(&mut service, &[]), Ok(vec![]));
    }

    #[test]
    fn reexports_are_wired() {
        assert_eq!(VERSION, "0.12.0");
        assert_eq!(analytics::SCHEMA_DESCRIPTORS.len(), 6);
        assert_eq!(
            telemetry_sink::platform(),
            if cfg!(unix) { "unix" } else { "windows" }
        );
        let mut trace = perfetto::Trace::new("p", 1, 1);
        trace.add_instant("x", 1);
        assert_eq!(perfetto::count_packets(&trace.to_protobuf()), Some(1));
    }
}

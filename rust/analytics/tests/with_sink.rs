//! End-to-end through the `micromegas-telemetry-sink` dev-dependency:
//! record -> sink -> ingestion -> analytics.

use micromegas_analytics::{
    aggregate_spans, count_logs_by_level, stream_events, stream_to_perfetto,
};
use micromegas_ingestion::IngestionService;
use micromegas_telemetry::ProcessInfo;
use micromegas_telemetry_sink::LocalSink;
use micromegas_tracing::{Level, SpanGuard, info, take_thread_events, warn};

#[test]
fn sink_output_is_queryable() {
    take_thread_events();
    let mut sink = LocalSink::new(ProcessInfo::new("proc-42", "game"), "main");
    for frame in 0..3 {
        let span = SpanGuard::new("frame");
        info!("frame {frame}");
        if frame == 2 {
            warn!("slow frame");
        }
        drop(span);
        sink.flush_thread_events();
    }

    let mut service = IngestionService::new();
    for block in sink.drain_blocks() {
        service.ingest(&block).unwrap();
    }
    assert_eq!(service.stats().blocks, 3);

    let events = stream_events(&service, "proc-42/main").unwrap();
    let spans = aggregate_spans(&events);
    assert_eq!(spans["frame"].count, 3);
    let logs = count_logs_by_level(&events);
    assert_eq!(logs[&Level::Info], 3);
    assert_eq!(logs[&Level::Warn], 1);

    let trace = stream_to_perfetto(&service, "proc-42/main").unwrap();
    assert!(
        trace
            .to_chrome_json()
            .contains(r#""name":"frame 1","ph":"i""#)
    );
}

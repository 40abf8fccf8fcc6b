//! `micromegas-analytics`: queries over blocks held by the ingestion service.

use std::collections::BTreeMap;

use micromegas_ingestion::IngestionService;
use micromegas_perfetto::Trace;
use micromegas_telemetry::TelemetryError;
use micromegas_tracing::{Event, Level};

mod schema;

pub use schema::SCHEMA_DESCRIPTORS;

include!(concat!(env!("OUT_DIR"), "/schema_fingerprint.rs"));

/// Whether `fingerprint` was produced by the same schema as this build.
pub fn schema_matches(fingerprint: u64) -> bool {
    fingerprint == SCHEMA_FINGERPRINT
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanStats {
    pub count: u64,
    pub total_ticks: u64,
    pub min_ticks: u64,
    pub max_ticks: u64,
}

impl SpanStats {
    pub fn mean_ticks(&self) -> f64 {
        self.total_ticks as f64 / self.count as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Pairs span begin/end events (per nesting) into `(name, duration)` in end order.
pub fn span_durations(events: &[Event]) -> Vec<(String, u64)> {
    let mut open: Vec<(&str, u64)> = Vec::new();
    let mut closed = Vec::new();
    for event in events {
        match event {
            Event::SpanBegin { tick, name, .. } => open.push((name, *tick)),
            Event::SpanEnd { tick, name, .. } => {
                if let Some(position) = open.iter().rposition(|(n, _)| n == name) {
                    let (_, begin) = open.remove(position);
                    closed.push((name.clone(), tick.saturating_sub(begin)));
                }
            }
            _ => {}
        }
    }
    closed
}

pub fn aggregate_spans(events: &[Event]) -> BTreeMap<String, SpanStats> {
    let mut stats: BTreeMap<String, SpanStats> = BTreeMap::new();
    for (name, duration) in span_durations(events) {
        stats
            .entry(name)
            .and_modify(|s| {
                s.count += 1;
                s.total_ticks += duration;
                s.min_ticks = s.min_ticks.min(duration);
                s.max_ticks = s.max_ticks.max(duration);
            })
            .or_insert(SpanStats {
                count: 1,
                total_ticks: duration,
                min_ticks: duration,
                max_ticks: duration,
            });
    }
    stats
}

pub fn count_logs_by_level(events: &[Event]) -> BTreeMap<Level, usize> {
    let mut counts = BTreeMap::new();
    for event in events {
        if let Event::Log { level, .. } = event {
            *counts.entry(*level).or_insert(0) += 1;
        }
    }
    counts
}

pub fn summarize_metric(events: &[Event], metric: &str) -> Option<MetricSummary> {
    let values: Vec<f64> = events
        .iter()
        .filter_map(|event| match event {
            Event::Metric { name, value, .. } if name == metric => Some(*value),
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(MetricSummary {
        count: values.len(),
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: values.iter().sum::<f64>() / values.len() as f64,
    })
}

/// All events of a stream, in block sequence order.
pub fn stream_events(
    service: &IngestionService,
    stream_id: &str,
) -> Result<Vec<Event>, TelemetryError> {
    let mut events = Vec::new();
    for block in service.blocks_for_stream(stream_id) {
        events.extend(block.events()?.into_events());
    }
    Ok(events)
}

/// Exports a stream as a Perfetto trace named after the stream.
pub fn stream_to_perfetto(
    service: &IngestionService,
    stream_id: &str,
) -> Result<Trace, TelemetryError> {
    Ok(Trace::from_events(
        stream_id,
        &stream_events(service, stream_id)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas_telemetry::Block;
    use micromegas_tracing::EventBuffer;
    use micromegas_transit::schema_fingerprint;

    fn span(begin: bool, tick: u64, name: &str) -> Event {
        let name = name.to_string();
        if begin {
            Event::SpanBegin {
                tick,
                depth: 0,
                name,
            }
        } else {
            Event::SpanEnd {
                tick,
                depth: 0,
                name,
            }
        }
    }

    #[test]
    fn build_script_fingerprint_matches_runtime_computation() {
        assert_eq!(SCHEMA_FINGERPRINT, schema_fingerprint(&SCHEMA_DESCRIPTORS));
        assert_eq!(SCHEMA_TEXT, "u32:4;u16:2;u64:8;u64:8;u64:8;u32:4;");
        assert!(schema_matches(SCHEMA_FINGERPRINT));
        assert!(!schema_matches(SCHEMA_FINGERPRINT ^ 1));
    }

    #[test]
    fn spans_are_paired_including_nesting() {
        let events = [
            span(true, 0, "frame"),
            span(true, 2, "render"),
            span(false, 7, "render"),
            span(false, 10, "frame"),
            span(true, 10, "frame"),
            span(false, 14, "frame"),
            span(false, 20, "orphan"),
        ];
        assert_eq!(
            span_durations(&events),
            [
                ("render".to_string(), 5),
                ("frame".to_string(), 10),
                ("frame".to_string(), 4)
            ]
        );
        let stats = aggregate_spans(&events);
        assert_eq!(
            stats["frame"],
            SpanStats {
                count: 2,
                total_ticks: 14,
                min_ticks: 4,
                max_ticks: 10
            }
        );
        assert_eq!(stats["frame"].mean_ticks(), 7.0);
        assert!(!stats.contains_key("orphan"));
    }

    #[test]
    fn logs_and_metrics_are_summarized() {
        let mut events = vec![];
        for (tick, level) in [(1, Level::Info), (2, Level::Warn), (3, Level::Info)] {
            events.push(Event::Log {
                tick,
                level,
                target: "t".into(),
                message: "m".into(),
            });
        }
        for (tick, value) in [(4, 2.0), (5, 6.0), (6, 1.0)] {
            events.push(Event::Metric {
                tick,
                name: "queue".into(),
                value,
            });
        }
        let counts = count_logs_by_level(&events);
        assert_eq!(counts[&Level::Info], 2);
        assert_eq!(counts[&Level::Warn], 1);
        assert_eq!(
            summarize_metric(&events, "queue"),
            Some(MetricSummary {
                count: 3,
                min: 1.0,
                max: 6.0,
                mean: 3.0
            })
        );
        assert_eq!(summarize_metric(&events, "missing"), None);
    }

    #[test]
    fn queries_read_ingested_blocks_in_order() {
        let mut service = IngestionService::new();
        for sequence in [1u64, 0] {
            let buffer: EventBuffer = [
                span(true, sequence * 10, "tick"),
                span(false, sequence * 10 + 3, "tick"),
            ]
            .into_iter()
            .collect();
            service
                .ingest(&Block::from_events("s", sequence, &buffer).encode())
                .unwrap();
        }
        let events = stream_events(&service, "s").unwrap();
        let ticks: Vec<u64> = events.iter().map(Event::tick).collect();
        assert_eq!(ticks, [0, 3, 10, 13]);
        let trace = stream_to_perfetto(&service, "s").unwrap();
        assert_eq!(trace.events().len(), 4);
        assert_eq!(trace.process_name(), "s");
        assert!(stream_events(&service, "unknown").unwrap().is_empty());
    }
}

//! Demo FlightSQL server: parses its configuration and answers a tiny SQL
//! dialect over an in-process ingestion service (no networking).

use micromegas::analytics::{aggregate_spans, stream_events};
use micromegas::ingestion::IngestionService;
use micromegas::telemetry::ProcessInfo;
use micromegas::telemetry_sink::LocalSink;
use micromegas::tracing::{EventBuffer, SpanGuard, info, take_thread_events};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    port: u16,
    max_rows: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 50051,
            max_rows: 100,
        }
    }
}

fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Config, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("missing value for {flag}"))?;
        match flag.as_str() {
            "--port" => {
                config.port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?
            }
            "--max-rows" => {
                config.max_rows = value
                    .parse()
                    .map_err(|_| format!("invalid row limit: {value}"))?
            }
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    Ok(config)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    ShowStreams,
    CountEvents(String),
    SpanStats(String),
}

/// `SHOW STREAMS` | `SELECT COUNT(*) FROM <stream>` | `SELECT SPANS FROM <stream>`.
fn parse_query(sql: &str) -> Result<Query, String> {
    let words: Vec<&str> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
    match upper.as_slice() {
        ["SHOW", "STREAMS"] => Ok(Query::ShowStreams),
        ["SELECT", "COUNT(*)", "FROM", _] => Ok(Query::CountEvents(words[3].to_string())),
        ["SELECT", "SPANS", "FROM", _] => Ok(Query::SpanStats(words[3].to_string())),
        _ => Err(format!("unsupported query: {sql}")),
    }
}

fn execute(
    query: &Query,
    service: &IngestionService,
    max_rows: usize,
) -> Result<Vec<String>, String> {
    let rows = match query {
        Query::ShowStreams => service.streams().into_iter().map(str::to_string).collect(),
        Query::CountEvents(stream) => {
            let events = stream_events(service, stream).map_err(|e| e.to_string())?;
            vec![events.len().to_string()]
        }
        Query::SpanStats(stream) => {
            let events = stream_events(service, stream).map_err(|e| e.to_string())?;
            aggregate_spans(&events)
                .into_iter()
                .map(|(name, stats)| format!("{name}\t{}\t{}", stats.count, stats.total_ticks))
                .collect()
        }
    };
    Ok(rows.into_iter().take(max_rows).collect::<Vec<String>>())
}

/// Fills a service with a couple of blocks recorded on this thread.
fn demo_service() -> IngestionService {
    let mut sink = LocalSink::new(ProcessInfo::new("demo", "flight-sql-srv"), "main");
    let pending: EventBuffer = take_thread_events();
    for request in 0..2 {
        let _span = SpanGuard::new("request");
        info!("request {request}");
    }
    sink.flush_thread_events();
    let mut service = IngestionService::new();
    for block in sink.drain_blocks() {
        service.ingest(&block).expect("demo blocks are valid");
    }
    // Restore whatever was recorded before the demo (e.g. the startup log).
    for event in pending.into_events() {
        micromegas::tracing::record(event);
    }
    service
}

#[micromegas::micromegas_main]
fn main() {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("flight-sql-srv: {error}");
            std::process::exit(2);
        }
    };
    println!(
        "flight-sql-srv {} (micromegas {}) would listen on port {} (max {} rows)",
        env!("CARGO_PKG_VERSION"),
        micromegas::VERSION,
        config.port,
        config.max_rows
    );
    let service = demo_service();
    for sql in ["SHOW STREAMS", "SELECT SPANS FROM demo/main"] {
        let rows = parse_query(sql).and_then(|q| execute(&q, &service, config.max_rows));
        println!("{sql} -> {rows:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags_with_defaults() {
        assert_eq!(parse_args(args(&[])).unwrap(), Config::default());
        let config = parse_args(args(&["--port", "9000", "--max-rows", "5"])).unwrap();
        assert_eq!(
            config,
            Config {
                port: 9000,
                max_rows: 5
            }
        );
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(
            parse_args(args(&["--port"])).unwrap_err(),
            "missing value for --port"
        );
        assert_eq!(
            parse_args(args(&["--port", "99999"])).unwrap_err(),
            "invalid port: 99999"
        );
        assert_eq!(
            parse_args(args(&["--verbose", "1"])).unwrap_err(),
            "unknown flag: --verbose"
        );
    }

    #[test]
    fn parses_the_sql_dialect() {
        assert_eq!(parse_query("show streams;"), Ok(Query::ShowStreams));
        assert_eq!(
            parse_query("select count(*) from p/Main"),
            Ok(Query::CountEvents("p/Main".into()))
        );
        assert_eq!(
            parse_query("SELECT spans FROM s"),
            Ok(Query::SpanStats("s".into()))
        );
        assert!(parse_query("DROP TABLE x").is_err());
    }

    #[test]
    fn executes_queries_against_ingested_data() {
        let service = demo_service();
        assert_eq!(
            execute(&Query::ShowStreams, &service, 10).unwrap(),
            ["demo/main"]
        );
        assert_eq!(
            execute(&Query::CountEvents("demo/main".into()), &service, 10).unwrap(),
            ["6"]
        );
        let spans = execute(&Query::SpanStats("demo/main".into()), &service, 10).unwrap();
        assert_eq!(spans.len(), 1);
        assert!(spans[0].starts_with("request\t2\t"));
        assert!(
            execute(&Query::ShowStreams, &service, 0)
                .unwrap()
                .is_empty()
        );
    }
}

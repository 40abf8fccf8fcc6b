//! Demo telemetry ingestion server: routes HTTP-like requests to an
//! in-process ingestion service (no networking).

use std::net::SocketAddr;

use micromegas::ingestion::{IngestionError, IngestionService};
use micromegas::tracing::info;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    listen: SocketAddr,
}

fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Config, String> {
    let mut listen: SocketAddr = "127.0.0.1:9000".parse().expect("valid default");
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--listen" => {
                let value = args.next().ok_or("missing value for --listen")?;
                listen = value
                    .parse()
                    .map_err(|_| format!("invalid address: {value}"))?;
            }
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    Ok(Config { listen })
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Response {
    status: u16,
    body: String,
}

impl Response {
    fn new(status: u16, body: impl Into<String>) -> Self {
        Response {
            status,
            body: body.into(),
        }
    }
}

fn handle(service: &mut IngestionService, method: &str, path: &str, body: &[u8]) -> Response {
    match (method, path) {
        ("POST", "/ingestion/insert_block") => match service.ingest(body) {
            Ok((stream, sequence)) => Response::new(200, format!("{stream}#{sequence}")),
            Err(error @ IngestionError::Duplicate(_)) => Response::new(409, error.to_string()),
            Err(error) => Response::new(400, error.to_string()),
        },
        ("GET", "/ingestion/stats") => {
            let stats = service.stats();
            Response::new(
                200,
                format!(
                    "blocks={} events={} bytes={} rejected={}",
                    stats.blocks, stats.events, stats.bytes, stats.rejected
                ),
            )
        }
        (_, "/ingestion/insert_block" | "/ingestion/stats") => {
            Response::new(405, "method not allowed")
        }
        _ => Response::new(404, "not found"),
    }
}

#[micromegas::micromegas_main]
fn main() {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("telemetry-ingestion-srv: {error}");
            std::process::exit(2);
        }
    };
    info!("configured to listen on {}", config.listen);
    println!("telemetry-ingestion-srv would listen on {}", config.listen);
    let mut service = IngestionService::new();
    let response = handle(&mut service, "GET", "/ingestion/stats", &[]);
    println!(
        "GET /ingestion/stats -> {} {}",
        response.status, response.body
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromegas::telemetry::ProcessInfo;
    use micromegas::telemetry_sink::LocalSink;
    use micromegas::tracing::{Event, EventBuffer};

    fn block() -> Vec<u8> {
        let mut sink = LocalSink::new(ProcessInfo::new("p", "exe"), "log");
        let events: EventBuffer = [Event::Metric {
            tick: 1,
            name: "m".into(),
            value: 1.0,
        }]
        .into_iter()
        .collect();
        sink.send_events(&events);
        sink.drain_blocks().remove(0)
    }

    #[test]
    fn parses_listen_address() {
        let config = parse_args(["--listen".to_string(), "0.0.0.0:8081".to_string()]).unwrap();
        assert_eq!(config.listen.port(), 8081);
        assert_eq!(parse_args(Vec::new()).unwrap().listen.port(), 9000);
        assert!(parse_args(["--listen".to_string(), "nope".to_string()]).is_err());
        assert!(parse_args(["--listen".to_string()]).is_err());
    }

    #[test]
    fn insert_block_then_stats() {
        let mut service = IngestionService::new();
        let bytes = block();
        assert_eq!(
            handle(&mut service, "POST", "/ingestion/insert_block", &bytes),
            Response::new(200, "p/log#0")
        );
        assert_eq!(
            handle(&mut service, "POST", "/ingestion/insert_block", &bytes).status,
            409
        );
        assert_eq!(
            handle(&mut service, "POST", "/ingestion/insert_block", b"junk").status,
            400
        );
        let stats = handle(&mut service, "GET", "/ingestion/stats", &[]);
        assert_eq!(stats.status, 200);
        assert!(stats.body.starts_with("blocks=1 events=1 bytes="));
        assert!(stats.body.ends_with("rejected=2"));
    }

    #[test]
    fn routing_errors() {
        let mut service = IngestionService::new();
        assert_eq!(
            handle(&mut service, "GET", "/ingestion/insert_block", &[]).status,
            405
        );
        assert_eq!(handle(&mut service, "GET", "/", &[]).status, 404);
    }
}

//! Demo HTTP gateway: validates requests and prepares them for forwarding
//! to the FlightSQL server (no networking).

use micromegas::tracing::{info, span_scope};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    port: u16,
    upstream: String,
}

fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Config, String> {
    let mut config = Config {
        port: 3000,
        upstream: "http://127.0.0.1:50051".to_string(),
    };
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
            "--upstream" => {
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    return Err(format!("upstream must be an http(s) url: {value}"));
                }
                config.upstream = value.trim_end_matches('/').to_string();
            }
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    Ok(config)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Health,
    Query,
}

fn route(method: &str, path: &str) -> Option<Route> {
    match (method, path.split('?').next().unwrap_or(path)) {
        ("GET", "/health") => Some(Route::Health),
        ("POST", "/gateway/query") => Some(Route::Query),
        _ => None,
    }
}

const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "transfer-encoding",
    "upgrade",
];

/// Drops hop-by-hop headers (case-insensitively) before forwarding.
fn forwardable_headers(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect()
}

/// Validates a query body: non-empty, a single statement.
fn validate_sql(body: &str) -> Result<String, String> {
    let sql = body.trim().trim_end_matches(';').trim();
    if sql.is_empty() {
        return Err("empty query".to_string());
    }
    if sql.contains(';') {
        return Err("only one statement per request".to_string());
    }
    Ok(sql.to_string())
}

fn upstream_url(config: &Config, path: &str) -> String {
    format!("{}/{}", config.upstream, path.trim_start_matches('/'))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Forward {
    url: String,
    headers: Vec<(String, String)>,
    sql: String,
}

/// Turns an incoming request into what would be sent upstream, or an error status.
fn prepare(
    config: &Config,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Option<Forward>, (u16, String)> {
    match route(method, path) {
        None => Err((404, format!("no route for {method} {path}"))),
        Some(Route::Health) => Ok(None),
        Some(Route::Query) => {
            let sql = validate_sql(body).map_err(|error| (400, error))?;
            Ok(Some(Forward {
                url: upstream_url(config, "/query"),
                headers: forwardable_headers(headers),
                sql,
            }))
        }
    }
}

#[micromegas::micromegas_main]
fn main() {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("http-gateway: {error}");
            std::process::exit(2);
        }
    };
    span_scope!("http-gateway::startup");
    info!("forwarding to {}", config.upstream);
    println!("http-gateway would listen on port {}", config.port);
    let demo = prepare(
        &config,
        "POST",
        "/gateway/query",
        &[("Connection", "close"), ("Content-Type", "text/plain")],
        "SHOW STREAMS;",
    );
    println!("demo request -> {demo:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_config() {
        let config = parse_args(args(&["--upstream", "https://srv:443/", "--port", "80"])).unwrap();
        assert_eq!(config.port, 80);
        assert_eq!(config.upstream, "https://srv:443");
        assert_eq!(upstream_url(&config, "/query"), "https://srv:443/query");
        assert!(parse_args(args(&["--upstream", "ftp://x"])).is_err());
        assert!(parse_args(args(&["--port", "x"])).is_err());
    }

    #[test]
    fn routes_requests() {
        assert_eq!(route("GET", "/health"), Some(Route::Health));
        assert_eq!(
            route("POST", "/gateway/query?format=json"),
            Some(Route::Query)
        );
        assert_eq!(route("GET", "/gateway/query"), None);
        assert_eq!(route("GET", "/admin"), None);
    }

    #[test]
    fn strips_hop_by_hop_headers() {
        let headers = [
            ("Content-Type", "text/plain"),
            ("Connection", "keep-alive"),
            ("Transfer-Encoding", "chunked"),
            ("Authorization", "Bearer t"),
        ];
        assert_eq!(
            forwardable_headers(&headers),
            [
                ("content-type".to_string(), "text/plain".to_string()),
                ("authorization".to_string(), "Bearer t".to_string())
            ]
        );
    }

    #[test]
    fn prepares_forwarded_requests() {
        let config = parse_args(Vec::new()).unwrap();
        let forward = prepare(
            &config,
            "POST",
            "/gateway/query",
            &[("TE", "trailers")],
            "SHOW STREAMS",
        )
        .unwrap()
        .unwrap();
        assert_eq!(forward.url, "http://127.0.0.1:50051/query");
        assert!(forward.headers.is_empty());
        assert_eq!(forward.sql, "SHOW STREAMS");
        assert_eq!(prepare(&config, "GET", "/health", &[], ""), Ok(None));
        assert_eq!(
            prepare(&config, "POST", "/gateway/query", &[], " ")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(prepare(&config, "PUT", "/x", &[], "").unwrap_err().0, 404);
    }

    #[test]
    fn validates_sql_bodies() {
        assert_eq!(validate_sql("  SELECT 1; ").unwrap(), "SELECT 1");
        assert_eq!(validate_sql(" ; ").unwrap_err(), "empty query");
        assert!(validate_sql("SELECT 1; DROP TABLE t").is_err());
    }
}

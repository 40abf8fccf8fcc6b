//! Writes a small demo trace with `micromegas-perfetto`.
//!
//! `write-perfetto [OUTPUT]`: `*.json` gets Chrome trace-event JSON, any other
//! path the protobuf encoding; without an argument a summary is printed.

use std::path::{Path, PathBuf};

use micromegas_perfetto::{Trace, count_packets};

fn demo_trace(frames: u64) -> Trace {
    let mut trace = Trace::new("write-perfetto", 1, 1);
    for frame in 0..frames {
        let start = frame * 16_000;
        trace
            .begin("frame", start)
            .add_span("update", start + 100, start + 4_000)
            .add_span("render", start + 4_000, start + 12_000)
            .add_counter("fps", start + 12_000, 60.0 - frame as f64)
            .end("frame", start + 15_000);
    }
    trace
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Protobuf,
}

fn format_for(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
        _ => Format::Protobuf,
    }
}

fn render(trace: &Trace, format: Format) -> Vec<u8> {
    match format {
        Format::Json => trace.to_chrome_json().into_bytes(),
        Format::Protobuf => trace.to_protobuf(),
    }
}

fn main() -> std::io::Result<()> {
    let trace = demo_trace(3);
    match std::env::args_os().nth(1).map(PathBuf::from) {
        Some(path) => {
            let bytes = render(&trace, format_for(&path));
            std::fs::write(&path, &bytes)?;
            println!("wrote {} bytes to {}", bytes.len(), path.display());
        }
        None => println!(
            "demo trace: {} events, {} protobuf packets (pass an output path to write it)",
            trace.events().len(),
            count_packets(&trace.to_protobuf()).unwrap_or(0)
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_trace_has_balanced_spans() {
        let trace = demo_trace(2);
        assert_eq!(trace.events().len(), 2 * 7);
        let begins = trace
            .events()
            .iter()
            .filter(|e| e.phase.code() == 'B')
            .count();
        let ends = trace
            .events()
            .iter()
            .filter(|e| e.phase.code() == 'E')
            .count();
        assert_eq!((begins, ends), (6, 6));
    }

    #[test]
    fn output_format_follows_extension() {
        assert_eq!(format_for(Path::new("trace.json")), Format::Json);
        assert_eq!(format_for(Path::new("TRACE.JSON")), Format::Json);
        assert_eq!(format_for(Path::new("trace.pftrace")), Format::Protobuf);
        assert_eq!(format_for(Path::new("trace")), Format::Protobuf);
    }

    #[test]
    fn rendered_outputs_are_consistent() {
        let trace = demo_trace(1);
        let json = String::from_utf8(render(&trace, Format::Json)).unwrap();
        assert!(json.contains(r#""name":"render","ph":"B","ts":4000"#));
        assert_eq!(count_packets(&render(&trace, Format::Protobuf)), Some(7));
    }
}

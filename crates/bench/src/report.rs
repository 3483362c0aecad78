//! What a run prints, in Markdown so that it can be pasted into the README as printed: a header
//! saying what was measured on what (machine, load, seed, start-up, memory, concurrency), then
//! per scenario its throughput, p50 and p99, and how it compares with the floor of its protocol
//! (throughput as a share of the floor's, p99 as a multiple of the floor's).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::load::{Outcome, Tally};
use crate::scenario::{Protocol, Scenario};
use crate::seed::bulk::BulkSummary;
use crate::server_process::Memory;

/// The facts of a run besides the scenarios.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) subscriptions: u64,
    pub(crate) database: &'static str,
    pub(crate) machine: String,
    pub(crate) load_before: String,
    pub(crate) load_after: String,
    pub(crate) server_binary: PathBuf,
    pub(crate) catalog: Duration,
    pub(crate) bulk: BulkSummary,
    pub(crate) start_up: Duration,
    pub(crate) memory_after_start: Memory,
    pub(crate) memory_after_load: Memory,
    pub(crate) warmup: Duration,
    pub(crate) duration: Duration,
    pub(crate) grpc_streams: usize,
    pub(crate) grpc_channels: usize,
    pub(crate) http_connections: usize,
}

impl Header {
    pub(crate) fn render(&self) -> String {
        let profile =
            if cfg!(debug_assertions) { "debug build: numbers not comparable" } else { "release build" };
        let lines = [
            format!("## entitlements-bench: {} subscriptions on {}\n", thousands(self.subscriptions), self.database),
            format!("- machine: {}", self.machine),
            "- the load generator runs on the same machine and shares its cores with the server (and the database); nothing is pinned".to_owned(),
            format!("- load average (1, 5, 15 min) before the scenarios: {}; after: {}", self.load_before, self.load_after),
            format!("- server: {}; load generator: {profile}", self.server_binary.display()),
            format!(
                "- seed: catalog and 10 templates through the API in {:.1?}; {} rows in bulk in {:.1?}",
                self.catalog,
                thousands(self.bulk.rows),
                self.bulk.elapsed
            ),
            format!(
                "- start-up until gRPC health SERVING: {}; resident memory after start: {}, after the load: {} (peak {})",
                milliseconds(self.start_up),
                mebibytes(self.memory_after_start.resident_kib),
                mebibytes(self.memory_after_load.resident_kib),
                mebibytes(self.memory_after_load.peak_kib)
            ),
            format!(
                "- each scenario: {:?} warm-up, then {:?} measured; gRPC: {} calls in flight over {} channels; REST: {} HTTP/1.1 connections, one request in flight each; random subscriptions",
                self.warmup, self.duration, self.grpc_streams, self.grpc_channels, self.http_connections
            ),
        ];
        lines.join("\n") + "\n"
    }
}

/// One scenario's line.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) protocol: Protocol,
    pub(crate) is_floor: bool,
    pub(crate) result: RowResult,
}

#[derive(Debug, Clone)]
pub(crate) enum RowResult {
    Measured(Summary),
    NotAvailable(String),
}

/// The numbers of a measured scenario.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub(crate) throughput: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) failed: u64,
    pub(crate) first_failure: Option<String>,
}

impl From<&Tally> for Summary {
    fn from(tally: &Tally) -> Self {
        Self {
            throughput: tally.throughput(),
            p50: tally.latency_at(0.50),
            p99: tally.latency_at(0.99),
            failed: tally.failed,
            first_failure: tally.first_failure.clone(),
        }
    }
}

impl Row {
    pub(crate) fn new(scenario: &Scenario, outcome: &Outcome) -> Self {
        let result = match outcome {
            Outcome::Measured(tally) => RowResult::Measured(Summary::from(tally)),
            Outcome::NotAvailable(why) => RowResult::NotAvailable(why.clone()),
        };
        Self { name: scenario.name, protocol: scenario.protocol(), is_floor: scenario.is_floor, result }
    }
}

/// The Markdown table of `rows`, then the first failure of each scenario that had any.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| scenario | throughput | p50 | p99 | throughput / floor | p99 / floor's | failed |\n|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for row in rows {
        let line = match &row.result {
            RowResult::NotAvailable(why) => format!("| {} | not available ({why}) | | | | | |", row.name),
            RowResult::Measured(summary) => {
                let (share, p99_multiple) = match floor_of(rows, row.protocol) {
                    _ if row.is_floor => ("floor".to_owned(), "floor".to_owned()),
                    Some(floor) => (
                        format!("{:.1} %", 100.0 * summary.throughput / floor.throughput.max(f64::EPSILON)),
                        format!(
                            "{:.2}×",
                            summary.p99.as_secs_f64() / floor.p99.as_secs_f64().max(f64::EPSILON)
                        ),
                    ),
                    None => ("no floor".to_owned(), "no floor".to_owned()),
                };
                format!(
                    "| {} | {}/s | {} | {} | {share} | {p99_multiple} | {} |",
                    row.name,
                    thousands(summary.throughput.round() as u64),
                    milliseconds(summary.p50),
                    milliseconds(summary.p99),
                    summary.failed,
                )
            }
        };
        text.push_str(&line);
        text.push('\n');
    }
    for row in rows {
        if let RowResult::Measured(Summary { first_failure: Some(failure), failed, .. }) = &row.result {
            let _ = writeln!(text, "\n{}: {failed} failed, the first: {failure}", row.name);
        }
    }
    text
}

/// The measured floor of `protocol`.
fn floor_of(rows: &[Row], protocol: Protocol) -> Option<&Summary> {
    rows.iter().filter(|row| row.is_floor && row.protocol == protocol).find_map(|row| match &row.result {
        RowResult::Measured(summary) => Some(summary),
        RowResult::NotAvailable(_) => None,
    })
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

pub(crate) fn milliseconds(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1_000.0)
}

fn mebibytes(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(
        name: &'static str,
        protocol: Protocol,
        is_floor: bool,
        throughput: f64,
        p99_micros: u64,
    ) -> Row {
        let summary = Summary {
            throughput,
            p50: Duration::from_micros(p99_micros / 2),
            p99: Duration::from_micros(p99_micros),
            failed: 0,
            first_failure: None,
        };
        Row { name, protocol, is_floor, result: RowResult::Measured(summary) }
    }

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        let mut tally = Tally::new(Duration::from_secs(2)).expect("a histogram");
        for millis in 1..=100 {
            tally.record_success(Duration::from_millis(millis));
        }
        assert_eq!(tally.succeeded(), 100);
        assert!((tally.throughput() - 50.0).abs() < 1e-9);
        // Three significant digits: within 0.1 % of the exact value.
        let p50 = tally.latency_at(0.50).as_secs_f64();
        let p99 = tally.latency_at(0.99).as_secs_f64();
        assert!((p50 - 0.050).abs() <= 0.050 * 0.001, "p50 {p50}");
        assert!((p99 - 0.099).abs() <= 0.099 * 0.001, "p99 {p99}");
    }

    #[test]
    fn each_scenario_is_compared_with_the_floor_of_its_protocol() {
        let rows = [
            measured("grpc floor", Protocol::Grpc, true, 10_000.0, 2_000),
            measured("rest floor", Protocol::Rest, true, 40_000.0, 1_000),
            measured("grpc read", Protocol::Grpc, false, 8_000.0, 3_000),
            measured("rest read", Protocol::Rest, false, 1_000.0, 10_000),
            Row {
                name: "grpc check",
                protocol: Protocol::Grpc,
                is_floor: false,
                result: RowResult::NotAvailable("UNIMPLEMENTED".to_owned()),
            },
        ];
        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[2], "| grpc floor | 10,000/s | 1.00 ms | 2.00 ms | floor | floor | 0 |");
        assert_eq!(lines[4], "| grpc read | 8,000/s | 1.50 ms | 3.00 ms | 80.0 % | 1.50× | 0 |");
        assert_eq!(lines[5], "| rest read | 1,000/s | 5.00 ms | 10.00 ms | 2.5 % | 10.00× | 0 |");
        assert_eq!(lines[6], "| grpc check | not available (UNIMPLEMENTED) | | | | | |");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(65_400), "65,400");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}

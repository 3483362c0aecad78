//! The standard process metrics (`process_resident_memory_bytes`, `process_open_fds`,
//! `process_cpu_seconds_total`, `process_start_time_seconds`), read from Linux's `/proc/self` at
//! each scrape, on a blocking thread (tiny reads, but file reads all the same). Elsewhere the
//! files are missing and the values stay at 0.

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Linux reports CPU times in clock ticks of `USER_HZ`, which is 100 on every architecture's
/// user-space ABI.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Default)]
pub(crate) struct ProcessMetrics {
    resident_memory_bytes: Gauge,
    open_fds: Gauge,
    cpu_seconds: Counter<f64, AtomicU64>,
    start_time_seconds: Gauge<f64, AtomicU64>,
}

/// What `/proc` said; `None` for what could not be read.
#[derive(Debug, Default)]
struct ProcessReadings {
    resident_memory_bytes: Option<i64>,
    open_fds: Option<i64>,
    cpu_seconds: Option<f64>,
    start_time_seconds: Option<f64>,
}

impl ProcessMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            metrics.resident_memory_bytes.clone(),
        );
        registry.register("process_open_fds", "Number of open file descriptors", metrics.open_fds.clone());
        registry.register(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            metrics.cpu_seconds.clone(),
        );
        registry.register(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds",
            metrics.start_time_seconds.clone(),
        );
        metrics
    }

    /// Reads `/proc/self` again.
    pub(crate) async fn refresh(&self) {
        let readings = match tokio::task::spawn_blocking(read_process).await {
            Ok(readings) => readings,
            Err(error) => {
                tracing::debug!(%error, "cannot read the process metrics");
                return;
            }
        };
        if let Some(bytes) = readings.resident_memory_bytes {
            self.resident_memory_bytes.set(bytes);
        }
        if let Some(count) = readings.open_fds {
            self.open_fds.set(count);
        }
        if let Some(seconds) = readings.cpu_seconds {
            // The kernel's total, which only grows: stored as the counter's value.
            self.cpu_seconds.inner().store(seconds.to_bits(), Ordering::Relaxed);
        }
        if let Some(seconds) = readings.start_time_seconds {
            self.start_time_seconds.set(seconds);
        }
    }
}

fn read_process() -> ProcessReadings {
    let mut readings = ProcessReadings::default();
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        readings.resident_memory_bytes = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            .map(|kibibytes| kibibytes.saturating_mul(1024));
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        readings.open_fds = i64::try_from(entries.count()).ok();
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // The fields after the command name (which may hold spaces), from the state (field 3) on.
        let fields: Vec<&str> =
            stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        let field =
            |number: usize| fields.get(number.saturating_sub(3)).and_then(|value| value.parse::<u64>().ok());
        if let (Some(user_ticks), Some(system_ticks)) = (field(14), field(15)) {
            readings.cpu_seconds = Some(ticks_to_seconds(user_ticks.saturating_add(system_ticks)));
        }
        let boot_time = std::fs::read_to_string("/proc/stat").ok().and_then(|stat| {
            stat.lines()
                .find_map(|line| line.strip_prefix("btime "))
                .and_then(|value| value.trim().parse::<u64>().ok())
        });
        if let (Some(start_ticks), Some(boot_time)) = (field(22), boot_time) {
            readings.start_time_seconds = Some(as_f64(boot_time) + ticks_to_seconds(start_ticks));
        }
    }
    readings
}

fn ticks_to_seconds(ticks: u64) -> f64 {
    as_f64(ticks) / TICKS_PER_SECOND
}

#[allow(clippy::cast_precision_loss, reason = "tick and second counts fit a double's 53 bits for millennia")]
fn as_f64(value: u64) -> f64 {
    value as f64
}

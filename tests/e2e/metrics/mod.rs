//! `GET /metrics`: a scrape after a known sequence of calls shows exactly those counts
//! (`exact_counts`), many ids make few series (`cardinality`), the service's gauges are there and
//! plausible (`service_gauges`), and the flags switch metrics off or move them to their own
//! listener (`flags`). `scrape` parses the text format into samples.

mod cardinality;
mod exact_counts;
mod flags;
mod service_gauges;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::support::TestApp;

/// The longest a scenario waits for a value that settles asynchronously.
const SETTLE_DEADLINE: Duration = Duration::from_secs(20);

/// One sample line: `name{label="value",...} value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

/// A parsed scrape.
#[derive(Debug, Clone)]
pub(crate) struct Scrape {
    pub(crate) samples: Vec<Sample>,
}

impl Scrape {
    /// The sum of the samples named `name` whose labels include `labels` (so a label set that
    /// names a series exactly gives its value); 0 when none.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|sample| sample.value).sum()
    }

    /// Whether a sample named `name` with `labels` is there.
    pub(crate) fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn matching<'a>(&'a self, name: &'a str, labels: &'a [(&str, &str)]) -> impl Iterator<Item = &'a Sample> {
        self.samples.iter().filter(move |sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
    }

    /// How many series (label sets) the samples named `name` have.
    pub(crate) fn series(&self, name: &str) -> usize {
        self.samples.iter().filter(|sample| sample.name == name).count()
    }
}

/// Scrapes the HTTP listener's `/metrics`.
pub(crate) async fn scrape(app: &TestApp) -> Scrape {
    scrape_at(app.http_address).await
}

pub(crate) async fn scrape_at(address: SocketAddr) -> Scrape {
    let response = reqwest::get(format!("http://{address}/metrics")).await.expect("GET /metrics");
    assert_eq!(response.status(), 200, "GET /metrics");
    let content_type = response.headers().get("content-type").and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = response.text().await.expect("the scrape's text");
    parse(&text)
}

/// Scrapes until `settled` holds (or fails after [`SETTLE_DEADLINE`]); answers that scrape.
pub(crate) async fn scrape_until(app: &TestApp, what: &str, settled: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + SETTLE_DEADLINE;
    loop {
        let scraped = scrape(app).await;
        if settled(&scraped) {
            return scraped;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what} did not settle: {scraped:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text format's samples; comments and blank lines skipped.
pub(crate) fn parse(text: &str) -> Scrape {
    let samples = text
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_sample(line).unwrap_or_else(|| panic!("a malformed sample line: {line}")))
        .collect();
    Scrape { samples }
}

fn parse_sample(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number.parse().ok()?,
    };
    let Some((name, labels_text)) = series.split_once('{') else {
        return Some(Sample { name: series.to_owned(), labels: BTreeMap::new(), value });
    };
    let mut labels = BTreeMap::new();
    let mut rest = labels_text.strip_suffix('}')?;
    while !rest.is_empty() {
        let (key, after_key) = rest.split_once("=\"")?;
        let mut label_value = String::new();
        let mut characters = after_key.char_indices();
        let end = loop {
            match characters.next()? {
                (_, '\\') => match characters.next()?.1 {
                    'n' => label_value.push('\n'),
                    escaped => label_value.push(escaped),
                },
                (index, '"') => break index,
                (_, character) => label_value.push(character),
            }
        };
        labels.insert(key.to_owned(), label_value);
        rest = after_key.get(end + 1..)?.trim_start_matches(',');
    }
    Some(Sample { name: name.to_owned(), labels, value })
}

#[test]
fn the_text_format_is_parsed_with_its_labels() {
    let scraped = parse(
        "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"1\",route=\"/a/{id}\",q=\"say \\\"hi\\\"\"} 3\ny 0.5\n",
    );
    assert_eq!(scraped.value("x_total", &[("a", "1"), ("route", "/a/{id}")]), 3.0);
    assert_eq!(scraped.value("x_total", &[("q", "say \"hi\"")]), 3.0);
    assert_eq!(scraped.value("y", &[]), 0.5);
    assert_eq!(scraped.series("x_total"), 1);
}

// The PromQL of the Grafana dashboard and of the alert rules, for .ci/k8s-monitoring-check:
//   node promql.mjs dashboard-rules DASHBOARD.json
//       prints a Prometheus rule file with one recording rule per dashboard query (panel targets
//       and the series selectors of the template variables), Grafana's variables replaced by
//       values PromQL accepts, so that `promtool check rules` parses every query with Prometheus's
//       own parser;
//   node promql.mjs metric-names --scrape SCRAPE --dashboard DASHBOARD.json --rules RULES.yaml...
//       fails when a query or rule reads a metric that the scrape (Prometheus text exposition, as
//       GET /metrics answers) does not serve. A histogram or summary serves NAME_bucket, NAME_count
//       and NAME_sum; a counter NAME and NAME_total (both spellings of its family name).
// Metric names come from the syntax tree (@prometheus-io/lezer-promql), not from a regex.
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import YAML from 'yaml';

// Grafana's variables as PromQL sees them once Grafana has replaced them: ranges become a
// duration, label values stay inside their quoted matchers.
// The longer names first: `$__range` is a prefix of `$__range_s`.
const GRAFANA_VARIABLES = [
  [/\$\{?__range_s\}?|\$\{?__range_ms\}?|\$\{?__interval_ms\}?/g, '300'],
  [/\$\{?__rate_interval\}?|\$\{?__interval\}?|\$\{?__range\}?/g, '5m'],
];

function fail(message) {
  console.error(`promql: ${message}`);
  process.exit(1);
}

function substituteGrafanaVariables(expression) {
  return GRAFANA_VARIABLES.reduce((text, [pattern, value]) => text.replace(pattern, value), expression);
}

// Every query of the dashboard, with where it is, in panel order.
function dashboardQueries(dashboardPath) {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
  const queries = [];
  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr !== 'string' || target.expr.trim() === '') {
        fail(`panel ${panel.id} "${panel.title}" target ${target.refId} has no expr`);
      }
      queries.push({ where: `panel ${panel.id} "${panel.title}" ${target.refId}`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const labelValues = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(text ?? '');
    if (!labelValues) fail(`variable ${variable.name}: expected label_values(SELECTOR, LABEL), got ${text}`);
    queries.push({ where: `variable ${variable.name}`, expr: labelValues[1] });
  }
  if (queries.length === 0) fail(`${dashboardPath} has no queries`);
  return queries.map((query) => ({ ...query, expr: substituteGrafanaVariables(query.expr) }));
}

function ruleQueries(rulesPath) {
  const ruleFile = YAML.parse(readFileSync(rulesPath, 'utf8'));
  const groups = ruleFile.groups ?? ruleFile.spec?.groups ?? [];
  return groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `${rulesPath} ${rule.alert ?? rule.record}`, expr: rule.expr })),
  );
}

function printDashboardRules(dashboardPath) {
  const rules = dashboardQueries(dashboardPath).map((query, index) => ({
    record: `dashboard:query_${index + 1}`,
    expr: query.expr,
    labels: { where: query.where },
  }));
  process.stdout.write(YAML.stringify({ groups: [{ name: 'dashboard-queries', rules }] }));
}

// The metric names a PromQL expression reads.
function metricNamesOf(query) {
  const tree = parser.parse(query.expr);
  const names = new Set();
  let syntaxError = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) syntaxError = true;
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      if (identifier) {
        names.add(query.expr.slice(identifier.from, identifier.to));
        return;
      }
      const byName = /__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/.exec(query.expr.slice(node.from, node.to));
      if (!byName) fail(`${query.where}: a selector without a fixed metric name: ${query.expr}`);
      names.add(byName[1]);
    },
  });
  if (syntaxError) fail(`${query.where}: does not parse: ${query.expr}`);
  return names;
}

// Names a scrape serves: every sample's name, and each family declared by # TYPE with the names
// its samples take (a family without samples is still served, with none yet).
function servedNames(scrapePath) {
  const names = new Set();
  for (const line of readFileSync(scrapePath, 'utf8').split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      const [, family, kind] = type;
      names.add(family);
      if (kind === 'histogram' || kind === 'summary' || kind === 'gaugehistogram') {
        for (const suffix of ['_bucket', '_count', '_sum', '_gcount', '_gsum']) names.add(family + suffix);
      }
      if (kind === 'counter') names.add(family.endsWith('_total') ? family : `${family}_total`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}

function checkMetricNames(argv) {
  const scrapes = [];
  const sources = [];
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === '--scrape') scrapes.push(value);
    else if (flag === '--dashboard') sources.push(...dashboardQueries(value));
    else if (flag === '--rules') sources.push(...ruleQueries(value));
    else fail(`unknown argument ${flag}`);
  }
  if (scrapes.length !== 1 || sources.length === 0) fail('usage: metric-names --scrape FILE (--dashboard FILE | --rules FILE)...');
  const served = servedNames(scrapes[0]);
  if (served.size === 0) fail(`${scrapes[0]} serves no metric`);
  const used = new Map();
  for (const query of sources) {
    for (const name of metricNamesOf(query)) {
      if (!used.has(name)) used.set(name, []);
      used.get(name).push(query.where);
    }
  }
  const missing = [...used].filter(([name]) => !served.has(name));
  for (const [name, places] of missing) {
    console.error(`promql: ${name} is not served by ${scrapes[0]} (used by ${places.slice(0, 3).join('; ')}${places.length > 3 ? ', ...' : ''})`);
  }
  if (missing.length > 0) process.exit(1);
  console.log(`${used.size} metric names used by ${sources.length} queries and rules, all served by ${scrapes[0]}`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'dashboard-rules' && rest.length === 1) printDashboardRules(rest[0]);
else if (command === 'metric-names') checkMetricNames(rest);
else fail('usage: promql.mjs dashboard-rules DASHBOARD.json | metric-names --scrape FILE --dashboard FILE --rules FILE');

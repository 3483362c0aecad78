// Schema checks of the monitoring manifests, for .ci/k8s-monitoring-check:
//   node schema-check.mjs WORK_DIR DASHBOARD.json SERVICEMONITOR.yaml PROMETHEUSRULE.yaml
// 1. The Grafana dashboard against Grafana's own TypeScript types (@grafana/schema: the Dashboard
//    save model, and the options and field config of the timeseries and stat panels), and the
//    ServiceMonitor and PrometheusRule against the Prometheus Operator's (generated from its CRDs):
//    each object is written into WORK_DIR/check.mts as a typed literal and `tsc --noEmit` compiles
//    it, so a wrong type, a misspelt enum value, a missing required field or an unknown field
//    (TypeScript's excess property check) fails.
// 2. The two custom resources against the CRDs' OpenAPI schemas at run time (patterns, formats).
// 3. What an import into Grafana needs and no type says: __inputs used, datasource and template
//    variables defined, unique panel ids and refIds, panels inside the 24-column grid without
//    overlapping, no deprecated panel types, schemaVersion 39 or later.
// WORK_DIR must have node_modules with the pinned packages of package.json (the caller links it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const MINIMUM_SCHEMA_VERSION = 39;
const PANEL_TYPES = new Set(['row', 'timeseries', 'stat']);
const GRID_COLUMNS = 24;
// Variables Grafana defines itself.
const BUILT_IN_VARIABLES = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms']);

const problems = [];
const problem = (message) => problems.push(message);

function checkDashboardStructure(dashboard) {
  if (!(dashboard.schemaVersion >= MINIMUM_SCHEMA_VERSION)) problem(`schemaVersion ${dashboard.schemaVersion} is below ${MINIMUM_SCHEMA_VERSION}`);
  if (!dashboard.uid || !dashboard.title) problem('the dashboard needs a uid and a title');
  const inputs = dashboard.__inputs ?? [];
  if (!inputs.some((input) => input.type === 'datasource' && input.pluginId === 'prometheus')) {
    problem('__inputs must declare a Prometheus datasource');
  }
  const text = JSON.stringify({ ...dashboard, __inputs: undefined });
  for (const input of inputs) {
    if (!text.includes(`\${${input.name}}`)) problem(`__inputs ${input.name} is never used as \${${input.name}}`);
  }
  const variables = dashboard.templating?.list ?? [];
  const variableNames = new Set(variables.map((variable) => variable.name));
  const datasourceVariables = variables.filter((variable) => variable.type === 'datasource' && variable.query === 'prometheus');
  if (datasourceVariables.length !== 1) problem('expected one datasource variable of type prometheus');

  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  if (panels.length === 0) problem('the dashboard has no panels');
  const ids = new Set();
  for (const panel of panels) {
    const name = `panel ${panel.id} "${panel.title}"`;
    if (!PANEL_TYPES.has(panel.type)) problem(`${name}: type ${panel.type} is not one of ${[...PANEL_TYPES]}`);
    if (!Number.isInteger(panel.id) || ids.has(panel.id)) problem(`${name}: missing or repeated id`);
    ids.add(panel.id);
    const { x, y, w, h } = panel.gridPos ?? {};
    if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > GRID_COLUMNS) {
      problem(`${name}: gridPos ${JSON.stringify(panel.gridPos)} is outside the ${GRID_COLUMNS}-column grid`);
    }
    if (panel.type === 'row') continue;
    const datasources = [panel.datasource, ...(panel.targets ?? []).map((target) => target.datasource)];
    for (const datasource of datasources) {
      const uid = /^\$\{(\w+)\}$/.exec(datasource?.uid ?? '');
      if (datasource?.type !== 'prometheus' || !uid || !datasourceVariables.some((variable) => variable.name === uid[1])) {
        problem(`${name}: datasource ${JSON.stringify(datasource)} is not the Prometheus datasource variable`);
      }
    }
    const refIds = (panel.targets ?? []).map((target) => target.refId);
    if (refIds.length === 0 || new Set(refIds).size !== refIds.length) problem(`${name}: no targets, or repeated refIds`);
    for (const target of panel.targets ?? []) {
      for (const [, braced, plain] of target.expr.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)) {
        const variable = braced ?? plain;
        if (!variableNames.has(variable) && !BUILT_IN_VARIABLES.has(variable)) problem(`${name}: unknown variable $${variable}`);
      }
    }
  }
  // Overlapping panels are moved by Grafana on load: the layout would not be the one written.
  const placed = panels.filter((panel) => panel.gridPos);
  for (const [index, first] of placed.entries()) {
    for (const second of placed.slice(index + 1)) {
      const a = first.gridPos;
      const b = second.gridPos;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
        problem(`panels ${first.id} and ${second.id} overlap`);
      }
    }
  }
}

function checkCustomResources(serviceMonitor, prometheusRule) {
  for (const [kind, Model, object] of [['ServiceMonitor', ServiceMonitor, serviceMonitor], ['PrometheusRule', PrometheusRule, prometheusRule]]) {
    try {
      new Model(object).validate();
    } catch (error) {
      problem(`${kind} does not match its CRD schema: ${error.message}`);
    }
  }
}

// JSON has the values of Grafana's string enums, TypeScript the enum types: compare values.
const TYPES = `
import type { Dashboard, FieldConfig, FieldConfigSource, Panel, RowPanel } from '@grafana/schema';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { IPrometheusRule, IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

type Json<T> = T extends string ? \`\${T}\` : T extends (infer Item)[] ? Json<Item>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
type FieldConfigOf<Custom> = Json<Omit<FieldConfigSource, 'defaults'>> & { defaults: Json<Omit<FieldConfig, 'custom'>> & { custom?: Json<Custom> } };
type PanelOf<Type extends string, Options, Custom> = Json<Omit<Panel, 'type' | 'options' | 'fieldConfig'>> & {
  type: Type;
  options: Json<Options>;
  fieldConfig: FieldConfigOf<Custom>;
};
type TimeSeriesPanel = PanelOf<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>;
// The stat panel has no custom field config.
type StatPanel = PanelOf<'stat', Stat.Options, Record<string, never>>;
type Row = Json<Omit<RowPanel, 'type' | 'panels'>> & { type: 'row'; panels: (TimeSeriesPanel | StatPanel)[] };
type CheckedDashboard = Json<Omit<Dashboard, 'panels'>> & { panels: (TimeSeriesPanel | StatPanel | Row)[] };
`;

function typeCheck(workDirectory, dashboard, serviceMonitor, prometheusRule) {
  // Import-time fields, replaced by Grafana's import and absent from the save model.
  const { __inputs, __requires, ...saveModel } = dashboard;
  const source = `${TYPES}
export const dashboard: CheckedDashboard = ${JSON.stringify(saveModel, null, 2)};
export const serviceMonitor: IServiceMonitor = ${JSON.stringify(serviceMonitor, null, 2)};
export const prometheusRule: IPrometheusRule = ${JSON.stringify(prometheusRule, null, 2)};
`;
  writeFileSync(path.join(workDirectory, 'check.mts'), source);
  writeFileSync(
    path.join(workDirectory, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
        skipLibCheck: true, types: [],
      },
      files: ['check.mts'],
    }),
  );
  const tsc = path.join(workDirectory, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '--pretty', 'false', '-p', workDirectory], { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    problem(`tsc found type errors (line numbers are in ${path.join(workDirectory, 'check.mts')}):\n${error.stdout}${error.stderr}`);
  }
}

const [workDirectory, dashboardPath, serviceMonitorPath, prometheusRulePath] = process.argv.slice(2);
if (!prometheusRulePath) {
  console.error('usage: schema-check.mjs WORK_DIR DASHBOARD.json SERVICEMONITOR.yaml PROMETHEUSRULE.yaml');
  process.exit(2);
}
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
const serviceMonitor = YAML.parse(readFileSync(serviceMonitorPath, 'utf8'));
const prometheusRule = YAML.parse(readFileSync(prometheusRulePath, 'utf8'));
checkDashboardStructure(dashboard);
checkCustomResources(serviceMonitor, prometheusRule);
typeCheck(workDirectory, dashboard, serviceMonitor, prometheusRule);
if (problems.length > 0) {
  for (const message of problems) console.error(`schema-check: ${message}`);
  process.exit(1);
}
const panelCount = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]).length;
console.log(`${dashboardPath}: ${panelCount} panels match Grafana's dashboard types (@grafana/schema) and import rules`);
console.log(`${serviceMonitorPath}, ${prometheusRulePath}: match the Prometheus Operator's CRD types and schemas`);

/**
 * Architecture rules, checked by `npm run lint` (docs/architecture.md explains them).
 *
 * LAYERS lists the units of src/ from the bottom up: a unit may import itself and the units
 * listed before it, never one after it. That order forbids every cycle between folders. PURE
 * units hold logic without I/O: they import no adapter and no I/O library.
 */
const LAYERS = [
  ['model', '^src/model/'],
  ['config', '^src/config/'],
  ['wire', '^src/wire/'],
  ['lifecycle', '^src/lifecycle/'],
  ['detect', '^src/detect/(?!stage/)'],
  ['alert', '^src/alert/(?!stage/)'],
  ['notify', '^src/notify/(?!stage/)'],
  ['optimize', '^src/optimize/(?!stage/)'],
  ['diagnose', '^src/diagnose/(?!stage/)'],
  ['profile/analysis', '^src/profile/analysis/'],
  ['profile/render', '^src/profile/render/'],
  ['profile/export', '^src/profile/export/'],
  ['report', '^src/report/(?!stage/)'],
  ['bus', '^src/bus/'],
  ['store', '^src/store/'],
  ['collect', '^src/collect/'],
  ['ingest', '^src/ingest/'],
  ['detect/stage', '^src/detect/stage/'],
  ['alert/stage', '^src/alert/stage/'],
  ['profile/capture', '^src/profile/capture/'],
  ['profile/service', '^src/profile/service/'],
  ['diagnose/stage', '^src/diagnose/stage/'],
  ['optimize/stage', '^src/optimize/stage/'],
  ['notify/stage', '^src/notify/stage/'],
  ['report/stage', '^src/report/stage/'],
  ['agent', '^src/agent/'],
  ['api', '^src/api/'],
  ['engine', '^src/engine/'],
  ['tools', '^src/tools/'],
  ['cli', '^src/cli/'],
  // The dashboard's browser code: bundled on its own, imported by nothing in the engine.
  ['web', '^src/web/'],
  ['index', '^src/[^/]+$'],
];

const PURE = ['model', 'wire', 'detect', 'alert', 'notify', 'optimize', 'diagnose', 'profile/analysis', 'profile/render', 'profile/export', 'report'];
const ADAPTERS = ['bus', 'store', 'collect', 'ingest', 'profile/capture', 'profile/service', 'notify/stage', 'agent', 'api', 'engine', 'tools', 'cli'];
const IO_LIBRARIES = '^(pg|pg-copy-streams|@nats-io/.+|fastify|@fastify/.+|@electric-sql/.+|ws|pino)$|^(node:)?(fs|net|http|https|child_process|inspector|worker_threads|dgram)$';

const pathOf = (name) => LAYERS.find(([n]) => n === name)[1];
const anyOf = (names) => names.map(pathOf).join('|');

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} may import only the layers below it (docs/architecture.md): not ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')}`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => p).join('|') },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules import each other in a cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-imports-no-adapter',
      comment: 'pure code imports no adapter (bus, store, collectors, capture, HTTP, CLI): it receives narrow interfaces',
      severity: 'error',
      from: { path: anyOf(PURE) },
      to: { path: anyOf(ADAPTERS) },
    },
    {
      name: 'pure-imports-no-io-library',
      comment: 'pure code imports no database, NATS, HTTP, logging or file-system library',
      severity: 'error',
      from: { path: anyOf(PURE), pathNot: '\\.test\\.ts$' },
      to: { path: IO_LIBRARIES },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

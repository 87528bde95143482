/**
 * Module boundaries, checked by `npm run deps:check` (and by `npm test` and
 * .ci/run before the suites). The allowed graph is read from the table in
 * ARCHITECTURE.md ("| module | may import |"), so the document and the check
 * cannot drift apart.
 *
 * Rules match RESOLVED files, not import text: `#orgs/models/role` resolves
 * to app/orgs/models/role.ts through tsconfig.depcruise.json, whose `paths`
 * mirror package.json's `imports` (which point at the compiled `.js` files,
 * so enhanced-resolve alone cannot reach the `.ts` sources). The two lists are
 * compared below, and an import that resolves to nothing is itself an error.
 *
 * Everything is read relative to the working directory, so the same rules
 * run on the app (from the repository root) and on the fixture tree in
 * tests/fixtures/depcruise (from there) that proves each rule bites.
 */
const { readFileSync } = require('node:fs')
const { join } = require('node:path')

const root = process.cwd()
const TS_CONFIG = 'tsconfig.depcruise.json'
/** Modules that other modules may never import: only start/ mounts them. */
const LEAVES = ['verify', 'api', 'admin']

function allowedGraph() {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8')
  const section = text
    .split('<!-- dependency-graph:start -->')[1]
    ?.split('<!-- dependency-graph:end -->')[0]
  if (!section) throw new Error('ARCHITECTURE.md has no dependency-graph section')
  const graph = {}
  for (const line of section.split('\n')) {
    const match = /^\|\s*`?([a-z_]+)`?\s*\|\s*([^|]*)\|/.exec(line)
    if (!match || match[1] === 'module') continue
    graph[match[1]] = match[2]
      .replace(/`/g, '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && s !== '—' && s !== '-')
  }
  return graph
}

/** tsconfig.depcruise.json must map every package.json alias to the same folder. */
function assertPathsMirrorImports() {
  const imports = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).imports ?? {}
  const paths = JSON.parse(readFileSync(join(root, TS_CONFIG), 'utf8')).compilerOptions.paths
  const expected = Object.entries(imports).map(([alias, target]) => [
    alias,
    target.replace(/\.js$/, ''),
  ])
  const actual = Object.entries(paths).map(([alias, targets]) => [alias, targets.join(',')])
  const text = (entries) =>
    entries
      .map((entry) => entry.join(' → '))
      .sort()
      .join('\n')
  if (text(expected) !== text(actual)) {
    throw new Error(
      `${TS_CONFIG} "paths" must mirror package.json "imports" (without .js):\n${text(expected)}`
    )
  }
}

assertPathsMirrorImports()
const graph = allowedGraph()
const modules = Object.keys(graph)

const forbidden = modules.map((module) => {
  const allowed = [module, ...graph[module]]
  const others = modules.filter((m) => !allowed.includes(m))
  return {
    name: `${module}-imports-only-${allowed.join('-')}`,
    comment: `app/${module} may import only: ${allowed.join(', ')} (ARCHITECTURE.md)`,
    severity: 'error',
    from: { path: `^app/${module}/` },
    to: { path: others.length ? `^app/(${others.join('|')})/` : '^$' },
  }
})

forbidden.push(
  {
    name: 'core-imports-no-module',
    comment: 'core is what every module builds on; it imports none of them (STYLE.md habit 7)',
    severity: 'error',
    from: { path: '^app/core/' },
    to: { path: '^app/', pathNot: '^app/core/' },
  },
  ...LEAVES.map((leaf) => ({
    name: `nobody-imports-${leaf}`,
    comment: `${leaf} imports others and is imported by none; only start/ mounts its routes and middleware`,
    severity: 'error',
    from: { path: '^(app|commands)/', pathNot: `^app/${leaf}/` },
    to: { path: `^app/${leaf}/` },
  })),
  {
    name: 'no-circular',
    comment:
      'a cycle makes load order matter; break it with a type-only import or by moving the code',
    severity: 'error',
    from: { path: '^(app|commands|start)/' },
    to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
  },
  {
    name: 'no-stand-ins-in-app',
    comment:
      'stand_ins/ fake the providers for tests, benches and the demo; the app reaches a provider only through its client and a configured URL',
    severity: 'error',
    from: { path: '^(app|commands|start)/' },
    to: { path: '^stand_ins/' },
  },
  {
    name: 'no-unresolvable-alias',
    comment: `an alias that resolves to no file escapes every rule above (see ${TS_CONFIG})`,
    severity: 'error',
    from: {},
    to: { path: '^#', couldNotResolve: true },
  },
  {
    name: 'no-unknown-module',
    comment: 'every folder under app/ must be a module listed in ARCHITECTURE.md',
    severity: 'error',
    from: { path: '^app/', pathNot: `^app/(${modules.join('|')})/` },
    to: {},
  }
)

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|tmp)/' },
    tsConfig: { fileName: TS_CONFIG },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
  },
}

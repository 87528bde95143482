/**
 * Module boundaries. The allowed graph is read from the table in
 * ARCHITECTURE.md ("| module | may import |"), so the document and the check
 * cannot drift apart. Run by `npm test` before the suites.
 */
const { readFileSync } = require('node:fs')
const { join } = require('node:path')

function allowedGraph() {
  const text = readFileSync(join(__dirname, 'ARCHITECTURE.md'), 'utf8')
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

const graph = allowedGraph()
const modules = Object.keys(graph)

const forbidden = modules.map((module) => {
  const allowed = [module, ...graph[module]]
  const others = modules.filter((m) => !allowed.includes(m))
  return {
    name: `${module}-imports-only-${allowed.join('-') || 'itself'}`,
    comment: `app/${module} may import only: ${allowed.join(', ')} (ARCHITECTURE.md)`,
    severity: 'error',
    from: { path: `^app/${module}/` },
    to: { path: others.length ? `^(app/|#)(${others.join('|')})/` : '^$' },
  }
})

forbidden.push({
  name: 'no-unknown-module',
  comment: 'every folder under app/ must be a module listed in ARCHITECTURE.md',
  severity: 'error',
  from: { path: '^app/', pathNot: `^app/(${modules.join('|')})/` },
  to: {},
})

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|tmp)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
  },
}

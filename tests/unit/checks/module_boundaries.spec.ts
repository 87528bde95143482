import { test } from '@japa/runner'
import { spawn } from 'node:child_process'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/*
| The module rules of .dependency-cruiser.cjs, run by the real CLI: on
| tests/fixtures/depcruise (a small app/ tree that breaks each rule once, with
| the app's ARCHITECTURE.md through a symlink and its own alias map) and on
| the app itself.
*/

const root = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = join(root, 'tests/fixtures/depcruise')
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const config = join(root, '.dependency-cruiser.cjs')

type Violation = { rule: string; from: string; to: string; cycle: string[] }

/** Runs the depcruise CLI from `cwd`; resolves with its exit status and output. */
function depcruise(cwd: string, args: string[]) {
  const child = spawn(process.execPath, [cli, ...args, '--config', config], { cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject)
      child.on('close', (status) => resolve({ status, stdout, stderr }))
    }
  )
}

/** What depcruise reports for `folders`: its violations and the imports it could not resolve. */
async function cruise(cwd: string, folders: string[]) {
  const { stdout, stderr } = await depcruise(cwd, [...folders, '--output-type', 'json'])
  if (!stdout) throw new Error(`depcruise printed no result: ${stderr}`)
  const result = JSON.parse(stdout)
  return {
    violations: result.summary.violations.map((v: any) => ({
      rule: v.rule.name,
      from: v.from,
      to: v.to,
      cycle: (v.cycle ?? []).map((step: { name: string }) => step.name),
    })) as Violation[],
    unresolved: result.modules
      .flatMap((m: any) => m.dependencies)
      .filter((d: any) => d.couldNotResolve)
      .map((d: any) => d.module) as string[],
  }
}

test.group('Module boundaries: each rule bites', (group) => {
  let result: Awaited<ReturnType<typeof cruise>>
  const reported = (rule: string) =>
    result.violations.filter((v) => v.rule === rule).map((v) => `${v.from} → ${v.to}`)

  group.setup(async () => {
    result = await cruise(fixture, ['app'])
  })

  test('a module importing another that its row of ARCHITECTURE.md does not list is reported', ({
    assert,
  }) => {
    assert.deepEqual(reported('orgs-imports-only-orgs-core-identity'), [
      'app/orgs/queries/issued_count.ts → app/certificates/actions/issue_certificates.ts',
    ])
  })

  test('aliases are resolved to their .ts files before the rules match', ({ assert }) => {
    const targets = result.violations.map((v) => v.to).filter((to) => !to.startsWith('#'))
    assert.isAbove(targets.length, 0)
    for (const to of targets) assert.match(to, /^(app|stand_ins)\/.+\.ts$/)
  })

  test('core importing any module is reported', ({ assert }) => {
    assert.deepEqual(reported('core-imports-no-module'), [
      'app/core/models/base_model.ts → app/orgs/models/role.ts',
    ])
  })

  test('another module importing api is reported', ({ assert }) => {
    assert.deepEqual(reported('nobody-imports-api'), [
      'app/certificates/actions/issue_certificates.ts → app/api/controllers/version.ts',
    ])
  })

  test('a cycle of run-time imports is reported; one of type-only imports is not', ({ assert }) => {
    const cycles = result.violations.filter((v) => v.rule === 'no-circular')
    assert.deepEqual(
      cycles.map((v) => v.from),
      ['app/orgs/models/member.ts']
    )
    assert.deepEqual(cycles[0].cycle, [
      'app/orgs/models/organization.ts',
      'app/orgs/models/member.ts',
    ])
    assert.notMatch(result.violations.map((v) => v.from).join(' '), /role(_holder)?\.ts/)
  })

  test('app code importing a provider stand-in is reported', ({ assert }) => {
    assert.deepEqual(reported('no-stand-ins-in-app'), [
      'app/certificates/actions/notify_by_stand_in.ts → stand_ins/fake_provider.ts',
    ])
  })

  test('an alias that resolves to no file is reported', ({ assert }) => {
    assert.deepEqual(reported('no-unresolvable-alias'), [
      'app/orgs/queries/missing.ts → #orgs/queries/no_such_file',
    ])
  })

  test('a folder under app/ that is not a module of ARCHITECTURE.md is reported', ({ assert }) => {
    assert.deepEqual(reported('no-unknown-module'), [
      'app/widgets/widget.ts → app/orgs/models/role.ts',
    ])
  })

  test('the check exits non-zero when a rule is broken, as CI runs it', async ({ assert }) => {
    const { status, stdout } = await depcruise(fixture, ['app', '--output-type', 'err'])
    assert.equal(status, result.violations.length)
    assert.include(stdout, `${result.violations.length} dependency violations`)
  }).timeout(60_000) // a second run of the CLI, under the machine's load
})

test.group('Module boundaries: the app', () => {
  test('the app, its commands and start/ break no rule and every alias resolves', async ({
    assert,
  }) => {
    const result = await cruise(root, ['app', 'commands', 'start'])
    assert.deepEqual(result.violations, [])
    assert.deepEqual(result.unresolved, [])
  }).timeout(120_000) // cruises some 300 files: the work itself, not a wait

  test('the check refuses to run when tsconfig.depcruise.json no longer mirrors package.json', async ({
    assert,
  }) => {
    const drifted = join(root, 'tmp', `depcruise-drift-${process.pid}`)
    await rm(drifted, { recursive: true, force: true })
    await mkdir(join(drifted, 'app/core'), { recursive: true })
    try {
      await symlink(join(root, 'ARCHITECTURE.md'), join(drifted, 'ARCHITECTURE.md'))
      await symlink(join(root, 'package.json'), join(drifted, 'package.json'))
      await writeFile(join(drifted, 'app/core/empty.ts'), 'export {}\n')
      const paths = { '#core/*': ['./app/core/*'] }
      await writeFile(
        join(drifted, 'tsconfig.depcruise.json'),
        JSON.stringify({ compilerOptions: { paths } })
      )
      const { status, stderr } = await depcruise(drifted, ['app', '--output-type', 'err'])
      assert.notEqual(status, 0)
      assert.include(stderr, '"paths" must mirror package.json "imports"')
    } finally {
      await rm(drifted, { recursive: true, force: true })
    }
  }).timeout(60_000)
})

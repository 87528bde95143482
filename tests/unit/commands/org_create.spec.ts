import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import OrgCreate from '../../../commands/org_create.js'
import { givenOrg, PASSWORD } from '#tests/helpers/given'

async function run(argv: string[]) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(OrgCreate, argv)
  await command.exec()
  const logs = command.ui.logger.getLogs()
  return { command, logs, lastLine: logs[logs.length - 1]?.message ?? '' }
}

test.group('node ace org:create', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('creates the owner and the org exactly as sign-up does and prints the org id last', async ({
    assert,
  }) => {
    const { command, lastLine } = await run([
      'Acme Academy',
      '--slug=acme-cli',
      '--owner-email=Founder@Acme.test',
      '--owner-password=a long enough password',
      '--owner-name=Ananya Gupta',
    ])
    command.assertSucceeded()

    const org = await db.from('organizations').where('slug', 'acme-cli').firstOrFail()
    assert.equal(lastLine, org.id)
    assert.equal(org.name, 'Acme Academy')
    assert.equal(org.billing_status, 'trialing')

    const user = await db.from('users').where('email', 'founder@acme.test').firstOrFail()
    const profile = await db.from('profiles').where('id', user.id).firstOrFail()
    assert.equal(profile.full_name, 'Ananya Gupta')
    const roles = await db
      .from('organization_roles')
      .where('organization_id', org.id)
      .orderBy('key')
    assert.deepEqual(
      roles.map((r) => r.key),
      ['admin', 'member', 'owner']
    )
    const member = await db
      .from('organization_members')
      .where('organization_id', org.id)
      .firstOrFail()
    assert.equal(member.user_id, user.id)
    assert.equal(member.role_id, roles.find((r) => r.key === 'owner')!.id)
    const audit = await db.from('app_audit_logs').where('organization_id', org.id).select('action')
    assert.sameMembers(
      audit.map((a) => a.action),
      ['org.created', 'user.signed_up']
    )
  })

  test('an existing owner gets another org when the password matches', async ({ assert }) => {
    const { owner } = await givenOrg()
    const { command, lastLine } = await run([
      'Second Org',
      '--slug=second-org-cli',
      `--owner-email=${owner.email}`,
      `--owner-password=${PASSWORD}`,
    ])
    command.assertSucceeded()
    const org = await db.from('organizations').where('slug', 'second-org-cli').firstOrFail()
    assert.equal(lastLine, org.id)
    const memberships = await db.from('organization_members').where('user_id', owner.id)
    assert.lengthOf(memberships, 2)
    assert.lengthOf(await db.from('users').where('email', owner.email), 1)
  })

  test('an existing email with the wrong password fails with exit code 1 and creates nothing', async ({
    assert,
  }) => {
    const { owner } = await givenOrg()
    const before = await db.from('organizations').count('* as total')
    const { command, logs } = await run([
      'Hijack',
      '--slug=hijack-cli',
      `--owner-email=${owner.email}`,
      '--owner-password=not the right password',
    ])
    command.assertFailed()
    assert.equal(command.exitCode, 1)
    assert.isTrue(logs.some((log) => /password does not match/.test(log.message)))
    const after = await db.from('organizations').count('* as total')
    assert.equal(Number(after[0].total), Number(before[0].total))
  })

  test('slug, email and password follow the web rules', async ({ assert }) => {
    const { org } = await givenOrg()
    const cases: Array<[string[], RegExp]> = [
      [
        [
          'X Org',
          '--slug=admin',
          '--owner-email=x1@example.test',
          '--owner-password=a long enough password',
        ],
        /reserved/,
      ],
      [
        [
          'X Org',
          '--slug=Bad Slug!',
          '--owner-email=x2@example.test',
          '--owner-password=a long enough password',
        ],
        /lowercase letters/,
      ],
      [
        [
          'X Org',
          `--slug=${org.slug}`,
          '--owner-email=x3@example.test',
          '--owner-password=a long enough password',
        ],
        /already taken/,
      ],
      [
        [
          'X Org',
          '--slug=fine-slug',
          '--owner-email=not-an-email',
          '--owner-password=a long enough password',
        ],
        /valid email/,
      ],
      [
        ['X Org', '--slug=fine-slug', '--owner-email=x4@example.test', '--owner-password=short'],
        /at least 8/,
      ],
      [
        [
          'X Org',
          '--slug=fine-slug',
          '--owner-email=x5@example.test',
          '--owner-password=password1',
        ],
        /too common/,
      ],
    ]
    for (const [argv, message] of cases) {
      const { command, logs } = await run(argv)
      assert.equal(command.exitCode, 1, `${argv.join(' ')} → ${JSON.stringify(logs)}`)
      assert.isTrue(
        logs.some((log) => message.test(log.message)),
        `${argv.join(' ')} → ${JSON.stringify(logs)}`
      )
    }
    assert.lengthOf(await db.from('users').whereLike('email', 'x%@example.test'), 0)
  })
})

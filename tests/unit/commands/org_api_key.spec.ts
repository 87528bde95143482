import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import OrgApiKey from '../../../commands/org_api_key.js'
import AuthenticateApiKey from '#orgs/actions/authenticate_api_key'
import { hashToken } from '#core/services/tokens'
import { givenOrg } from '#tests/helpers/given'

async function run(argv: string[]) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(OrgApiKey, argv)
  await command.exec()
  const logs = command.ui.logger.getLogs()
  return { command, logs, lastLine: logs[logs.length - 1]?.message ?? '' }
}

test.group('node ace org:api-key', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('prints a working key alone on the last line and stores only its hash', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { command, lastLine } = await run([org.slug, '--name=Moodle plugin'])
    command.assertSucceeded()

    assert.match(lastLine, /^atx_[A-Za-z0-9_-]{43}$/)
    const row = await db
      .from('organization_api_keys')
      .where('organization_id', org.id)
      .firstOrFail()
    assert.equal(row.name, 'Moodle plugin')
    assert.equal(row.key_hash, hashToken(lastLine))
    assert.equal(row.prefix, lastLine.slice(0, 12))
    assert.isNull(row.created_by)

    const authenticated = await AuthenticateApiKey.handle(lastLine)
    assert.equal(authenticated?.org.id, org.id)

    const audit = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .where('action', 'api_key.created')
      .firstOrFail()
    assert.notInclude(JSON.stringify(audit), lastLine)
  })

  test('an unknown slug fails with exit code 1 and a clear message', async ({ assert }) => {
    const { command, logs } = await run(['no-such-org'])
    command.assertFailed()
    assert.equal(command.exitCode, 1)
    assert.isTrue(
      logs.some((log) => /No organization with the slug "no-such-org"/.test(log.message))
    )
  })
})

import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import Certificate from '#certificates/models/certificate'
import CertificatesExpire from '../../../commands/certificates_expire.js'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'

async function run(argv: string[] = []) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(CertificatesExpire, argv)
  await command.exec()
  return { command, logs: command.ui.logger.getLogs().map((log) => log.message) }
}

test.group('node ace certificates:expire', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  // Uploads a template and issues certificates first (seconds each): not a unit test's 10 s.
  test('expires the issued certificates past their expiry, once', async ({ assert }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, {
      count: 3,
      issueDate: '2024-01-10',
      expiry: { mode: 'months', months: 6 },
    })
    await runJobs()
    const [later] = await Certificate.query().where('generation_job_id', job.id).limit(1)
    later.expiresAt = DateTime.utc().plus({ years: 1 })
    await later.save()

    const first = await run()
    first.command.assertSucceeded()
    assert.deepEqual(first.logs, ['[ blue(info) ] 2 certificates expired'])
    const certificates = await Certificate.query().where('generation_job_id', job.id)
    const statusOf = new Map(certificates.map((c) => [c.id, c.status]))
    assert.equal(statusOf.get(later.id), 'issued')
    assert.sameMembers([...statusOf.values()], ['issued', 'expired', 'expired'])

    const second = await run()
    assert.deepEqual(second.logs, ['[ blue(info) ] 0 certificates expired'])
  }).timeout(60_000)

  test('with --quiet, a run that expires nothing prints nothing', async ({ assert }) => {
    const { command, logs } = await run(['--quiet'])
    command.assertSucceeded()
    assert.deepEqual(logs, [])
  })
})

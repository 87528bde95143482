import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import FileImportJob from '#imports/models/file_import_job'
import ImportsRecover from '../../../commands/imports_recover.js'
import { givenOrg } from '#tests/helpers/given'
import { givenImport, rowsOf } from '#tests/helpers/imports'

async function run(argv: string[] = []) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(ImportsRecover, argv)
  await command.exec()
  return { command, logs: command.ui.logger.getLogs().map((log) => log.message) }
}

test.group('node ace imports:recover', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  // Starts the import reader thread: not a unit test's 10 s.
  test('reads again an import whose read stopped long ago, and has finished when it returns', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const orphan = await givenImport(org, 'recipients/semicolon.csv')
    const longAgo = DateTime.now()
      .minus({ hours: 1 })
      .toFormat(db.connection().dialect.dateTimeFormat)
    await db
      .from('file_import_jobs')
      .where('id', orphan.id)
      .update({ status: 'processing', updated_at: longAgo })

    const first = await run()
    first.command.assertSucceeded()
    assert.deepEqual(first.logs, ['[ blue(info) ] 1 import read again'])
    const recovered = await FileImportJob.findOrFail(orphan.id)
    assert.equal(recovered.status, 'ready')
    assert.lengthOf(await rowsOf(recovered), 10)

    const second = await run()
    assert.deepEqual(second.logs, ['[ blue(info) ] 0 imports read again'])
  }).timeout(30_000)

  test('with --quiet, a run with nothing to read again prints nothing', async ({ assert }) => {
    const { command, logs } = await run(['--quiet'])
    command.assertSucceeded()
    assert.deepEqual(logs, [])
  })
})

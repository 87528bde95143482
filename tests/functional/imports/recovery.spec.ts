import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import FileImportJob from '#imports/models/file_import_job'
import RecoverStaleImports from '#imports/actions/recover_stale_imports'
import { givenOrg } from '#tests/helpers/given'
import { givenImport, rowsOf, settled } from '#tests/helpers/imports'

test.group('Imports: recovering reads cut off by a restart', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an import left "processing" past the timeout is claimed once and read again; a live one is left alone', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const orphan = await givenImport(org, 'recipients/semicolon.csv')
    const live = await givenImport(org, 'recipients/clean-50.csv')
    const format = db.connection().dialect.dateTimeFormat
    const longAgo = DateTime.now().minus({ hours: 1 }).toFormat(format)
    await db
      .from('file_import_jobs')
      .where('id', orphan.id)
      .update({ status: 'processing', updated_at: longAgo })
    await db
      .from('file_import_jobs')
      .where('id', live.id)
      .update({ status: 'processing', updated_at: DateTime.now().toFormat(format) })

    const [first, second] = await Promise.all([
      RecoverStaleImports.handle(),
      RecoverStaleImports.handle(),
    ])
    assert.deepEqual([...first, ...second], [orphan.id], 'claimed by exactly one caller')
    const recovered = await settled(orphan.id)
    assert.equal(recovered.status, 'ready')
    assert.equal(recovered.totalRows, 10)
    assert.lengthOf(
      await rowsOf(recovered),
      10,
      'the rows read again replace the old ones, no duplicates'
    )
    const stillLive = await FileImportJob.findOrFail(live.id)
    assert.equal(stillLive.status, 'processing', 'a read with a recent heartbeat is not touched')
    assert.deepEqual(await RecoverStaleImports.handle(), [])
  }).timeout(60_000)
})
